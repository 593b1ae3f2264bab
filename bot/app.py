"""Composition root: the one place that wires settings, database, catalog, platforms,
scheduling and the web server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog, load_catalog
from bot.platforms.local.channel import LocalChannel
from bot.scheduling.delivery import Channel
from bot.scheduling.runner import Scheduling
from bot.store.db import create_db_engine, migrate, session_factory
from bot.web.health import ENGINE_KEY, add_health_routes

log = logging.getLogger("followthrough")
SERVICES_KEY = web.AppKey("services", object)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    catalog: Catalog
    channels: dict[str, Channel] = field(default_factory=dict)

    def scheduling(self) -> Scheduling:
        return Scheduling(self.sessions, self.catalog, self.channels)


def build_services(settings: Settings) -> Services:
    engine = create_db_engine(settings.database_url)
    sessions = session_factory(engine)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        catalog=load_catalog(settings.catalog_path),
    )
    services.channels["local"] = LocalChannel(sessions)
    return services


def build_web_app(services: Services, *, run_scheduler: bool = False) -> web.Application:
    app = web.Application()
    app[ENGINE_KEY] = services.engine
    app[SERVICES_KEY] = services
    add_health_routes(app)
    if run_scheduler:
        app.cleanup_ctx.append(_scheduler(services))
    return app


def _scheduler(services: Services):  # type: ignore[no-untyped-def]
    async def run(app: web.Application) -> AsyncIterator[None]:
        scheduler = services.scheduling().start()
        yield
        scheduler.shutdown(wait=False)

    return run


def serve(settings: Settings) -> None:
    """Run the web server and the scheduler; a SQLite database is migrated on the spot."""
    services = build_services(settings)
    if services.engine.dialect.name == "sqlite":
        migrate(services.engine)
    mode = "local chat" if settings.local_mode else "platforms configured"
    log.info("Follow-Through on http://%s:%s (%s)", settings.host, settings.port, mode)
    web.run_app(
        build_web_app(services, run_scheduler=True),
        host=settings.host,
        port=settings.port,
        print=None,
    )
