"""Two reads as of one moment (bot/store/reads.py): on PostgreSQL at once, on connections of
their own that share the session's snapshot, so a commit landing between them is seen by
neither; one after the other on the session everywhere else, and whenever the session has
written something its snapshot would not carry. The year's dashboard and the digest read
this way (bot/reports/figures.py, digest.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.core.catalog import Catalog
from bot.reports.digest import compute_digest
from bot.reports.figures import build_report
from bot.reports.scope import Period, Scope
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


def backend_pid(session: Session) -> int | None:
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.scalar(text("SELECT pg_backend_pid()"))


def test_both_reads_are_answered_in_order(engine: Engine) -> None:
    add_workspace(engine, "T1")
    with Session(engine) as session:
        assert both(session, workspaces, lambda s: workspaces(s) + 10) == (1, 11)


def test_on_postgresql_the_reads_run_at_once_and_a_commit_between_them_is_seen_by_neither(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads one after the other")
    add_workspace(engine, "T1")
    counted, committed = threading.Event(), threading.Event()

    def first(session: Session) -> tuple[int, int | None]:
        found = workspaces(session)
        counted.set()
        # Only if the second read runs meanwhile does this wait end.
        assert committed.wait(WAIT), "the reads ran one after the other"
        return found, backend_pid(session)

    def second(session: Session) -> tuple[int, int | None]:
        assert counted.wait(WAIT), "the reads ran one after the other"
        add_workspace(engine, "T2")
        committed.set()
        return workspaces(session), backend_pid(session)

    with Session(engine) as session:
        own = backend_pid(session)
        (one, first_pid), (two, second_pid) = both(session, first, second)
    assert one == two == 1
    assert len({own, first_pid, second_pid}) == 3
    with Session(engine) as later:
        assert workspaces(later) == 2


def test_a_session_that_has_written_reads_on_its_own_connection_and_sees_its_write(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        session.add(Workspace(platform="fake", external_id="T1", created_at=CREATED))
        session.flush()
        own = backend_pid(session)
        found = both(
            session,
            lambda s: (workspaces(s), backend_pid(s)),
            lambda s: (workspaces(s), backend_pid(s)),
        )
        assert found == ((1, own), (1, own))
        session.rollback()


def test_a_failed_read_fails_the_pair_and_gives_its_connections_back(engine: Engine) -> None:
    finished = threading.Event()

    def fails(_: Session) -> int:
        raise LookupError("nothing there")

    def slow(session: Session) -> int:
        found = workspaces(session)
        finished.set()
        return found

    with Session(engine) as session, pytest.raises(LookupError):
        both(session, fails, slow)
    # At once, the other read is let finish first (its snapshot ends with the session's
    # transaction); in turn, it never starts.
    assert finished.is_set() == (engine.dialect.name == "postgresql")
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_the_dashboard_and_the_digest_read_at_once_come_out_as_read_in_turn(
    engine: Engine, catalog: Catalog
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
    with Session(engine) as at_once:
        assert [build_report(at_once, catalog, s, period, now=now) for s in scopes] == expected
        team = at_once.get_one(Team, agency.north)
        assert compute_digest(at_once, catalog, team, *week, now=now) == digest
