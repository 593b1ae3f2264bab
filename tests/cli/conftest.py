"""Fixtures for the `followthrough` command line: a fresh migrated database per test, `invoke`
for any subcommand and `run(as_user, *words)` for `followthrough chat --as <user> <words>`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.cli import main
from bot.store.db import create_db_engine, migrate
from bot.store.models import (
    AuditEvent,
    CadenceRule,
    Commitment,
    Digest,
    Holiday,
    Person,
    Prompt,
    Record,
    Team,
    TeamMembership,
    Workspace,
)

REPO = Path(__file__).resolve().parents[2]
ADMIN = "boss@agency.org"
SECRET = "cli-test-secret"
EVERY_TABLE = (
    Workspace,
    Person,
    Team,
    TeamMembership,
    Commitment,
    CadenceRule,
    Holiday,
    Prompt,
    Record,
    Digest,
    AuditEvent,
)

Invoke = Callable[..., Result]
Run = Callable[..., Result]


@dataclass
class Database:
    """One test's own database, and short ways to look inside it."""

    url: str
    engine: Engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def rows(self, model: type[Any], **filters: object) -> list[Any]:
        with self.session() as session:
            return list(session.scalars(select(model).filter_by(**filters).order_by(model.id)))

    def one(self, model: type[Any], **filters: object) -> Any:
        (row,) = self.rows(model, **filters)
        return row

    def person(self, email: str) -> Person:
        return self.one(Person, email=email)  # type: ignore[no-any-return]

    def count(self, model: type[Any], **filters: object) -> int:
        with self.session() as session:
            query = select(func.count()).select_from(model).filter_by(**filters)
            return int(session.scalar(query) or 0)

    def counts(self) -> dict[str, int]:
        """Rows in every table, to show that a refused command changed nothing."""
        return {model.__tablename__: self.count(model) for model in EVERY_TABLE}

    def audit_actions(self) -> list[str]:
        return [event.action for event in self.rows(AuditEvent)]


@pytest.fixture
def db(fresh_url: str) -> Iterator[Database]:
    """A brand-new, migrated database for one test."""
    url = fresh_url
    engine = create_db_engine(url)
    migrate(engine)
    yield Database(url=url, engine=engine)
    engine.dispose()


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """`invoke("catalog", "show", CATALOG_PATH=...)` runs `followthrough catalog show` in an
    empty directory, with only the settings given: nothing leaks in from a `.env` or the shell."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    base: dict[str, str | None] = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
        "FOLLOWTHROUGH_ADMINS": ADMIN,
        "FOLLOWTHROUGH_SECRET": SECRET,
        "CATALOG_PATH": None,
        "PUBLIC_URL": None,
        "HOST": None,
        "PORT": None,
    }

    def invoke(*args: str, stdin: str | None = None, **env: str | None) -> Result:
        return runner.invoke(
            main, list(args), input=stdin, env={**base, **env}, catch_exceptions=False
        )

    return invoke


@pytest.fixture
def run(db: Database, invoke: Invoke) -> Run:
    """`run("boss@agency.org", "leader add sam@agency.org role=supervisor")` is
    `followthrough chat --as boss@agency.org "leader add …"` on this test's database."""

    def run(as_user: str, *words: str, **env: str | None) -> Result:
        return invoke("chat", "--as", as_user, *words, **{"DATABASE_URL": db.url, **env})

    return run
