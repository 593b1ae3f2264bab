"""A step that refuses leaves the database exactly as it was. Through a platform's way in
(`in_context`) no savepoint is taken for it: a refusal before any write needs nothing undone,
and one after a write has the whole request run again, its steps in savepoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog
from bot.core.messages import Message
from bot.handlers.context import Context, PlatformUser, Refusal
from bot.handlers.dispatch import in_context, run_step
from bot.store.models import Person, Team
from tests.conftest import NOW


class NoDirectory:
    def lookup(self, ref: object) -> PlatformUser | None:
        return None


@contextmanager
def savepoints(engine: Engine) -> Iterator[list[str]]:
    """The SAVEPOINT statements sent while the block runs."""
    seen: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SAVEPOINT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def request(
    sessions: sessionmaker[Session],
    settings: Settings,
    catalog: Catalog,
    step: Callable[[Context], Message],
    runs: list[Context],
) -> Message:
    """One request from Sam (met on first contact) whose work is one step."""

    def work(ctx: Context) -> Message:
        runs.append(ctx)
        return run_step(ctx, lambda: step(ctx))

    return in_context(
        sessions,
        settings=settings,
        catalog=catalog,
        platform="slack",
        workspace="T-REFUSALS",
        user=PlatformUser("U-SAM", "Sam", timezone="UTC"),
        directory=NoDirectory(),
        work=work,
        now=NOW,
    )


def teams(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Team)) or 0


def people(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def add_team(ctx: Context) -> None:
    ctx.session.add(
        Team(workspace_id=ctx.workspace.id, name="North", channel_ref="C1", created_at=NOW)
    )


def baseline(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, catalog: Catalog
) -> int:
    """The savepoints a request takes around its transaction in these tests' sessions (the
    fixture joins each to an outer transaction with one)."""
    with savepoints(engine) as seen:
        request(sessions, settings, catalog, lambda ctx: Message(text="hello"), [])
    return len(seen)


def test_a_refusal_before_any_write_takes_no_savepoint_and_keeps_what_came_before(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, catalog: Catalog
) -> None:
    around = baseline(engine, sessions, settings, catalog)
    runs: list[Context] = []

    def refuse(ctx: Context) -> Message:
        raise Refusal("Not that.")

    with savepoints(engine) as seen:
        reply = request(sessions, settings, catalog, refuse, runs)

    assert reply.text == "Not that."
    assert len(runs) == 1
    assert len(seen) == around
    assert people(sessions) == 1  # Sam, met on first contact before the step, is kept


def test_a_step_that_writes_takes_no_savepoint_and_its_write_is_kept(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, catalog: Catalog
) -> None:
    around = baseline(engine, sessions, settings, catalog)

    def write(ctx: Context) -> Message:
        add_team(ctx)
        return Message(text="Added.")

    with savepoints(engine) as seen:
        reply = request(sessions, settings, catalog, write, [])

    assert reply.text == "Added."
    assert len(seen) == around
    assert teams(sessions) == 1


def test_a_refusal_after_a_write_runs_the_request_again_and_leaves_no_trace(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, catalog: Catalog
) -> None:
    around = baseline(engine, sessions, settings, catalog)
    runs: list[Context] = []

    def write_then_refuse(ctx: Context) -> Message:
        add_team(ctx)
        ctx.session.flush()
        raise Refusal("Changed my mind.")

    with savepoints(engine) as seen:
        reply = request(sessions, settings, catalog, write_then_refuse, runs)

    assert reply.text == "Changed my mind."
    assert len(runs) == 2  # the second time with the step in a savepoint
    assert len(seen) == 2 * around + 1
    assert teams(sessions) == 0
    assert people(sessions) == 1


def test_a_refusal_after_an_unsent_change_runs_the_request_again(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, catalog: Catalog
) -> None:
    runs: list[Context] = []

    def rename_then_refuse(ctx: Context) -> Message:
        ctx.caller.preferred_name = "Samwise"  # not flushed: the commit would send it
        raise Refusal("No.")

    reply = request(sessions, settings, catalog, rename_then_refuse, runs)

    assert reply.text == "No."
    assert len(runs) == 2
    with sessions() as session:
        assert session.scalars(select(Person.preferred_name)).one() is None
