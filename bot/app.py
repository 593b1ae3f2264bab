"""Composition root: the one place that wires settings, database, catalog, platforms,
scheduling and the web server."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from bot.config import Settings
from bot.platforms import registry
from bot.services import SERVICES_KEY, Services, build_services
from bot.store.db import migrate
from bot.web.dashboard import add_dashboard_routes
from bot.web.guard import is_loopback_name
from bot.web.health import ENGINE_KEY, add_health_routes
from bot.web.icon import add_icon_routes
from bot.web.metrics import SCHEDULER_IN_PROCESS, add_metrics, count_pass
from bot.web.policies import add_policy_routes
from bot.web.request_ids import AccessLog, add_request_ids

log = logging.getLogger("followthrough")
# The largest request body accepted; a larger one gets 413 before any handler reads it. The
# chat platforms send less: Teams caps a message at about 100 KB and the Bot Framework
# connector refuses activities over 256 KiB; Slack's largest, at worst, is a message event at
# its 40,000-character cap, written out twice (text and rich text blocks) in \uXXXX escapes,
# about 480 KB. The biggest view Slack echoes back to us, the commit modal with every catalog
# option, is about 15 KB form-encoded. aiohttp's default is 1 MiB.
MAX_REQUEST_BODY = 512 * 1024


def build_web_app(services: Services, *, run_scheduler: bool = False) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BODY)
    app[ENGINE_KEY] = services.engine
    app[SERVICES_KEY] = services
    add_request_ids(app)
    add_health_routes(app)
    add_metrics(app)
    add_dashboard_routes(app)
    add_policy_routes(app)
    add_icon_routes(app)
    for edge in services.edges.values():
        edge.add_routes(app)
    if run_scheduler:
        app.cleanup_ctx.append(_scheduler(services))
    app.on_cleanup.append(_finish_transactions(services))
    return app


def _finish_transactions(services: Services) -> Callable[[web.Application], Awaitable[None]]:
    """When the server stops: let the transactions under way finish, then end their threads."""

    async def finish(app: web.Application) -> None:
        await asyncio.to_thread(services.database_threads.shutdown)

    return finish


def _scheduler(services: Services) -> Callable[[web.Application], AsyncIterator[None]]:
    """Run the scheduling passes for as long as the web app runs."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        scheduling = services.scheduling()
        scheduling.observe = count_pass
        scheduler = scheduling.start()
        SCHEDULER_IN_PROCESS.set(1)
        yield
        SCHEDULER_IN_PROCESS.set(0)
        scheduler.pause()  # no pass starts from now on
        await scheduling.finish()  # before shutdown, which cancels a pass under way
        scheduler.shutdown(wait=False)

    return run


def refuse_unsafe_start(settings: Settings) -> None:
    """Stop (SystemExit, saying what to do) before anything is bound or written when these
    settings would expose the service; log what is allowed but risky."""
    if settings.production and not registry.chat_configured(settings):
        raise SystemExit(
            f"FOLLOWTHROUGH_ENV=production needs {registry.credentials_wanted()}: without "
            "them the service would run unauthenticated, where anyone can act as anyone."
        )
    problem = settings.secret_problem()
    if problem and settings.production:
        raise SystemExit(f"FOLLOWTHROUGH_ENV=production needs FOLLOWTHROUGH_SECRET. {problem}")
    if problem and settings.secret_given:
        log.warning("%s (Fine for trying it out; production refuses to start.)", problem)
    open_to_anyone = registry.unauthenticated(settings)
    if open_to_anyone and not is_loopback_name(settings.host):
        names = " and ".join(platform.title for platform in open_to_anyone)
        risk = (
            f"HOST={settings.host} lets other machines reach {names}, which "
            "authenticate no one: whoever reaches it can act as anyone, make themselves an "
            "admin and read every record"
        )
        if not settings.allow_unauthenticated_remote:
            raise SystemExit(
                f"Refusing to start: {risk}. Set HOST=127.0.0.1 to keep it to this machine, "
                f"or set {registry.credentials_wanted()}; if every machine that can reach "
                "this address is trusted, set ALLOW_UNAUTHENTICATED_REMOTE=true."
            )
        log.warning("ALLOW_UNAUTHENTICATED_REMOTE is set: %s.", risk)


def serve(settings: Settings) -> None:
    """Run the web server and, unless SCHEDULER=external leaves them to `followthrough
    tick`, the scheduling passes, the database migrated first (on PostgreSQL under a lock,
    so copies starting together migrate once)."""
    refuse_unsafe_start(settings)
    services = build_services(settings)
    migrate(services.engine)
    log.info(
        "Follow-Through on http://%s:%s (%s; scheduling passes %s)",
        settings.host,
        settings.port,
        ", ".join(services.edges) or "no chat platform",
        "every minute here" if settings.scheduling_in_process else "left to `followthrough tick`",
    )
    application = build_web_app(services, run_scheduler=settings.scheduling_in_process)
    # What exists by now (libraries, mappers, the catalog) lives as long as the process: kept
    # out of the garbage collector's full passes, which walked it all every few thousand
    # requests and made the request path's worst latencies.
    gc.collect()
    gc.freeze()
    web.run_app(
        application,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=AccessLog,
    )
