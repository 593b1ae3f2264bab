"""The long-lived parts of a running Follow-Through: settings, database, catalog, clock, and
the chat platforms its settings turn on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import Engine, QueuePool
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog, load_catalog
from bot.core.clock import Clock, SystemClock
from bot.handlers.callers import KnownCallers
from bot.platforms import registry
from bot.platforms.platform import Edge
from bot.scheduling.delivery import Channel
from bot.scheduling.runner import Scheduling
from bot.store.db import create_db_engine, session_factory


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    catalog: Catalog
    clock: Clock = field(default_factory=SystemClock)
    edges: dict[str, Edge] = field(default_factory=dict)
    callers: KnownCallers = field(init=False)
    database_threads: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.callers = KnownCallers(self.clock)
        self.database_threads = ThreadPoolExecutor(
            database_threads(self.engine), thread_name_prefix="database"
        )

    @property
    def channels(self) -> dict[str, Channel]:
        """How the outbox reaches each running platform, by platform name."""
        return {name: e.channel for name, e in self.edges.items() if e.channel is not None}

    def scheduling(self) -> Scheduling:
        return Scheduling(
            self.sessions,
            self.catalog,
            self.channels,
            self.clock,
            retention_days=self.settings.retention_days,
        )


def database_threads(engine: Engine) -> int:
    """Threads for the requests' transactions. SQLite takes one writer at a time (and each
    transaction begins as a writer), so more threads only took turns at its lock and
    at Python's: one runs 1.7x the transactions a second of six (bench/orm_engines.py).
    PostgreSQL: as many as the connection pool holds, so none waits for a connection (a
    report reading two halves at once takes its extra ones from the pool's overflow)."""
    if engine.dialect.name == "sqlite":
        return 1
    return max(1, engine.pool.size()) if isinstance(engine.pool, QueuePool) else 5


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Everything a running Follow-Through holds; `clock` is the one it reads the time from
    (the wall clock unless a test or `--at` sets another)."""
    engine = create_db_engine(settings.database_url)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        catalog=load_catalog(settings.catalog_path),
        clock=clock or SystemClock(),
    )
    for platform in registry.wanted(settings):
        services.edges[platform.name] = platform.start(services)
    return services


SERVICES_KEY = web.AppKey("services", Services)
