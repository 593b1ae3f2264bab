"""Backups as docs/operations.md tells operators to take them: an agency's database backed up
with exactly the documented commands, restored into a fresh database, and every table's rows
compared. SQLite through the `sqlite3` shell, PostgreSQL through pg_dump and pg_restore (into
databases this test creates and drops)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import make_url

from bot.core.catalog import Catalog
from bot.core.states import DigestStatus
from bot.platforms.local.demo import create_demo
from bot.store.db import create_db_engine, migrate, normalize_url, session_factory
from bot.store.models import (
    AuditEvent,
    BarrierSummary,
    Base,
    CadenceRule,
    ConversationRef,
    Digest,
    Holiday,
    LocalMessage,
    Notice,
    Person,
    Record,
    SchedulerState,
    SeenEvent,
    Support,
    UsedDashboardLink,
    Workspace,
)
from tests.conftest import NOW, PG_URL
from tests.reports.agency import build_agency

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
# The commands as docs/operations.md gives them, run by bash as an operator would.
SQLITE_BACKUP = 'sqlite3 followthrough.db ".backup followthrough-backup.db"'
SQLITE_RESTORE = "cp followthrough-backup.db followthrough.db"
PG_DUMP = 'pg_dump --format=custom --file=followthrough.dump "${DATABASE_URL/+psycopg/}"'
PG_RESTORE = (
    'pg_restore --clean --if-exists --no-owner --dbname="${RESTORE_URL/+psycopg/}" '
    "followthrough.dump"
)


def test_the_commands_tested_here_are_the_documented_ones() -> None:
    documented = DOCS.read_text(encoding="utf-8")
    for command in (SQLITE_BACKUP, SQLITE_RESTORE, PG_DUMP, PG_RESTORE):
        assert command in documented


def fill(engine: Engine, catalog: Catalog) -> None:
    """A realistic agency: the demo's eight weeks in the local chat, the four-week agency of
    the report tests in a second workspace, and a row in every other table."""
    sessions = session_factory(engine)
    with sessions.begin() as session:
        create_demo(session, catalog, now=NOW)
        agency = build_agency(session, (NOW - timedelta(weeks=5)).date())
        session.add_all(
            [
                Holiday(workspace_id=agency.workspace_id, day=(NOW + timedelta(days=30)).date()),
                CadenceRule(
                    workspace_id=agency.workspace_id,
                    scope_kind="role",
                    scope_value="manager",
                    spec="biweekly thu 14:00",
                    updated_at=NOW,
                ),
                Digest(
                    team_id=agency.north,
                    period_start=agency.mondays[0],
                    period_end=agency.mondays[0] + timedelta(days=6),
                    body={"team": "North", "shared": [{"leader": "Ana", "note": "Thanked ü"}]},
                    status=DigestStatus.SENT,
                    sent_at=NOW - timedelta(weeks=3),
                    created_at=NOW - timedelta(weeks=3),
                ),
                ConversationRef(
                    workspace_id=agency.workspace_id,
                    kind="user",
                    key="ana@agency.org",
                    person_id=agency.ana,
                    reference={"conversation": {"id": "a:1"}, "serviceUrl": "https://x.test/"},
                    updated_at=NOW,
                ),
                AuditEvent(
                    workspace_id=agency.workspace_id,
                    actor_id=agency.avery,
                    action="leader.add",
                    target="ana@agency.org",
                    detail={"role": "supervisor", "team": "North"},
                    created_at=NOW,
                ),
                SchedulerState(name="prompts", planned_until=NOW),
                LocalMessage(
                    conversation="team:1",
                    sender="bot",
                    body={"kind": "message", "message": {"text": "Week in review"}},
                    created_at=NOW,
                ),
                SeenEvent(platform="slack", event_id="Ev0001", created_at=NOW),
                UsedDashboardLink(digest="d" * 64, person_id=agency.avery, used_at=NOW),
                BarrierSummary(
                    person_id=agency.dee,
                    period_start=agency.mondays[0],
                    period_end=agency.mondays[0] + timedelta(days=6),
                    body={"version": 1, "themes": []},
                    status=DigestStatus.SENT,
                    created_at=NOW,
                ),
            ]
        )
        session.flush()
        barrier = session.scalar(select(Record.id).where(Record.barrier.is_not(None)))
        assert barrier is not None
        session.add(Support(record_id=barrier, manager_id=agency.dee, created_at=NOW))
        session.add(
            Notice(
                person_id=agency.ana,
                key="assigned:1",
                body={"text": "Dee asked you to practice 6.a ü"},
                created_at=NOW,
            )
        )


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in primary key order, and the schema's migration version."""
    with engine.connect() as connection:
        rows = {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in Base.metadata.sorted_tables
        }
        rows["alembic_version"] = [
            tuple(row)
            for row in connection.execute(text("SELECT version_num FROM alembic_version"))
        ]
    return rows


def assert_same_and_usable(source: dict[str, list[tuple[Any, ...]]], restored: Engine) -> None:
    empty = [name for name, found in source.items() if not found]
    assert empty == []  # a table with no rows would prove nothing
    assert snapshot(restored) == source
    # The restored database goes on numbering where the old one stopped.
    with restored.begin() as connection:
        new_id = connection.execute(
            insert(Workspace)
            .values(platform="slack", external_id="T-NEW", name="New", created_at=NOW)
            .returning(Workspace.id)
        ).scalar_one()
    assert new_id > max(row[0] for row in source["workspace"])


def bash(command: str, cwd: Path, **env: str) -> None:
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_a_sqlite_backup_taken_while_in_use_restores_every_row(
    tmp_path: Path, catalog: Catalog
) -> None:
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 shell is not installed (apt-get install sqlite3; CI does)")
    live, restored_dir = tmp_path / "live", tmp_path / "restored"
    live.mkdir()
    restored_dir.mkdir()
    engine = create_db_engine(f"sqlite:///{live / 'followthrough.db'}")
    migrate(engine)
    fill(engine, catalog)
    source = snapshot(engine)
    try:
        # Online: the service's connection stays open (WAL mode) while the backup is taken.
        with engine.connect() as in_use:
            in_use.execute(select(Person.id)).all()
            bash(SQLITE_BACKUP, live)
        shutil.copy(live / "followthrough-backup.db", restored_dir)
        bash(SQLITE_RESTORE, restored_dir)
    finally:
        engine.dispose()
    restored = create_db_engine(f"sqlite:///{restored_dir / 'followthrough.db'}")
    try:
        assert_same_and_usable(source, restored)
    finally:
        restored.dispose()


@pytest.fixture
def two_postgres_databases() -> Iterator[tuple[str, str]]:
    """Two brand-new PostgreSQL databases on the test server (one to back up, one to restore
    into), dropped at the end: no schema or database of anyone else is touched."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
    server = make_url(normalize_url(PG_URL))
    admin = create_db_engine(server.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    names = [f"ft_backup_{uuid.uuid4().hex[:10]}", f"ft_restore_{uuid.uuid4().hex[:10]}"]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        source, target = (
            server.set(database=name).render_as_string(hide_password=False) for name in names
        )
        yield source, target
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_a_postgresql_dump_restores_every_row_into_a_fresh_database(
    two_postgres_databases: tuple[str, str], tmp_path: Path, catalog: Catalog
) -> None:
    source_url, target_url = two_postgres_databases
    engine = create_db_engine(source_url)
    migrate(engine)
    fill(engine, catalog)
    source = snapshot(engine)
    engine.dispose()

    bash(PG_DUMP, tmp_path, DATABASE_URL=source_url)
    bash(PG_RESTORE, tmp_path, RESTORE_URL=target_url)

    restored = create_db_engine(target_url)
    try:
        assert_same_and_usable(source, restored)
    finally:
        restored.dispose()
