"""`followthrough catalog show|validate` and `CATALOG_PATH`: the catalog in use, and checking
another organization's framework before it goes live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.store.models import Commitment
from tests.cli.conftest import ADMIN, REPO, Database, Invoke, Run

CPM = REPO / "bot" / "content" / "cpm.yaml"
ROLES = {"supervisor", "manager", "director"}


def small_catalog() -> dict[str, Any]:
    """The smallest valid catalog: one domain, one behavior, one item with two prompts."""
    return {
        "schema_version": 1,
        "framework": "Acme Leadership Basics",
        "roles": ["supervisor", "manager", "director"],
        "domains": [
            {
                "id": "basics",
                "number": 1,
                "name": "Basics",
                "title": "Basic Behaviors for Acme Leaders",
                "behaviors": [
                    {
                        "id": "1",
                        "title": "Say thank you",
                        "impact": "Staff who are thanked stay longer.",
                        "items": [
                            {
                                "id": "1.a",
                                "text": "Thank one person for specific work each week.",
                                "prompts": [
                                    "Who did something worth thanking this week? Tell them.",
                                    "Write one thank-you note this week, naming what they did.",
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def write_catalog(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def shown(invoke: Invoke, *args: str, **env: str | None) -> dict[str, Any]:
    result = invoke("catalog", "show", "--format", "json", *args, **env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def items_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        item
        for domain in data["domains"]
        for behavior in domain["behaviors"]
        for item in behavior["items"]
    ]


def role_items_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [role_item for item in items_of(data) for role_item in item["role_items"]]


# --- catalog show ----------------------------------------------------------------------------


def test_catalog_show_json_lists_the_whole_core_practice_model(invoke: Invoke) -> None:
    data = shown(invoke)

    assert data["framework"] == "Core Practice Model Leadership Behaviors"
    assert [d["name"] for d in data["domains"]] == [
        "Foundational",
        "Engagement",
        "Inquiry/Exploration",
        "Advocacy",
        "Teaming",
        "Accountability",
    ]
    behaviors = [b for d in data["domains"] for b in d["behaviors"]]
    assert [b["id"] for b in behaviors] == [str(n) for n in range(1, 17)]
    assert all(b["title"] for b in behaviors)
    items = items_of(data)
    assert len(items) == 41
    assert all(item["text"] and len(item["prompts"]) >= 2 for item in items)
    role_items = role_items_of(data)
    assert len(role_items) == 56
    assert all(r["text"] and r["role"] in ROLES for r in role_items)
    assert {r["role"] for r in role_items} == ROLES
    assert data["counts"] == {"domains": 6, "behaviors": 16, "items": 41, "role_items": 56}


def test_catalog_show_with_a_role_keeps_only_that_roles_items(invoke: Invoke) -> None:
    everything = role_items_of(shown(invoke))
    directors = [r for r in everything if r["role"] == "director"]

    data = shown(invoke, "--role", "director")

    assert role_items_of(data) == directors
    assert directors
    assert len(items_of(data)) == 41  # the lettered items all stay


def test_catalog_show_text_lists_ids_and_texts_and_ends_with_the_counts(invoke: Invoke) -> None:
    result = invoke("catalog", "show")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "1. Foundational Behaviors for Leadership and All Agency Staff"
    assert "  6. Recognize staff strengths and successes" in lines
    assert any(line.startswith("    6.a ") for line in lines)
    assert any(line.startswith("      4.a.i [supervisor] ") for line in lines)
    assert lines[-1] == "6 domains, 16 behaviors, 41 items, 56 role items"


def test_catalog_show_text_with_a_role_leaves_out_other_roles_items(invoke: Invoke) -> None:
    result = invoke("catalog", "show", "--role", "manager")

    role_lines = [line for line in result.stdout.splitlines() if line.startswith("      ")]
    assert role_lines
    assert all(" [manager] " in line for line in role_lines)


def test_catalog_show_rejects_an_unknown_role(invoke: Invoke) -> None:
    result = invoke("catalog", "show", "--role", "boss")
    assert result.exit_code == 2
    assert "'boss' is not one of 'supervisor', 'manager', 'director'" in result.output


# --- catalog validate ------------------------------------------------------------------------


def test_catalog_validate_accepts_the_shipped_catalog(invoke: Invoke) -> None:
    result = invoke("catalog", "validate", str(CPM))

    assert result.exit_code == 0
    assert result.stdout == (f"{CPM}: valid. 6 domains, 16 behaviors, 41 items, 56 role items.\n")


def test_catalog_validate_accepts_a_small_catalog_of_the_same_schema(
    invoke: Invoke, tmp_path: Path
) -> None:
    path = write_catalog(tmp_path / "acme.yaml", small_catalog())
    result = invoke("catalog", "validate", str(path))
    assert result.exit_code == 0
    assert "valid. 1 domains, 1 behaviors, 1 items, 0 role items." in result.stdout


def _with_item(**changes: Any) -> dict[str, Any]:
    data = small_catalog()
    data["domains"][0]["behaviors"][0]["items"][0].update(changes)
    return data


def _with_duplicate_behavior() -> dict[str, Any]:
    data = small_catalog()
    behaviors = data["domains"][0]["behaviors"]
    behaviors.append(behaviors[0])
    return data


def _without_impact() -> dict[str, Any]:
    data = small_catalog()
    del data["domains"][0]["behaviors"][0]["impact"]
    return data


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(_with_item(id="1.b"), "item '1.b' should be '1.a'", id="misnumbered-item"),
        pytest.param(
            _with_item(prompts=["Only one phrasing."]),
            "domains.0.behaviors.0.items.0.prompts: List should have at least 2 items",
            id="one-prompt",
        ),
        pytest.param(
            _with_item(
                role_items=[
                    {"id": "1.a.i", "role": "ceo", "text": "Thank the board.", "prompts": ["x"]}
                ]
            ),
            "role_items.0.role: Input should be 'supervisor', 'manager' or 'director'",
            id="unknown-role",
        ),
        pytest.param(_with_duplicate_behavior(), "duplicate id '1'", id="duplicate-id"),
        pytest.param(
            _without_impact(), "domains.0.behaviors.0.impact: Field required", id="missing-field"
        ),
        pytest.param(
            _with_item(hint="not in the schema"),
            "items.0.hint: Extra inputs are not permitted",
            id="unknown-field",
        ),
    ],
)
def test_catalog_validate_rejects_a_broken_catalog_naming_the_problem(
    invoke: Invoke, tmp_path: Path, data: dict[str, Any], problem: str
) -> None:
    path = write_catalog(tmp_path / "broken.yaml", data)

    result = invoke("catalog", "validate", str(path))

    assert result.exit_code == 1
    assert "does not follow the catalog schema" in result.stderr
    assert problem in result.stderr
    assert "valid." not in result.stdout


def test_catalog_validate_rejects_a_file_that_is_not_yaml(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("domains: [unclosed\n", encoding="utf-8")

    result = invoke("catalog", "validate", str(path))

    assert result.exit_code == 1
    assert f"{path} is not valid YAML" in result.stderr


def test_catalog_validate_rejects_a_missing_file(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("catalog", "validate", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 1
    assert "cannot read" in result.stderr
    assert "nowhere.yaml" in result.stderr


# --- CATALOG_PATH ----------------------------------------------------------------------------


@pytest.fixture
def acme(tmp_path: Path) -> str:
    return str(write_catalog(tmp_path / "acme.yaml", small_catalog()))


def test_catalog_show_uses_the_catalog_at_catalog_path(invoke: Invoke, acme: str) -> None:
    data = shown(invoke, CATALOG_PATH=acme)

    assert data["framework"] == "Acme Leadership Basics"
    assert data["counts"] == {"domains": 1, "behaviors": 1, "items": 1, "role_items": 0}
    text = invoke("catalog", "show", CATALOG_PATH=acme).stdout
    assert text.splitlines()[:3] == [
        "1. Basic Behaviors for Acme Leaders",
        "  1. Say thank you",
        "    1.a Thank one person for specific work each week.",
    ]


def test_chat_browses_and_commits_from_the_catalog_at_catalog_path(
    db: Database, run: Run, acme: str
) -> None:
    assert run(ADMIN, "leader add sam@agency.org role=manager", CATALOG_PATH=acme).exit_code == 0

    result = run("sam@agency.org", "behaviors", CATALOG_PATH=acme)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "Acme Leadership Basics"
    assert "  • Basics: 1 Say thank you" in result.output
    assert "Recognize staff strengths" not in result.output

    assert run("sam@agency.org", "commit 1.a", CATALOG_PATH=acme).exit_code == 0
    refused = run("sam@agency.org", "commit 6.a", CATALOG_PATH=acme)
    assert refused.exit_code == 1
    assert "There is no behavior `6.a`" in refused.output
    assert [c.behavior_id for c in db.rows(Commitment)] == ["1.a"]


def test_catalog_path_to_a_broken_catalog_stops_the_command_with_the_problem(
    invoke: Invoke, tmp_path: Path
) -> None:
    path = write_catalog(tmp_path / "broken.yaml", _with_item(id="1.c"))
    result = invoke("catalog", "show", CATALOG_PATH=str(path))
    assert result.exit_code == 1
    assert "item '1.c' should be '1.a'" in result.stderr


def test_an_empty_catalog_path_means_the_built_in_catalog(invoke: Invoke) -> None:
    result = invoke("catalog", "show", "--format", "json", CATALOG_PATH="")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["behaviors"] == 16
