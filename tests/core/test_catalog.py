"""The behavior catalog: the shipped CPM data, look-ups by id, and validation of broken files."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.catalog import DEFAULT_CATALOG, Catalog, CatalogError, load_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def prompts_of(catalog: Catalog, entry_id: str) -> list[str]:
    entry = catalog.entries[entry_id]
    if entry.role_item is not None:
        return list(entry.role_item.prompts)
    assert entry.item is not None
    return list(entry.item.prompts)


# --- the shipped CPM catalog -----------------------------------------------------------------


def test_shipped_catalog_has_the_cpm_shape(catalog: Catalog) -> None:
    assert catalog.counts() == {"domains": 6, "behaviors": 16, "items": 41, "role_items": 56}
    assert [d.name for d in catalog.domains] == [
        "Foundational",
        "Engagement",
        "Inquiry/Exploration",
        "Advocacy",
        "Teaming",
        "Accountability",
    ]
    assert [d.number for d in catalog.domains] == [1, 2, 3, 4, 5, 6]
    assert [b.id for _, b in catalog.behaviors()] == [str(n) for n in range(1, 17)]
    assert catalog.roles == ["supervisor", "manager", "director"]


def test_default_path_is_the_shipped_file(catalog: Catalog) -> None:
    assert DEFAULT_CATALOG.name == "cpm.yaml"
    assert DEFAULT_CATALOG.parent.name == "content"
    assert load_catalog(DEFAULT_CATALOG) == catalog
    assert load_catalog(str(DEFAULT_CATALOG)) == catalog


def test_every_role_item_is_tagged_with_a_leader_role(catalog: Catalog) -> None:
    role_items = [e for e in catalog.entries.values() if e.kind == "role_item"]
    assert len(role_items) == 56
    for entry in role_items:
        assert entry.role_item is not None
        assert entry.role_item.role in {"supervisor", "manager", "director"}
    roles = {e.role_item.role for e in role_items if e.role_item is not None}
    assert roles == {"supervisor", "manager", "director"}


def test_ids_are_stable_and_nested(catalog: Catalog) -> None:
    for entry_id, entry in catalog.entries.items():
        assert entry.id == entry_id
        parts = entry_id.split(".")
        assert parts[0] == entry.behavior.id
        if entry.kind == "item":
            assert len(parts) == 2
        if entry.kind == "role_item":
            assert entry.item is not None
            assert len(parts) == 3
            assert ".".join(parts[:2]) == entry.item.id


def test_every_lettered_item_has_at_least_two_prompts(catalog: Catalog) -> None:
    items = [e for e in catalog.entries.values() if e.kind == "item"]
    assert len(items) == 41
    for entry in items:
        assert entry.item is not None
        assert len(entry.item.prompts) >= 2, entry.id


def test_every_role_item_has_a_prompt(catalog: Catalog) -> None:
    for entry in catalog.entries.values():
        if entry.role_item is not None:
            assert entry.role_item.prompts, entry.id


def test_prompts_are_written_for_the_product_not_copied(catalog: Catalog) -> None:
    every_prompt: list[str] = []
    for entry in catalog.entries.values():
        if entry.kind == "behavior":
            continue
        source = entry.text.lower().rstrip(".")
        for prompt in prompts_of(catalog, entry.id):
            every_prompt.append(prompt)
            assert source not in prompt.lower(), (entry.id, prompt)
            similarity = difflib.SequenceMatcher(None, prompt.lower(), source).ratio()
            assert similarity < 0.75, (entry.id, prompt)
    assert len(every_prompt) == len(set(every_prompt)), "a prompt is used twice"


def test_known_seed_texts_are_transcribed_verbatim(catalog: Catalog) -> None:
    item = catalog.find("6.a")
    assert item is not None
    assert item.text == (
        "Create regular opportunities to affirm agency organizational strengths and the "
        "efforts of staff and partners in their daily work."
    )
    assert item.behavior.title == "Recognize staff strengths and successes"

    role_item = catalog.find("4.a.v")
    assert role_item is not None
    assert role_item.role_item is not None
    assert role_item.role_item.role == "director"
    assert role_item.text == (
        "Establish and maintain regular and frequent communication between the leadership "
        "team and the implementation team."
    )

    supervisor_item = catalog.find("4.a.i")
    assert supervisor_item is not None
    assert supervisor_item.role_item is not None
    assert supervisor_item.role_item.role == "supervisor"
    assert supervisor_item.text == "Participate on the CPM implementation team."

    pronouns = catalog.find("1.b")
    assert pronouns is not None
    assert pronouns.text == (
        "Address individuals in person and in writing by the name, title and pronouns they request."
    )
    assert (
        catalog.entries["1"].title == "Be open, honest, clear and respectful in your communications"
    )
    assert catalog.entries["2"].title == "Be Accountable"


def test_every_behavior_carries_impact_and_practice_links(catalog: Catalog) -> None:
    for _, behavior in catalog.behaviors():
        assert behavior.impact.startswith("Staff who experience "), behavior.id
        assert behavior.models_practice, behavior.id
        assert behavior.supports_practice.startswith("The LB would especially benefit"), behavior.id
        assert behavior.why, behavior.id


def test_lenses_and_stay_in_principles(catalog: Catalog) -> None:
    assert [(lens.id, lens.name) for lens in catalog.lenses] == [
        ("lean_in", "Lean In"),
        ("lift_up", "Lift Up"),
        ("connect", "Connect"),
        ("culture", "Culture"),
    ]
    assert [p.name for p in catalog.stay_in] == [
        "Support",
        "Take time",
        "Acknowledge",
        "Yield",
        "INvoke",
    ]
    for lens in catalog.lenses:
        assert lens.actions, lens.id


# --- look-ups --------------------------------------------------------------------------------


def test_find_by_id_of_every_kind(catalog: Catalog) -> None:
    behavior = catalog.find("6")
    assert behavior is not None
    assert behavior.kind == "behavior"
    assert behavior.title == "Recognize staff strengths and successes"
    assert behavior.domain.id == "engagement"
    assert behavior.item is None

    item = catalog.find("6.b")
    assert item is not None
    assert item.kind == "item"
    assert item.title == item.text
    assert item.behavior.id == "6"
    assert item.item is not None
    assert item.item.id == "6.b"

    role_item = catalog.find("6.b.ii")
    assert role_item is not None
    assert role_item.kind == "role_item"
    assert role_item.item is not None
    assert role_item.item.id == "6.b"
    assert role_item.role_item is not None
    assert role_item.role_item.role == "manager"


def test_find_is_forgiving_about_case_and_spaces_but_not_about_ids(catalog: Catalog) -> None:
    assert catalog.find(" 6.B ") == catalog.find("6.b")
    assert catalog.find("4.A.V") == catalog.find("4.a.v")
    for missing in ["6.z", "17", "0", "", "6.", "4.a.viii", "domain:foundational", "lean_in"]:
        assert catalog.find(missing) is None, missing


def test_entries_keep_catalog_order(catalog: Catalog) -> None:
    ids = list(catalog.entries)
    assert ids[:6] == ["1", "1.a", "1.b", "1.c", "1.d", "2"]
    assert ids.index("4.a") < ids.index("4.a.i") < ids.index("4.a.vii") < ids.index("4.b")
    assert ids[-1].startswith("16.")


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        ("6.z", ["6.b", "6.a"]),
        ("17", ["7", "1", "16"]),
        ("4.a.x", ["4.a.v"]),
        ("6B", ["6.b"]),
    ],
)
def test_closest_ids(catalog: Catalog, wrong: str, expected: list[str]) -> None:
    found = catalog.closest_ids(wrong)
    assert len(found) <= 3
    for entry_id in expected:
        assert entry_id in found
    assert all(catalog.find(entry_id) is not None for entry_id in found)


def test_closest_ids_for_nonsense_is_empty(catalog: Catalog) -> None:
    assert catalog.closest_ids("banana") == []
    assert catalog.closest_ids("6.z", limit=1) == ["6.b"]


@pytest.mark.parametrize(
    ("name", "domain_id"),
    [
        ("Foundational", "foundational"),
        ("engagement", "engagement"),
        ("Inquiry/Exploration", "inquiry"),
        ("inquiry exploration", "inquiry"),
        ("INQUIRY", "inquiry"),
        ("teaming", "teaming"),
        ("accou", "accountability"),
        ("Accountability", "accountability"),
    ],
)
def test_find_domain_by_id_name_or_prefix(catalog: Catalog, name: str, domain_id: str) -> None:
    domain = catalog.find_domain(name)
    assert domain is not None
    assert domain.id == domain_id


@pytest.mark.parametrize("name", ["acc", "4", "7", "0", "", "leadership", "engagment"])
def test_find_domain_misses(catalog: Catalog, name: str) -> None:
    assert catalog.find_domain(name) is None


def test_prompts_for_an_item_prefer_the_leaders_role(catalog: Catalog) -> None:
    director = catalog.prompts_for("4.a", "director")
    director_items = ["4.a.iv", "4.a.v", "4.a.vi", "4.a.vii"]
    assert director == [p for i in director_items for p in prompts_of(catalog, i)]

    assert catalog.prompts_for("4.a", "manager") == prompts_of(catalog, "4.a.iii")
    assert catalog.prompts_for("4.a", "supervisor") == (
        prompts_of(catalog, "4.a.i") + prompts_of(catalog, "4.a.ii")
    )


def test_prompts_for_an_item_without_role_items_are_the_general_ones(catalog: Catalog) -> None:
    general = prompts_of(catalog, "6.a")
    for role in ["supervisor", "manager", "director", None]:
        assert catalog.prompts_for("6.a", role) == general
    # 3.a has only a director role item: other roles get the general prompts
    assert catalog.prompts_for("3.a", "supervisor") == prompts_of(catalog, "3.a")
    assert catalog.prompts_for("3.a", "director") == prompts_of(catalog, "3.a.i")
    assert catalog.prompts_for("4.a", None) == prompts_of(catalog, "4.a")


def test_prompts_for_a_role_item_are_its_own(catalog: Catalog) -> None:
    assert catalog.prompts_for("4.a.v", "supervisor") == prompts_of(catalog, "4.a.v")
    assert catalog.prompts_for("4.a.v", None) == prompts_of(catalog, "4.a.v")


def test_prompts_for_a_behavior_draw_on_all_its_items(catalog: Catalog) -> None:
    behavior = catalog.entries["4"].behavior
    general = [p for item in behavior.items for p in item.prompts]
    assert catalog.prompts_for("4", None) == general
    assert catalog.prompts_for("4", "manager") == prompts_of(catalog, "4.a.iii")
    assert catalog.prompts_for("6", "director") == prompts_of(catalog, "6.b.iii")


def test_every_id_has_prompts_for_every_role(catalog: Catalog) -> None:
    for entry_id in catalog.entries:
        for role in ["supervisor", "manager", "director", None]:
            assert catalog.prompts_for(entry_id, role), (entry_id, role)


def test_lenses_for_and_stay_in_for(catalog: Catalog) -> None:
    assert [lens.id for lens in catalog.lenses_for("4")] == ["lift_up", "connect"]
    assert [lens.id for lens in catalog.lenses_for("1")] == ["lean_in", "culture"]
    assert [p.id for p in catalog.stay_in_for("4")] == ["support", "invoke"]
    assert [p.id for p in catalog.stay_in_for("5")] == ["take_time", "acknowledge"]
    assert catalog.lenses_for("99") == []
    assert catalog.stay_in_for("99") == []


def test_every_lens_and_principle_reference_resolves(catalog: Catalog) -> None:
    for lens in catalog.lenses:
        for action in lens.actions:
            for behavior_id in action.behaviors:
                entry = catalog.find(behavior_id)
                assert entry is not None
                assert entry.kind == "behavior"
                assert lens in catalog.lenses_for(behavior_id)
    for principle in catalog.stay_in:
        for behavior_id in principle.behaviors:
            assert catalog.find(behavior_id) is not None
            assert principle in catalog.stay_in_for(behavior_id)


# --- broken catalog files --------------------------------------------------------------------


def minimal() -> dict[str, Any]:
    """The smallest valid catalog: one domain, one behavior, one item, one role item."""
    return {
        "schema_version": 1,
        "framework": "Test Framework",
        "roles": ["supervisor", "manager", "director"],
        "lenses": [
            {
                "id": "lean_in",
                "name": "Lean In",
                "tagline": "Listen",
                "description": "Listening with respect",
                "actions": [{"text": "Model it", "behaviors": ["1"]}],
            }
        ],
        "stay_in": [{"id": "support", "name": "Support", "text": "Support it", "behaviors": ["1"]}],
        "domains": [
            {
                "id": "foundational",
                "number": 1,
                "name": "Foundational",
                "title": "Foundational Behaviors",
                "behaviors": [
                    {
                        "id": "1",
                        "title": "Be clear",
                        "impact": "Staff do better.",
                        "items": [
                            {
                                "id": "1.a",
                                "text": "Speak plainly.",
                                "prompts": ["Say it plainly this week.", "Check one memo."],
                                "role_items": [
                                    {
                                        "id": "1.a.i",
                                        "role": "supervisor",
                                        "text": "Speak plainly in unit meetings.",
                                        "prompts": ["Open your unit meeting plainly."],
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def write(tmp_path: Path, data: Any, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    return str(info.value)


def behavior_of(data: dict[str, Any]) -> dict[str, Any]:
    behavior: dict[str, Any] = data["domains"][0]["behaviors"][0]
    return behavior


def test_the_minimal_catalog_loads(tmp_path: Path) -> None:
    loaded = load_catalog(write(tmp_path, minimal()))
    assert loaded.counts() == {"domains": 1, "behaviors": 1, "items": 1, "role_items": 1}
    assert loaded.prompts_for("1.a", "supervisor") == ["Open your unit meeting plainly."]


def test_catalog_error_is_a_value_error() -> None:
    assert issubclass(CatalogError, ValueError)


def test_duplicate_behavior_id(tmp_path: Path) -> None:
    data = minimal()
    data["domains"].append(copy.deepcopy(data["domains"][0]) | {"id": "second", "number": 2})
    message = load_error(write(tmp_path, data))
    assert "does not follow the catalog schema" in message
    assert "duplicate id '1'" in message
    assert "duplicate id '1.a'" in message


def test_duplicate_domain_id(tmp_path: Path) -> None:
    data = minimal()
    other = copy.deepcopy(data["domains"][0])
    behavior_of({"domains": [other]}).update(
        id="2", items=[{"id": "2.a", "text": "T", "prompts": ["P one", "P two"]}]
    )
    data["domains"].append(other)
    assert "duplicate id 'domain:foundational'" in load_error(write(tmp_path, data))


def test_duplicate_lens_id(tmp_path: Path) -> None:
    data = minimal()
    data["lenses"].append(copy.deepcopy(data["lenses"][0]))
    assert "duplicate id 'lens:lean_in'" in load_error(write(tmp_path, data))


def test_lens_referring_to_an_unknown_behavior(tmp_path: Path) -> None:
    data = minimal()
    data["lenses"][0]["actions"][0]["behaviors"] = ["1", "99"]
    message = load_error(write(tmp_path, data))
    assert "lens 'lean_in' refers to unknown behavior '99'" in message


def test_stay_in_referring_to_an_unknown_behavior(tmp_path: Path) -> None:
    data = minimal()
    data["stay_in"][0]["behaviors"] = ["99"]
    message = load_error(write(tmp_path, data))
    assert "stay-in principle 'support' refers to unknown behavior '99'" in message


def test_shipped_catalog_with_a_lens_pointing_at_behavior_99(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    data["lenses"][1]["actions"][0]["behaviors"].append("99")
    message = load_error(write(tmp_path, data))
    assert "lens 'lift_up' refers to unknown behavior '99'" in message


def test_role_item_with_an_unknown_role(tmp_path: Path) -> None:
    data = minimal()
    behavior_of(data)["items"][0]["role_items"][0]["role"] = "intern"
    message = load_error(write(tmp_path, data))
    assert "domains.0.behaviors.0.items.0.role_items.0.role" in message
    assert "'supervisor', 'manager' or 'director'" in message


def test_role_item_with_a_role_the_catalog_does_not_declare(tmp_path: Path) -> None:
    data = minimal()
    data["roles"] = ["manager", "director"]
    message = load_error(write(tmp_path, data))
    assert "role item '1.a.i' has undeclared role" in message


@pytest.mark.parametrize(
    ("remove", "location"),
    [
        (("domains", 0, "behaviors", 0, "title"), "domains.0.behaviors.0.title"),
        (("domains", 0, "behaviors", 0, "impact"), "domains.0.behaviors.0.impact"),
        (("domains", 0, "behaviors", 0, "items", 0, "text"), "domains.0.behaviors.0.items.0.text"),
        (("domains", 0, "name"), "domains.0.name"),
        (("framework",), "framework"),
        (("schema_version",), "schema_version"),
    ],
)
def test_missing_required_field(tmp_path: Path, remove: tuple[Any, ...], location: str) -> None:
    data = minimal()
    parent: Any = data
    for key in remove[:-1]:
        parent = parent[key]
    del parent[remove[-1]]
    message = load_error(write(tmp_path, data))
    assert f"  {location}: Field required" in message


def test_item_with_a_single_prompt(tmp_path: Path) -> None:
    data = minimal()
    behavior_of(data)["items"][0]["prompts"] = ["Only one."]
    message = load_error(write(tmp_path, data))
    assert "domains.0.behaviors.0.items.0.prompts" in message
    assert "at least 2 items" in message


def test_blank_text_is_refused(tmp_path: Path) -> None:
    data = minimal()
    behavior_of(data)["items"][0]["text"] = "   "
    message = load_error(write(tmp_path, data))
    assert "domains.0.behaviors.0.items.0.text" in message
    assert "at least 1 character" in message


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    data = minimal()
    behavior_of(data)["colour"] = "blue"
    message = load_error(write(tmp_path, data))
    assert "domains.0.behaviors.0.colour: Extra inputs are not permitted" in message


def test_items_out_of_order(tmp_path: Path) -> None:
    data = minimal()
    behavior_of(data)["items"][0]["id"] = "1.b"
    behavior_of(data)["items"][0]["role_items"][0]["id"] = "1.b.ii"
    message = load_error(write(tmp_path, data))
    assert "item '1.b' should be '1.a'" in message
    assert "role item '1.b.ii' should be '1.b.i'" in message


def test_behavior_id_must_be_a_number(tmp_path: Path) -> None:
    data = minimal()
    behavior_of(data)["id"] = "one"
    behavior_of(data)["items"][0]["id"] = "one.a"
    behavior_of(data)["items"][0]["role_items"][0]["id"] = "one.a.i"
    data["lenses"][0]["actions"][0]["behaviors"] = ["one"]
    data["stay_in"][0]["behaviors"] = ["one"]
    assert "behavior id 'one' is not a number" in load_error(write(tmp_path, data))


def test_unsupported_schema_version(tmp_path: Path) -> None:
    data = minimal()
    data["schema_version"] = 2
    assert "schema_version: Input should be 1" in load_error(write(tmp_path, data))


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("domains: [unclosed\n  - : : :\n", encoding="utf-8")
    message = load_error(path)
    assert str(path) in message
    assert "is not valid YAML" in message


@pytest.mark.parametrize(
    "content",
    ["- one\n- two\n", "just a sentence\n", "", "42\n"],
    ids=["list", "str", "empty", "int"],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, content: str) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(content, encoding="utf-8")
    message = load_error(path)
    assert f"{path} must hold a mapping at the top level" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    message = load_error(path)
    assert f"cannot read {path}" in message
