"""`/healthz` (the process answers) and `/readyz` (the database answers and is migrated)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from bot.store.db import alembic_config

ENGINE_KEY = web.AppKey("engine", Engine)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _schema_state(engine: Engine) -> tuple[str | None, str | None]:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head


async def readyz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE_KEY]
    try:
        current, head = await asyncio.to_thread(_schema_state, engine)
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
