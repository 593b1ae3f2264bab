"""The schema: migrations build exactly the models, come back down, and keep times in UTC."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, column, inspect, select, table, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.states import PromptStatus
from bot.store.db import SCHEMA_HEAD, alembic_config, create_db_engine, migrate, schema_revision
from bot.store.models import Base, Commitment, Person, Prompt, Record, Workspace
from tests.conftest import NOW, FreshDatabase


def test_migrations_build_exactly_what_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_the_schema_head_the_service_checks_is_alembics(engine: Engine) -> None:
    """serve and /readyz compare the database with SCHEMA_HEAD without loading Alembic: a new
    migration must move it too, or every copy would report its schema as behind."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head == SCHEMA_HEAD
    with engine.connect() as connection:
        assert schema_revision(connection) == SCHEMA_HEAD


def test_serve_starts_on_a_migrated_database_without_loading_alembic(
    databases: FreshDatabase,
) -> None:
    """Alembic (and the Mako and Pygments it brings) took a tenth of serve's start: the
    command line and `migrate` of a database already at the head leave it unloaded."""
    url = databases.url()
    up_to_date = create_db_engine(url)
    migrate(up_to_date)
    up_to_date.dispose()
    program = (
        "import sys, bot.cli\n"
        "from bot.store.db import create_db_engine, migrate\n"
        f"engine = create_db_engine({url!r}); migrate(engine); engine.dispose()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))"
    )
    found = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_a_database_never_migrated_has_no_revision(databases: FreshDatabase) -> None:
    empty = create_db_engine(databases.url())
    try:
        with empty.connect() as connection:
            assert schema_revision(connection) is None
    finally:
        empty.dispose()


def test_migrations_go_down_and_up_again(databases: FreshDatabase) -> None:
    engine = create_db_engine(databases.url())
    migrate(engine)
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert "record" in inspect(engine).get_table_names()
    engine.dispose()


# Rows as the first schema had them, each pointing at the others wherever it can: a
# migration that rebuilds a table must keep every row and every link.
FIRST_ROWS: tuple[tuple[str, dict[str, object]], ...] = (
    (
        "workspace",
        {
            "id": 1,
            "platform": "fake",
            "external_id": "T1",
            "name": "Agency",
            "reminder_hours": 24,
            "active": True,
        },
    ),
    (
        "person",
        {
            "id": 1,
            "workspace_id": 1,
            "platform_user_id": "U1",
            "display_name": "Sam",
            "role": "manager",
            "timezone": "UTC",
            "is_admin": True,
            "is_leader": True,
        },
    ),
    (
        "team",
        {
            "id": 1,
            "workspace_id": 1,
            "name": "North",
            "channel_ref": "C1",
            "channel_name": "north",
            "digest_cadence": "weekly fri 15:00",
            "timezone": "UTC",
        },
    ),
    ("team_membership", {"id": 1, "team_id": 1, "person_id": 1, "started_at": NOW}),
    ("commitment", {"id": 1, "person_id": 1, "behavior_id": "6.a", "started_at": NOW}),
    (
        "prompt",
        {
            "id": 1,
            "person_id": 1,
            "commitment_id": 1,
            "behavior_id": "6.a",
            "text": "Did you?",
            "scheduled_for": NOW,
            "status": "answered",
            "delivery_key": "k1",
            "sent_at": NOW,
        },
    ),
    (
        "record",
        {
            "id": 1,
            "person_id": 1,
            "behavior_id": "6.a",
            "prompt_id": 1,
            "outcome": "done",
            "shared": True,
            "source": "button",
            "late": False,
        },
    ),
    (
        "digest",
        {
            "id": 1,
            "team_id": 1,
            "period_start": NOW.date(),
            "period_end": NOW.date(),
            "body": {},
            "status": "sent",
            "requested_by_id": 1,
        },
    ),
    (
        "conversation_ref",
        {
            "id": 1,
            "workspace_id": 1,
            "kind": "person",
            "key": "U1",
            "person_id": 1,
            "team_id": 1,
            "reference": {},
            "updated_at": NOW,
        },
    ),
    (
        "audit_event",
        {
            "id": 1,
            "workspace_id": 1,
            "actor_id": 1,
            "action": "leader.add",
            "target": "U1",
            "detail": {},
        },
    ),
    (
        "cadence_rule",
        {
            "id": 1,
            "workspace_id": 1,
            "scope_kind": "default",
            "scope_value": "",
            "spec": "weekly mon 09:00",
            "updated_at": NOW,
        },
    ),
    ("holiday", {"id": 1, "workspace_id": 1, "day": NOW.date()}),
)


def test_migrating_keeps_every_row_and_every_link(databases: FreshDatabase) -> None:
    """SQLite rebuilds a table to alter it; dropping the old one used to run the ON DELETE
    actions of the rows pointing at it (records lost their prompts in 0006)."""
    engine = create_db_engine(databases.url())
    try:
        migrate(engine, "0001")
        tables = Base.metadata.tables
        rows = [
            (name, {**row, "created_at": NOW} if "created_at" in tables[name].c else row)
            for name, row in FIRST_ROWS
        ]
        with engine.begin() as connection:
            for name, row in rows:
                # Only the columns the first schema had (the models' defaults would add more).
                first = table(name, *(column(key, tables[name].c[key].type) for key in row))
                connection.execute(first.insert().values(row))
        migrate(engine)
        with engine.connect() as connection:
            for name, row in rows:
                now = tables[name]
                found = connection.execute(select(*(now.c[key] for key in row))).mappings().all()
                assert [dict(found_row) for found_row in found] == [row], name
    finally:
        engine.dispose()


def test_copies_starting_together_migrate_once(databases: FreshDatabase) -> None:
    url = databases.url()
    copies = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "migrate"],
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [copy.communicate(timeout=120)[0] for copy in copies]

    assert [copy.returncode for copy in copies] == [0, 0, 0], outputs
    engine = create_db_engine(url)
    with engine.connect() as connection:
        assert len(connection.execute(text("SELECT version_num FROM alembic_version")).all()) == 1
    engine.dispose()


def test_constraint_names_follow_the_convention(engine: Engine) -> None:
    inspector = inspect(engine)
    assert inspector.get_pk_constraint("person")["name"] == "pk_person"
    names = {fk["name"] for fk in inspector.get_foreign_keys("person")}
    assert names == {"fk_person_workspace_id_workspace", "fk_person_manager_id_person"}


@pytest.fixture
def leader(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        workspace = Workspace(platform="fake", external_id="T1", created_at=NOW)
        session.add(workspace)
        session.flush()
        person = Person(
            workspace_id=workspace.id, platform_user_id="U1", role="manager", created_at=NOW
        )
        session.add(person)
        session.commit()
        return person.id


def test_times_come_back_aware_and_in_utc(sessions: sessionmaker[Session], leader: int) -> None:
    pacific = timezone(timedelta(hours=-8))
    with sessions() as session:
        session.add(
            Record(
                person_id=leader,
                behavior_id="6.a",
                outcome="done",
                source="log",
                created_at=datetime(2026, 11, 23, 9, 0, tzinfo=pacific),
            )
        )
        session.commit()
    with sessions() as session:
        stored = session.scalars(select(Record.created_at)).one()
    assert stored == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(sessions: sessionmaker[Session], leader: int) -> None:
    naive = Record(
        person_id=leader,
        behavior_id="6.a",
        outcome="done",
        source="log",
        created_at=datetime(2026, 11, 23, 9, 0),
    )
    with sessions() as session:
        session.add(naive)
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_one_active_commitment_per_behavior(sessions: sessionmaker[Session], leader: int) -> None:
    with sessions() as session:
        session.add(Commitment(person_id=leader, behavior_id="6.a", started_at=NOW))
        session.flush()
        session.add(Commitment(person_id=leader, behavior_id="6.a", started_at=NOW, ended_at=NOW))
        session.flush()
        session.add(Commitment(person_id=leader, behavior_id="6.a", started_at=NOW))
        with pytest.raises(IntegrityError, match=r"(?i)unique"):
            session.flush()


def test_a_record_outcome_outside_the_list_is_refused(
    sessions: sessionmaker[Session], leader: int
) -> None:
    with sessions() as session:
        session.add(
            Record(
                person_id=leader,
                behavior_id="6.a",
                outcome="maybe",
                source="log",
                created_at=NOW,
            )
        )
        with pytest.raises(IntegrityError, match=r"(?i)check constraint"):
            session.flush()


def test_a_prompt_state_outside_the_list_is_refused(
    sessions: sessionmaker[Session], leader: int
) -> None:
    with sessions() as session:
        session.add(
            Prompt(
                person_id=leader,
                behavior_id="6.a",
                scheduled_for=NOW,
                status="delivered",
                delivery_key="p:test",
                created_at=NOW,
            )
        )
        with pytest.raises(IntegrityError, match=r"(?i)check constraint"):
            session.flush()


def test_every_prompt_state_is_accepted(sessions: sessionmaker[Session], leader: int) -> None:
    with sessions() as session:
        session.add_all(
            Prompt(
                person_id=leader,
                behavior_id="6.a",
                scheduled_for=NOW,
                status=state,
                delivery_key=f"p:{state}",
                created_at=NOW,
            )
            for state in PromptStatus
        )
        session.flush()
