"""The long-lived parts of a running Follow-Through: settings, database, catalog, clock, and
the chat platforms its settings turn on."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import Engine
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

    def __post_init__(self) -> None:
        self.callers = KnownCallers(self.clock)

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
