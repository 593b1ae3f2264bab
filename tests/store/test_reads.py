"""Two reads as of one moment (bot/store/reads.py): at once, on connections of their own
that see what the session sees, so a commit tried meanwhile is seen by neither (PostgreSQL
shares the session's snapshot; on SQLite the session's write lock holds the commit back); one
after the other on the session whenever it has written something they would not see. The
year's dashboard and the digest read this way (bot/reports/figures.py, digest.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.core.catalog import Catalog
from bot.reports.digest import compute_digest
from bot.reports.figures import build_report
from bot.reports.scope import Period, Scope
from bot.store import reads
from bot.store.db import create_db_engine, migrate
from bot.store.models import Team, Workspace
from bot.store.reads import both
from tests.reports.agency import build_agency

FIRST_MONDAY = date(2026, 3, 2)
CREATED = datetime(2026, 3, 1, tzinfo=UTC)
WAIT = 10  # seconds a read waits for the other before the test fails rather than hangs


@pytest.fixture
def engine(fresh_url: str) -> Iterator[Engine]:
    """A database of its own whose sessions are bound to the engine, as the service's are
    (the usual fixture joins every session to one outer transaction)."""
    engine = create_db_engine(fresh_url)
    migrate(engine)
    yield engine
    engine.dispose()


def workspaces(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Workspace)) or 0


def add_workspace(engine: Engine, external_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            Workspace.__table__.insert().values(
                platform="fake", external_id=external_id, created_at=CREATED
            )
        )


def connection_id(session: Session) -> int:
    """Which database connection the session reads on."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)
    return id(session.connection().connection.dbapi_connection)


def seen(session: Session) -> tuple[int, int]:
    """How many workspaces a read sees, and on which connection."""
    return workspaces(session), connection_id(session)


def test_both_reads_are_answered_in_order(engine: Engine) -> None:
    add_workspace(engine, "T1")
    with Session(engine) as session:
        assert both(session, workspaces, lambda s: workspaces(s) + 10) == (1, 11)


def test_the_reads_run_at_once_and_a_commit_tried_meanwhile_is_seen_by_neither(
    engine: Engine,
) -> None:
    add_workspace(engine, "T1")
    counted, tried, trying, landed = (threading.Event() for _ in range(4))

    def commit_another() -> None:
        trying.set()
        add_workspace(engine, "T2")
        landed.set()

    writer = threading.Thread(target=commit_another)

    def first(session: Session) -> tuple[int, int, int]:
        found = workspaces(session)
        counted.set()
        # Only if the second read runs meanwhile does this wait end.
        assert tried.wait(WAIT), "the reads ran one after the other"
        return found, workspaces(session), connection_id(session)

    def second(session: Session) -> tuple[int, int]:
        assert counted.wait(WAIT), "the reads ran one after the other"
        writer.start()
        assert trying.wait(WAIT)
        if engine.dialect.name == "postgresql":
            assert landed.wait(WAIT)  # it commits at once
        else:
            # It waits for the session's write lock (a wait that ends on its own, never by
            # running out: the shifted-clock run cannot end those).
            time.sleep(0.2)
        tried.set()
        return workspaces(session), connection_id(session)

    with Session(engine) as session:
        own = connection_id(session)
        (one, again, first_id), (two, second_id) = both(session, first, second)
        landed_meanwhile = landed.is_set()
    writer.join(WAIT)
    assert one == again == two == 1
    # PostgreSQL reads both on connections importing the session's snapshot; SQLite one on
    # the session, the other beside it.
    assert second_id not in (own, first_id)
    assert (first_id == own) == (engine.dialect.name == "sqlite")
    assert landed_meanwhile == (engine.dialect.name == "postgresql")
    with Session(engine) as later:
        assert workspaces(later) == 2


def test_a_session_that_has_written_reads_on_its_own_connection_and_sees_its_write(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        session.add(Workspace(platform="fake", external_id="T1", created_at=CREATED))
        session.flush()
        own = connection_id(session)
        found = both(session, seen, seen)
        assert found == ((1, own), (1, own))
        session.rollback()


def test_a_session_inside_a_savepoint_reads_on_its_own_connection(engine: Engine) -> None:
    add_workspace(engine, "T1")
    with Session(engine) as session:
        own = connection_id(session)
        with session.begin_nested():
            found = both(session, seen, seen)
        assert found == ((1, own), (1, own))


@pytest.mark.parametrize("failing", ["first", "second"])
def test_a_failed_read_fails_the_pair_and_gives_its_connections_back(
    engine: Engine, failing: str
) -> None:
    finished = threading.Event()

    def fails(_: Session) -> int:
        raise LookupError("nothing there")

    def slow(session: Session) -> int:
        time.sleep(0.3)
        found = workspaces(session)
        finished.set()
        return found

    reads = (fails, slow) if failing == "first" else (slow, fails)
    with Session(engine) as session, pytest.raises(LookupError):
        both(session, *reads)
    # The other read is let finish first: what it sees ends with the session's transaction.
    assert finished.is_set()
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_with_every_pair_reading_already_the_reads_take_turns(engine: Engine) -> None:
    for _ in range(reads.PAIRS):
        assert reads._pairs.acquire(blocking=False)
    try:
        with Session(engine) as session:
            own = connection_id(session)
            assert both(session, connection_id, connection_id) == (own, own)
    finally:
        for _ in range(reads.PAIRS):
            reads._pairs.release()


@pytest.fixture
def at_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many reads ran on a connection of their own."""
    counted: list[int] = []
    read = reads._read

    def counting(*args: Any) -> Any:
        counted.append(1)
        return read(*args)

    monkeypatch.setattr(reads, "_read", counting)
    return counted


def test_the_dashboard_and_the_digest_read_at_once_come_out_as_read_in_turn(
    engine: Engine, catalog: Catalog, at_once: list[int]
) -> None:
    with Session(engine) as session:
        agency = build_agency(session, FIRST_MONDAY)
        session.commit()
    now = agency.friday_of_week_4
    period = Period(FIRST_MONDAY, agency.mondays[-1], ZoneInfo("UTC"))
    week = (agency.mondays[-1], agency.mondays[-1] + timedelta(days=6))
    scopes = (
        Scope(workspace_id=agency.workspace_id),
        Scope(workspace_id=agency.workspace_id, team_ids=(agency.north,)),
    )
    with engine.connect() as connection:
        # Bound to a connection: the reads take turns on it.
        in_turn = sessionmaker(bind=connection)()
        expected = [build_report(in_turn, catalog, s, period, now=now) for s in scopes]
        north = in_turn.get_one(Team, agency.north)
        digest = compute_digest(in_turn, catalog, north, *week, now=now)
        in_turn.close()
    assert not at_once
    with Session(engine) as session:
        assert [build_report(session, catalog, s, period, now=now) for s in scopes] == expected
        team = session.get_one(Team, agency.north)
        assert compute_digest(session, catalog, team, *week, now=now) == digest
    # Three pairs: on SQLite one read of each beside the session, on PostgreSQL both.
    assert len(at_once) == 3 * (2 if engine.dialect.name == "postgresql" else 1)
