"""POST /api/messages: Bot Framework activities into the CloudAdapter (JWT checked there)."""

from __future__ import annotations

from aiohttp import web
from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter


def add_teams_routes(app: web.Application, adapter: CloudAdapter, bot: ActivityHandler) -> None:
    async def messages(request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = await adapter.process(request, bot)
        return response

    app.router.add_post("/api/messages", messages)
