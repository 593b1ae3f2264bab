"""Proactive Slack delivery for the outbox: a DM (conversations.open + chat.postMessage) or a
channel post, tagged with its delivery key in message metadata so `find` can tell whether an
earlier attempt landed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.render import fallback_text, render_blocks
from bot.scheduling.delivery import Delivery, PermanentDeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)
PLATFORM = "slack"
EVENT_TYPE = "followthrough_delivery"
# Errors after which this person or channel will never take a message from us. Token and
# workspace errors (invalid_auth, token_revoked, not_authed) are not here: they concern the
# whole workspace, stay transient, and Slack's uninstall events stop sends to it.
PERMANENT = {
    "account_inactive",
    "user_not_found",
    "user_disabled",
    "channel_not_found",
    "is_archived",
    "cannot_dm_bot",
    "not_in_channel",
    "restricted_action",
}

ClientFor = Callable[[int], Awaitable[AsyncWebClient | None]]


class SlackChannel:
    platform = PLATFORM
    # chat.postMessage: about one message a second per conversation, short bursts allowed;
    # `rate` and `checks_per_pass` count per workspace (one bot token), as Slack does.
    rate: float | None = 50.0
    conversation_rate: float | None = 1.0
    checks_per_pass: int | None = 50  # conversations.history: Tier 3, 50+ a minute

    def __init__(self, client_for: ClientFor) -> None:
        self.client_for = client_for
        self.dm_channels: dict[tuple[int, str], str] = {}

    async def send(self, delivery: Delivery) -> str:
        client = await self._client(delivery)
        try:
            channel = delivery.channel or await self._dm(client, delivery)
            try:
                answer = await self._post(client, channel, delivery)
            except SlackApiError as error:
                if not (delivery.channel and api_error(error) == "not_in_channel"):
                    raise
                # A team's public channel the bot wasn't invited to: join it (channels:join).
                await client.conversations_join(channel=channel)
                answer = await self._post(client, channel, delivery)
        except SlackApiError as error:
            raise _classify(error, "chat.postMessage") from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientDeliveryError(f"network: {error!r}") from error
        return f"{answer['channel']}:{answer['ts']}"

    async def _post(self, client: AsyncWebClient, channel: str, delivery: Delivery) -> Any:
        return await client.chat_postMessage(
            channel=channel,
            text=fallback_text(delivery.message),
            blocks=render_blocks(delivery.message),
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": delivery.key}},
            unfurl_links=False,
        )

    async def find(self, delivery: Delivery) -> str | None:
        client = await self._client(delivery)
        try:
            channel = delivery.channel or await self._dm(client, delivery)
            answer = await client.conversations_history(
                channel=channel, limit=100, include_all_metadata=True
            )
        except SlackApiError as error:
            raise _classify(error, "conversations.history") from error
        messages: list[dict[str, Any]] = answer.get("messages", [])
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == delivery.key:
                return f"{channel}:{message['ts']}"
        return None

    async def _client(self, delivery: Delivery) -> AsyncWebClient:
        client = await self.client_for(delivery.workspace_id)
        if client is None:
            raise PermanentDeliveryError("the Slack workspace is not installed")
        return client

    async def _dm(self, client: AsyncWebClient, delivery: Delivery) -> str:
        cached = self.dm_channels.get((delivery.workspace_id, delivery.user_id))
        if cached:
            return cached
        opened = await client.conversations_open(users=delivery.user_id)
        channel: str = opened["channel"]["id"]
        self.dm_channels[(delivery.workspace_id, delivery.user_id)] = channel
        return channel


def api_error(error: SlackApiError) -> str:
    """Slack's error code (`invalid_auth`, `ratelimited`), or the HTTP status when the answer
    was not Slack's JSON (a proxy's error page, a gateway timeout)."""
    response: Any = error.response
    if response is None:
        return ""
    code = response.data.get("error") if isinstance(response.data, dict) else None
    return str(code) if code else f"HTTP {response.status_code}"


def _classify(error: SlackApiError, method: str) -> Exception:
    response: Any = error.response
    code = api_error(error)
    log.error("Slack %s failed: %s", method, code or error)
    if response is not None and response.status_code == 429:
        retry_after = response.headers.get("retry-after") or response.headers.get("Retry-After")
        return TransientDeliveryError("ratelimited", retry_after=float(retry_after or 1))
    if code in PERMANENT:
        return PermanentDeliveryError(code)
    return TransientDeliveryError(code or str(error))
