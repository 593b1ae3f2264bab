"""Composition root: the one place that wires settings, database, catalog and web server."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog, load_catalog
from bot.store.db import create_db_engine, migrate, session_factory
from bot.web.health import ENGINE_KEY, add_health_routes

log = logging.getLogger("followthrough")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    catalog: Catalog


def build_services(settings: Settings) -> Services:
    engine = create_db_engine(settings.database_url)
    return Services(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        catalog=load_catalog(settings.catalog_path),
    )


def build_web_app(services: Services) -> web.Application:
    app = web.Application()
    app[ENGINE_KEY] = services.engine
    add_health_routes(app)
    return app


def serve(settings: Settings) -> None:
    """Run the web server; a SQLite database is created and migrated on the spot."""
    services = build_services(settings)
    if services.engine.dialect.name == "sqlite":
        migrate(services.engine)
    mode = "local chat" if settings.local_mode else "platforms configured"
    log.info("Follow-Through on http://%s:%s (%s)", settings.host, settings.port, mode)
    web.run_app(build_web_app(services), host=settings.host, port=settings.port, print=None)
