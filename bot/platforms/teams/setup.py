"""Teams credentials and the CloudAdapter: JWT validation on whenever MICROSOFT_APP_ID is set
(MultiTenant, SingleTenant, UserAssignedMSI), off, loudly, when it is empty."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botframework.connector.auth import AuthenticationConstants

from bot.platforms.teams.settings import TeamsSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The configuration object botbuilder reads (it looks attributes up by these names).
    Naming the OpenID metadata switches botframework-connector to its parameterized mode, in
    which the issuer and the other endpoints must be named too."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    OAUTH_URL: str | None = None


def warn_if_unauthenticated(settings: TeamsSettings) -> None:
    if not settings.microsoft_app_id:
        log.warning(
            "MICROSOFT_APP_ID is empty: Teams requests on /api/messages are NOT authenticated. "
            "Fine for the Agents Playground on localhost; never in production."
        )


def teams_adapter(settings: TeamsSettings) -> CloudAdapter:
    endpoints = {}
    if settings.bot_openid_metadata_url and settings.microsoft_app_id:
        endpoints = {
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": settings.bot_openid_metadata_url,
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": settings.bot_openid_metadata_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": settings.bot_token_issuer,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            ),
            "OAUTH_URL": AuthenticationConstants.OAUTH_URL,
        }
    config = BotFrameworkConfig(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TYPE=settings.microsoft_app_type or "MultiTenant",
        APP_TENANTID=settings.microsoft_app_tenant_id,
        **endpoints,
    )
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))

    async def on_error(turn_context: object, error: Exception) -> None:
        log.error("Teams turn failed: %r", error, exc_info=error)

    adapter.on_turn_error = on_error
    return adapter
