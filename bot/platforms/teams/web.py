"""POST /api/messages: Bot Framework activities into the CloudAdapter (JWT checked there),
and Teams as one running service holds it: one adapter for the route and the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
from aiohttp import web
from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter

from bot.platforms.teams.bot import FollowThroughTeamsBot
from bot.platforms.teams.channel import TeamsChannel
from bot.platforms.teams.settings import TeamsSettings
from bot.platforms.teams.setup import (
    SigningKeysUnavailable,
    teams_adapter,
    warn_if_unauthenticated,
)
from bot.services import Services
from bot.web.guard import is_loopback_url

log = logging.getLogger(__name__)
# What botframework-connector raises for a token it won't accept: only PermissionError becomes
# a 401 inside the adapter; an expired, tampered or unknown-key token surfaces as these.
REJECTED_TOKEN = (PermissionError, jwt.PyJWTError, IndexError)
NOT_LOOPBACK = (
    "MICROSOFT_APP_ID is empty, so Teams requests are not authenticated and the bot answers "
    "only activities whose serviceUrl is on this machine (http://127.0.0.1, localhost or "
    "[::1], as the Agents Playground sends). To talk to Teams, set MICROSOFT_APP_ID and "
    "MICROSOFT_APP_PASSWORD."
)


async def _loopback_only(request: web.Request) -> None:
    """Unauthenticated, the adapter would call whatever serviceUrl an activity names (with
    whatever it reads back stored): refuse any but this machine's, before the adapter runs."""
    try:
        activity = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="Send a Bot Framework activity as JSON.") from None
    if not isinstance(activity, dict):
        raise web.HTTPBadRequest(text="Send a Bot Framework activity as a JSON object.")
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not is_loopback_url(service_url):
        log.warning("Unauthenticated Teams activity for serviceUrl %r refused", service_url)
        raise web.HTTPForbidden(text=NOT_LOOPBACK)


def add_teams_routes(
    app: web.Application, adapter: CloudAdapter, bot: ActivityHandler, *, authenticated: bool
) -> None:
    async def messages(request: web.Request) -> web.StreamResponse:
        if authenticated and not request.headers.get("Authorization"):
            raise web.HTTPUnauthorized(text="A valid Bot Framework token is required.")
        if not authenticated:
            await _loopback_only(request)
        try:
            response: web.StreamResponse = await adapter.process(request, bot)
        except REJECTED_TOKEN as error:
            log.warning("Teams request refused: %r", error)
            raise web.HTTPUnauthorized(text="A valid Bot Framework token is required.") from None
        except SigningKeysUnavailable as error:
            log.warning("Teams request not checked: %s", error)
            raise web.HTTPServiceUnavailable(
                text="The token could not be checked now; try again."
            ) from None
        return response

    app.router.add_post("/api/messages", messages)


@dataclass
class TeamsRunning:
    """Teams in one service: the CloudAdapter, shared by /api/messages and the outbox."""

    services: Services
    settings: TeamsSettings
    adapter: CloudAdapter
    channel: TeamsChannel

    @classmethod
    def start(cls, services: Services) -> TeamsRunning:
        settings = services.settings.of(TeamsSettings)
        adapter = teams_adapter(settings)
        channel = TeamsChannel(
            adapter, services.sessions, settings.microsoft_app_id, services.clock
        )
        return cls(services, settings, adapter, channel)

    def add_routes(self, app: web.Application) -> None:
        warn_if_unauthenticated(self.settings)
        add_teams_routes(
            app,
            self.adapter,
            FollowThroughTeamsBot(self.services),
            authenticated=bool(self.settings.microsoft_app_id),
        )
