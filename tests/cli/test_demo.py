"""`followthrough demo`: a sample agency in a database of its own (never an existing one
without --into and a yes), the people to be printed, and a prompt waiting for every leader and
the week's digest queued, so that the first scheduling pass of the server it starts delivers
them (the browser tests press them: tests/browser/test_first_ten_minutes.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot import app
from bot.core.states import PromptStatus
from bot.platforms.local.demo import ADMIN, DEMO_DATABASE_FILE, LEADERS
from bot.store.db import create_db_engine, migrate
from bot.store.models import Digest, Person, Prompt
from tests.cli.conftest import Database, Invoke
from tests.cli.test_serve import UNSET


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[web.Application]:
    """The applications `demo` would serve (started, but not run)."""
    found: list[web.Application] = []
    monkeypatch.setattr(app.web, "run_app", lambda application, **kwargs: found.append(application))
    return found


def demo(invoke: Invoke, *args: str, stdin: str | None = None, **env: str | None) -> Any:
    return invoke("demo", *args, stdin=stdin, **{**UNSET, **env})


def test_the_demo_keeps_to_its_own_database(
    invoke: Invoke, served: list[web.Application], tmp_path: Path
) -> None:
    own = tmp_path / "followthrough.db"
    engine = create_db_engine(f"sqlite:///{own}")
    migrate(engine)
    engine.dispose()
    before = own.read_bytes()

    result = demo(invoke, DATABASE_URL=f"sqlite:///{own}")

    assert result.exit_code == 0, result.output
    assert own.read_bytes() == before  # the real database is untouched
    demo_db = Database(
        url=f"sqlite:///{tmp_path / DEMO_DATABASE_FILE}",
        engine=create_db_engine(f"sqlite:///{tmp_path / DEMO_DATABASE_FILE}"),
    )
    assert demo_db.count(Person) == len(LEADERS) + 1
    assert len(served) == 1
    demo_db.engine.dispose()


def test_the_demo_names_who_to_be_and_the_admin(invoke: Invoke, served: list[Any]) -> None:
    output = demo(invoke).output

    assert f"Created a sample agency in sqlite:///{DEMO_DATABASE_FILE}" in output
    assert "a prompt waiting for every leader and this week's digest" in output
    assert f"Riley Chen ({ADMIN[0]}): implementation lead, admin" in output
    for leader in LEADERS:
        assert f"{leader.name} ({leader.email}): {leader.role}" in output
    assert (
        f"DATABASE_URL=sqlite:///{DEMO_DATABASE_FILE} followthrough chat --as {ADMIN[0]} "
        "'digest preview \"CPM Implementation\"'" in output
    )


def test_the_demo_queues_a_prompt_for_every_leader_and_the_digest(
    invoke: Invoke, served: list[Any], tmp_path: Path
) -> None:
    assert demo(invoke).exit_code == 0
    db = Database(url="", engine=create_db_engine(f"sqlite:///{tmp_path / DEMO_DATABASE_FILE}"))

    waiting = db.rows(Prompt, status=PromptStatus.PENDING)
    assert sorted(db.one(Person, id=p.person_id).email for p in waiting) == sorted(
        leader.email for leader in LEADERS
    )
    assert [p.behavior_id for p in waiting] == [leader.commitments[0][0] for leader in LEADERS]
    (digest,) = db.rows(Digest)
    assert digest.sent_at is None  # the server's first pass sends it

    again = demo(invoke)
    assert again.exit_code == 0
    assert f"The sample agency is already in sqlite:///{DEMO_DATABASE_FILE}." in again.output
    assert db.count(Prompt, status=PromptStatus.PENDING) == len(LEADERS)  # nothing doubled
    db.engine.dispose()


def test_into_asks_before_adding_to_a_database_with_people(
    invoke: Invoke, served: list[Any], db: Database, run: Any
) -> None:
    assert run("boss@agency.org", "leader add sam@agency.org role=supervisor").exit_code == 0
    before = db.counts()

    refused = demo(invoke, "--into", stdin="n\n", DATABASE_URL=db.url)

    assert refused.exit_code == 1
    assert "already holds 2 people. Add the sample agency" in refused.output
    assert db.counts() == before
    assert served == []

    agreed = demo(invoke, "--into", "--yes", DATABASE_URL=db.url)

    assert agreed.exit_code == 0, agreed.output
    assert db.count(Person) == 2 + len(LEADERS) + 1
    assert "DATABASE_URL=" not in agreed.output  # the database is the usual one


def test_yes_without_into_is_refused(invoke: Invoke, served: list[Any], tmp_path: Path) -> None:
    result = demo(invoke, "--yes")

    assert result.exit_code == 2
    assert "--yes goes with --into" in result.output
    assert not (tmp_path / DEMO_DATABASE_FILE).exists()
