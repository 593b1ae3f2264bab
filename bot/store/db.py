"""Engines, sessions and migrations: how the service reaches its database."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Executable,
    Table,
    create_engine,
    event,
    exc,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from bot.store.models import SeenEvent

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The advisory lock copies of the service take to migrate one at a time ("FTMIGRAT").
MIGRATION_LOCK = 0x46544D4947524154
# The newest migration's revision: `serve` and /readyz compare the database with it without
# loading Alembic and its migration files (tests/store/test_schema.py checks it is Alembic's).
SCHEMA_HEAD = "0012"

# How long the service waits on its database before it gives up and says so, rather than
# hanging a request (docs/security.md, 5). A DATABASE_URL that names its own connect_timeout,
# or a statement_timeout in `options`, keeps it.
CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL and log in (libpq connect_timeout)
STATEMENT_TIMEOUT = 10  # seconds one statement may run or wait for a lock (PostgreSQL
# statement_timeout; SQLite's busy timeout, its only wait); migrations are exempt
POOL_TIMEOUT = 5  # seconds to wait for a free connection when the pool is all in use


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` URLs and drive them with psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` that gives up waiting on its database after the timeouts above;
    SQLite gets foreign keys too, like a real server."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": STATEMENT_TIMEOUT})
    elif parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("connect_args", _postgres_timeouts(parsed.query))
    if parsed.database not in (None, "", ":memory:"):  # an in-memory SQLite has no pool to wait on
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        writer = _Writer()
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", writer.begin)
        event.listen(engine, "commit", writer.end)
        event.listen(engine, "rollback", writer.end)
    return engine


def _postgres_timeouts(query: Mapping[str, str | tuple[str, ...]]) -> dict[str, Any]:
    """libpq's connect_timeout, and statement_timeout sent at connection start in `options`
    (added to any options the URL has, such as a search_path): no extra round trip."""
    timeouts: dict[str, Any] = {}
    if "connect_timeout" not in query:
        timeouts["connect_timeout"] = CONNECT_TIMEOUT
    given = query.get("options", "")
    options = " ".join(given) if isinstance(given, tuple) else given
    if "statement_timeout" not in options:
        timeouts["options"] = f"{options} -c statement_timeout={STATEMENT_TIMEOUT}s".strip()
    return timeouts


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented recipe is to
    # turn it off and emit BEGIN ourselves, so nested transactions work as on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class _Writer:
    """One transaction at a time on a SQLite engine, taken in this process before SQLite's.

    Each transaction begins IMMEDIATE, taking SQLite's write lock up front: two that read then
    write never hit "database is locked" on upgrading a read lock. A transaction that finds
    the lock taken would wait in SQLite's busy handler, which sleeps in growing steps (up to
    100 ms each) and lets latecomers in first: under many requests at once that made seconds
    of waiting. Waiting on a lock of our own instead wakes the next transaction as soon as the
    last one ends. Another process's transactions still meet SQLite's own lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def begin(self, connection: Connection) -> None:
        if connection.get_execution_options().get(BESIDE_WRITER):
            connection.exec_driver_sql("BEGIN")
            return
        if not self.lock.acquire(timeout=STATEMENT_TIMEOUT):  # as SQLite's own would say
            locked = sqlite3.OperationalError("database is locked")
            raise exc.OperationalError("BEGIN IMMEDIATE", None, locked)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        connection.info[_HOLDS_WRITER] = True

    def end(self, connection: Connection) -> None:
        # A failed commit is followed by a rollback: the lock is let go once.
        if connection.info.pop(_HOLDS_WRITER, False):
            self.lock.release()


_HOLDS_WRITER = "followthrough_holds_writer"
# An execution option for a SQLite connection that only reads, beside a transaction of this
# process that holds the write lock (bot/store/reads.py): it begins DEFERRED, without waiting
# for the lock that transaction holds, and reads the database as last committed.
BESIDE_WRITER = "followthrough_beside_writer"


_WRITES = "followthrough_writes"
_TABLES = "followthrough_written_tables"
UNKNOWN_TABLE = "?"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def writes(session: Session) -> int:
    """How often the session has written: flushes that sent objects, and INSERT, UPDATE or
    DELETE statements run through it or through `execute_write` (a change rolled back to a
    savepoint counts too)."""
    return int(session.info.get(_WRITES, 0))


def written_tables(session: Session) -> frozenset[str]:
    """The tables the session has written to (UNKNOWN_TABLE among them when a statement's
    table could not be told)."""
    return frozenset(session.info.get(_TABLES, ()))


def execute_write(
    session: Session, statement: Executable, parameters: list[dict[str, Any]] | None = None
) -> CursorResult[Any]:
    """Run an INSERT, UPDATE or DELETE on the session's connection, as a Core statement
    (none of the ORM's bookkeeping per row), counted among the session's writes."""
    _count_write(session, {_table_of(statement)})
    return session.connection().execute(statement, parameters)


def _table_of(statement: object) -> str:
    return str(getattr(getattr(statement, "table", None), "name", None) or UNKNOWN_TABLE)


def _count_write(session: Session, tables: set[str]) -> None:
    session.info[_WRITES] = writes(session) + 1
    session.info.setdefault(_TABLES, set()).update(tables)


def _note_write(session: Session, _: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)  # still as before the flush
    _count_write(session, {getattr(type(o), "__tablename__", UNKNOWN_TABLE) for o in changed})


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _count_write(state.session, {_table_of(state.statement)})


# On every session, however made: a step's refusal is trusted to have changed nothing when
# its session counted no writes (bot/handlers/dispatch.py).
event.listen(Session, "after_flush", _note_write)
event.listen(Session, "do_orm_execute", _note_statement)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # Alembic loads only when a migration may run

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (the newest by default). On PostgreSQL
    under an advisory lock: copies of the service starting together migrate one after the
    other, and the later ones find nothing left to do. A database already at the head is
    left alone without loading Alembic (a quicker start)."""
    if revision == "head":
        with engine.connect() as connection:
            if schema_revision(connection) == SCHEMA_HEAD:
                return
    from alembic import command

    config = alembic_config(engine)
    with engine.connect() as connection:
        locked = connection.dialect.name == "postgresql"
        if locked:
            # Waiting for another copy's migration is not a slow request: no statement
            # timeout while this connection holds or waits for the lock.
            connection.exec_driver_sql("SET statement_timeout = 0")
            connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK)))
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        finally:
            if locked:
                connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK)))
                connection.exec_driver_sql("RESET statement_timeout")
                connection.commit()


def schema_revision(connection: Connection) -> str | None:
    """The migration the database's schema is at; None when it has never been migrated."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


def insert_ignoring_conflicts(
    session: Session, model: type, rows: list[dict[str, object]], keys: list[str]
) -> None:
    """Insert rows, leaving any whose unique key is already there (another process got it)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    # One compiled statement, executed for many rows (SQLAlchemy batches it).
    execute_write(session, insert(table).on_conflict_do_nothing(index_elements=keys), rows)


def first_sight(session: Session, platform: str, event_id: str, *, now: datetime) -> bool:
    """Record an inbound event (seen `now`); false when it was seen before (a platform's
    retry)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, SeenEvent.__table__)
    statement = (
        insert(table)
        .values(platform=platform, event_id=event_id[:128], created_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(table.c.id)
    )
    return execute_write(session, statement).scalar() is not None
