"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set, each run in a schema of its own that is dropped afterwards."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog, load_catalog
from bot.handlers import dispatch
from bot.logs import OneLine, formatter
from bot.platforms.fake import FakePlatform
from bot.store.db import create_db_engine, migrate, normalize_url

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# A fixed Monday morning, so tests about "today" and "this week" read the same every day.
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def _pg_schema_url(schema: str) -> str:
    url = make_url(normalize_url(PG_URL))
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


class FreshDatabase:
    """Makes empty, migrated databases of one kind and removes them at the end."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.schemas: list[str] = []
        self.admin = create_db_engine(PG_URL) if backend == "postgresql" else None

    def url(self) -> str:
        if self.admin is None:
            return f"sqlite:///{self.tmp / f'ft-{uuid.uuid4().hex[:8]}.db'}"
        schema = f"ft_test_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.schemas.append(schema)
        return _pg_schema_url(schema)

    def close(self) -> None:
        if self.admin is not None:
            # One transaction per schema: dropping many at once runs out of lock slots.
            for schema in self.schemas:
                with self.admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            self.admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    return str(request.param)


@pytest.fixture(scope="session")
def databases(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabase]:
    maker = FreshDatabase(backend, tmp_path_factory.mktemp(backend))
    yield maker
    maker.close()


@pytest.fixture(scope="session")
def engine(databases: FreshDatabase) -> Iterator[Engine]:
    """One migrated database per backend for the whole run."""
    engine = create_db_engine(databases.url())
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions inside an outer transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    yield sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    outer.rollback()
    connection.close()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def settings() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        followthrough_admins="U-ADMIN",
        secret_key="test-secret",
    )


PLATFORM_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "MICROSOFT_APP_ID",
    "MicrosoftAppId",
)


@pytest.fixture
def fresh_url(databases: FreshDatabase) -> Iterator[str]:
    """The URL of a brand-new empty database: SQLite, and PostgreSQL when TEST_DATABASE_URL is
    set. A PostgreSQL schema is dropped when its test ends: dropping a whole run's schemas in
    the one transaction at the end of the session runs out of PostgreSQL's lock slots."""
    url = databases.url()
    schema = databases.schemas[-1] if databases.admin is not None else None
    yield url
    if databases.admin is not None and schema is not None:
        with databases.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def no_platform_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the shell exports, the test chooses the run mode itself."""
    for name in PLATFORM_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def grammar_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the command grammar is given to read, in order (what an edge made of what
    a person typed)."""
    read: list[str] = []
    parse = dispatch.parse_command

    def spy(text: str, **kwargs: Any) -> Any:
        read.append(text)
        return parse(text, **kwargs)

    monkeypatch.setattr(dispatch, "parse_command", spy)
    return read


@pytest.fixture
def chat(sessions: sessionmaker[Session], settings: Settings, catalog: Catalog) -> FakePlatform:
    """A fake platform with an admin (U-ADMIN) and three people who are not enrolled yet."""
    platform = FakePlatform(sessions=sessions, settings=settings, catalog=catalog, now=NOW)
    platform.add_user("U-ADMIN", name="Avery Admin", email="avery@agency.org", tz="UTC")
    platform.add_user(
        "U-SUP", name="Sam Supervisor", email="sam@agency.org", tz="America/Los_Angeles"
    )
    platform.add_user("U-MGR", name="Morgan Manager", email="morgan@agency.org", tz="Europe/London")
    platform.add_user("U-DIR", name="Dana Director", email="dana@agency.org", tz="UTC")
    return platform


@dataclass(frozen=True)
class LogLine:
    """One line of the service's JSON log, and the thread that wrote it."""

    thread: str
    entry: dict[str, Any]


class JsonLog(logging.Handler):
    """The lines the service's log would write (bot.logs' JSON formatter and filter), read
    back as objects."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(formatter("json"))
        self.addFilter(OneLine())
        self.lines: list[LogLine] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(LogLine(record.threadName or "", json.loads(self.format(record))))

    def of(self, **fields: object) -> list[LogLine]:
        """The lines carrying all these field values."""
        return [
            line
            for line in self.lines
            if all(line.entry.get(key) == value for key, value in fields.items())
        ]


@pytest.fixture
def json_log() -> Iterator[JsonLog]:
    """Every record logged during the test (of the levels its loggers let through), as the
    service's JSON log lines."""
    handler = JsonLog()
    logging.root.addHandler(handler)
    yield handler
    logging.root.removeHandler(handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI the PostgreSQL tests must run, not skip."""
    if not os.environ.get("CI") or exitstatus != 0:
        return
    ran = session.config.stash.get(_POSTGRES_RAN, 0)
    if ran == 0:
        print("\nCI: no PostgreSQL test ran; set TEST_DATABASE_URL.")
        session.exitstatus = 1


_POSTGRES_RAN = pytest.StashKey[int]()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "postgresql" in report.nodeid:
        config = _CONFIG[0]
        config.stash[_POSTGRES_RAN] = config.stash.get(_POSTGRES_RAN, 0) + 1


_CONFIG: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG.append(config)
