"""`/healthz` (the process answers) and `/readyz` (the database answers and is migrated)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import Engine, text

from bot.store.db import SCHEMA_HEAD, schema_revision

ENGINE_KEY = web.AppKey("engine", Engine)
# A probe wants an answer, not a wait: a database that has not answered in this long is
# unavailable (the engine's own timeouts, bot.store.db, are longer, for requests).
READY_WITHIN = 2.0  # seconds


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        return schema_revision(connection)


async def readyz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE_KEY]
    head = SCHEMA_HEAD
    try:
        current = await asyncio.wait_for(asyncio.to_thread(_current, engine), READY_WITHIN)
    except TimeoutError:
        error = f"no answer within {READY_WITHIN:g} s"
        return web.json_response({"status": "database unavailable", "error": error}, status=503)
    except Exception as exc:  # any database failure means "not ready", reported, not raised
        return web.json_response({"status": "database unavailable", "error": str(exc)}, status=503)
    if current != head:
        return web.json_response(
            {
                "status": "schema behind: run `followthrough migrate`",
                "current": current,
                "head": head,
            },
            status=503,
        )
    return web.json_response({"status": "ready", "schema": current})


def add_health_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
