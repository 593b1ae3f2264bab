"""A session counts its writes and the tables they went to: whether a refused step changed
anything (bot/handlers/dispatch.py), and whether the callers it served may be remembered
(bot/handlers/callers.py). Reads are not writes; a flushed object, or an INSERT, UPDATE or
DELETE statement run through it, is, even one later rolled back to a savepoint."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from bot.store.db import execute_write, first_sight, session_factory, writes, written_tables
from bot.store.models import Workspace
from tests.conftest import NOW


def test_reading_is_not_writing(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.scalars(select(Workspace)).all()
        session.flush()
        assert writes(session) == 0
        session.rollback()


def test_a_flushed_object_is_a_write(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.add(Workspace(platform="slack", external_id="T-WROTE", created_at=NOW))
        assert writes(session) == 0  # not yet sent
        session.flush()
        assert writes(session) > 0
        assert written_tables(session) == {"workspace"}
        session.rollback()


def test_a_statement_that_changes_rows_is_a_write_even_undone_to_a_savepoint(
    engine: Engine,
) -> None:
    with session_factory(engine)() as session:
        savepoint = session.begin_nested()
        session.execute(
            update(Workspace).where(Workspace.external_id == "none").values(active=False)
        )
        savepoint.rollback()
        assert writes(session) > 0
        assert written_tables(session) == {"workspace"}
        session.rollback()


def test_a_core_statement_through_execute_write_is_a_write(engine: Engine) -> None:
    with session_factory(engine)() as session:
        execute_write(
            session,
            insert(Workspace).values(platform="slack", external_id="T-CORE", created_at=NOW),
        )
        assert writes(session) == 1
        assert first_sight(session, "slack", "E-WROTE", now=NOW)
        assert writes(session) == 2
        assert written_tables(session) == {"workspace", "seen_event"}
        session.rollback()


def test_every_session_counts_its_writes_however_it_was_made(engine: Engine) -> None:
    """A step's refusal is trusted to have changed nothing when its session counted no
    writes: a session made without session_factory must count them too."""
    with Session(engine) as session:
        session.add(Workspace(platform="slack", external_id="T-PLAIN", created_at=NOW))
        session.flush()
        assert writes(session) > 0
        session.rollback()
