"""Teams credentials and the CloudAdapter: JWT validation on whenever MICROSOFT_APP_ID is set
(MultiTenant, SingleTenant, UserAssignedMSI), off, loudly, when it is empty."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botframework.connector.auth import AuthenticationConstants

from bot.platforms.teams.settings import TeamsSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long a Teams request waits for its token to be checked: past it, 503. Checking needs Bot
# Framework's signing keys, which botframework-connector caches for a day and fetches with a
# blocking requests.get and no timeout.
TOKEN_CHECK_TIMEOUT = 5.0  # seconds
# Checks under way at once, each on a thread of its own: beyond it (all stuck on a key endpoint
# that does not answer), a request is refused at once rather than leaving one more thread.
TOKEN_CHECKS_AT_ONCE = threading.BoundedSemaphore(8)


class SigningKeysUnavailable(Exception):
    """A token could not be checked: Bot Framework's signing keys did not come in time."""


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


async def _off_the_loop(check: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `check` on an event loop of its own in a daemon thread (never the service's loop,
    which a blocking key fetch would freeze, /healthz and Slack with it) and wait for it at
    most TOKEN_CHECK_TIMEOUT. A daemon thread, not an executor's: one stuck on a fetch that
    never ends must neither hold up the service's own threads nor its shutdown."""
    if not TOKEN_CHECKS_AT_ONCE.acquire(blocking=False):
        raise SigningKeysUnavailable("too many token checks waiting for signing keys")
    done: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        try:
            if done.set_running_or_notify_cancel():
                try:
                    done.set_result(asyncio.run(check()))
                except BaseException as error:
                    done.set_exception(error)
        finally:
            TOKEN_CHECKS_AT_ONCE.release()

    threading.Thread(target=run, name="teams-token-check", daemon=True).start()
    try:
        return await asyncio.wait_for(asyncio.wrap_future(done), TOKEN_CHECK_TIMEOUT)
    except TimeoutError:
        raise SigningKeysUnavailable(f"no signing keys within {TOKEN_CHECK_TIMEOUT:g} s") from None
    except requests.RequestException as error:
        raise SigningKeysUnavailable(f"signing keys could not be fetched: {error!r}") from None


class _TokenChecksOffTheLoop(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """The configuration's authentication, with every token check run by _off_the_loop."""

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        check = super().authenticate_request
        return await _off_the_loop(lambda: check(activity, auth_header))

    async def authenticate_streaming_request(self, auth_header: str, channel_id: str) -> Any:
        check = super().authenticate_streaming_request
        return await _off_the_loop(lambda: check(auth_header, channel_id))

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        check = super().authenticate_channel_request
        return await _off_the_loop(lambda: check(auth_header))


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
    adapter = CloudAdapter(_TokenChecksOffTheLoop(config))

    async def on_error(turn_context: object, error: Exception) -> None:
        log.error("Teams turn failed: %r", error, exc_info=error)

    adapter.on_turn_error = on_error
    return adapter
