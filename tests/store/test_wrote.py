"""A session says whether it wrote anything: what decides whether the callers it served may be
remembered (bot/handlers/callers.py). Reads are not writes; a flushed object, or an INSERT,
UPDATE or DELETE statement run through it, is, even one later rolled back to a savepoint."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from bot.store.db import session_factory, wrote
from bot.store.models import Workspace
from tests.conftest import NOW


def test_reading_is_not_writing(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.scalars(select(Workspace)).all()
        session.flush()
        assert not wrote(session)
        session.rollback()


def test_a_flushed_object_is_a_write(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.add(Workspace(platform="slack", external_id="T-WROTE", created_at=NOW))
        assert not wrote(session)  # not yet sent
        session.flush()
        assert wrote(session)
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
        assert wrote(session)
        session.rollback()
