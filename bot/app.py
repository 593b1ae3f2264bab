"""Composition root: the one place that wires settings, database, catalog, platforms,
scheduling and the web server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.config import Settings
from bot.platforms.local.web import add_local_routes
from bot.platforms.slack.app import add_slack_routes, build_slack, slack_lifecycle
from bot.platforms.teams.bot import FollowThroughTeamsBot
from bot.platforms.teams.setup import warn_if_unauthenticated
from bot.platforms.teams.web import add_teams_routes
from bot.services import SERVICES_KEY, Services, build_services
from bot.store.db import migrate
from bot.web.dashboard import add_dashboard_routes
from bot.web.health import ENGINE_KEY, add_health_routes

log = logging.getLogger("followthrough")


def build_web_app(services: Services, *, run_scheduler: bool = False) -> web.Application:
    app = web.Application()
    app[ENGINE_KEY] = services.engine
    app[SERVICES_KEY] = services
    add_health_routes(app)
    add_dashboard_routes(app)
    if services.settings.local_mode:
        add_local_routes(app)
    if services.slack is not None:
        edge = build_slack(services, services.slack)
        add_slack_routes(app, edge)
        app.cleanup_ctx.append(slack_lifecycle(edge))
    if services.teams is not None:
        warn_if_unauthenticated(services.settings)
        add_teams_routes(
            app,
            services.teams,
            FollowThroughTeamsBot(services),
            authenticated=bool(services.settings.microsoft_app_id),
        )
    if run_scheduler:
        app.cleanup_ctx.append(_scheduler(services))
    return app


def _scheduler(services: Services) -> Callable[[web.Application], AsyncIterator[None]]:
    """Run the scheduling passes for as long as the web app runs."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        scheduler = services.scheduling().start()
        yield
        scheduler.shutdown(wait=False)

    return run


def serve(settings: Settings) -> None:
    """Run the web server and the scheduler; a SQLite database is migrated on the spot."""
    if settings.production and settings.local_mode:
        raise SystemExit(
            "FOLLOWTHROUGH_ENV=production needs Slack or Teams credentials (an empty "
            "MICROSOFT_APP_ID would leave Teams unauthenticated, and the local chat lets "
            "anyone act as anyone)."
        )
    if settings.production and "secret_key" not in settings.model_fields_set:
        raise SystemExit(
            "FOLLOWTHROUGH_ENV=production needs FOLLOWTHROUGH_SECRET: without it dashboard "
            "links stop working at every restart."
        )
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
