"""POST /api/messages: Bot Framework activities into the CloudAdapter (JWT checked there)."""

from __future__ import annotations

import logging

import jwt
from aiohttp import web
from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter

log = logging.getLogger(__name__)
# What botframework-connector raises for a token it won't accept: only PermissionError becomes
# a 401 inside the adapter; an expired, tampered or unknown-key token surfaces as these.
REJECTED_TOKEN = (PermissionError, jwt.PyJWTError, IndexError)


def add_teams_routes(
    app: web.Application, adapter: CloudAdapter, bot: ActivityHandler, *, authenticated: bool
) -> None:
    async def messages(request: web.Request) -> web.StreamResponse:
        if authenticated and not request.headers.get("Authorization"):
            raise web.HTTPUnauthorized(text="A valid Bot Framework token is required.")
        try:
            response: web.StreamResponse = await adapter.process(request, bot)
        except REJECTED_TOKEN as error:
            log.warning("Teams request refused: %r", error)
            raise web.HTTPUnauthorized(text="A valid Bot Framework token is required.") from None
        return response

    app.router.add_post("/api/messages", messages)
