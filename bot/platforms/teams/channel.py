"""Proactive Teams delivery for the outbox: continue a stored conversation, or open a 1:1 chat
(create_conversation) with someone who never wrote to the bot, and send the card.

Teams offers a bot no way to list what it already posted, so `find` cannot settle a send
whose outcome is unknown: such a prompt is sent again. The copy carries the same prompt id,
so an answer to either is the same one record; a leader may see the prompt twice, never lose
it (docs/scheduling.md)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import HttpOperationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock
from bot.platforms.teams.cards import attachment
from bot.platforms.teams.references import PLATFORM, remember
from bot.scheduling.delivery import Delivery, PermanentDeliveryError, TransientDeliveryError
from bot.store.models import ConversationRef, Workspace

log = logging.getLogger(__name__)
# 401 is the bot's own credentials (a wrong app password), not the leader: retry, don't mark.
TRANSIENT = {401, 408, 412, 429, 500, 502, 503, 504}


class TeamsChannel:
    platform = PLATFORM
    # Teams: about one message a second per conversation, 50 a second per app per tenant.
    rate: float | None = 50.0
    conversation_rate: float | None = 1.0
    checks_per_pass: int | None = None

    def __init__(
        self, adapter: CloudAdapter, sessions: sessionmaker[Session], app_id: str, clock: Clock
    ):
        self.adapter = adapter
        self.sessions = sessions
        self.app_id = app_id
        self.clock = clock

    async def send(self, delivery: Delivery) -> str:
        reference, tenant, tenant_id = await asyncio.to_thread(self._reference, delivery)
        activity = Activity(
            type=ActivityTypes.message,
            attachments=[attachment(delivery.message)],
            summary=delivery.message.title or delivery.message.text[:100],
        )
        sent: dict[str, str] = {}
        failed: list[Exception] = []

        async def deliver(turn_context: TurnContext) -> None:
            # The adapter swallows errors raised inside a proactive turn (its on_turn_error),
            # so the outcome is carried out of the callback instead.
            try:
                response = await turn_context.send_activity(activity)
            except Exception as error:
                failed.append(error)
                return
            sent["conversation"] = turn_context.activity.conversation.id
            sent["id"] = response.id if response else ""
            if reference is None:
                await asyncio.to_thread(self._remember_dm, delivery, turn_context.activity)

        try:
            if reference is not None:
                await self.adapter.continue_conversation(reference, deliver, self.app_id)
            else:
                await self._open_chat(delivery, tenant, tenant_id, deliver)
        except HttpOperationError as error:
            raise _classify(error) from error
        except (OSError, TimeoutError) as error:
            raise TransientDeliveryError(f"network: {error!r}") from error
        if failed:
            problem = failed[0]
            if isinstance(problem, HttpOperationError):
                raise _classify(problem) from problem
            raise TransientDeliveryError(f"Teams send failed: {problem!r}") from problem
        if not sent.get("id"):
            raise TransientDeliveryError("Teams did not confirm the send")
        return f"{sent.get('conversation', '')}|{sent.get('id', '')}"

    async def find(self, delivery: Delivery) -> str | None:
        return None

    async def _open_chat(
        self, delivery: Delivery, tenant: dict[str, Any], tenant_id: str, deliver: Any
    ) -> None:
        service_url = tenant.get("serviceUrl") or tenant.get("service_url")
        if not service_url or delivery.channel:
            raise PermanentDeliveryError("no Teams conversation to reach them through yet")
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=(tenant.get("bot") or {}).get("id") or f"28:{self.app_id}"),
            members=[ChannelAccount(id=delivery.user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        await self.adapter.create_conversation(
            self.app_id, deliver, parameters, channel_id="msteams", service_url=service_url
        )

    def _reference(
        self, delivery: Delivery
    ) -> tuple[ConversationReference | None, dict[str, Any], str]:
        with self.sessions() as session:
            workspace = session.get(Workspace, delivery.workspace_id)
            refs = {
                (row.kind, row.key): row.reference
                for row in session.scalars(
                    select(ConversationRef).where(
                        ConversationRef.workspace_id == delivery.workspace_id,
                        ConversationRef.kind.in_(("dm", "channel", "tenant")),
                        ConversationRef.key.in_(
                            (
                                delivery.user_id,
                                delivery.channel,
                                workspace.external_id if workspace else "",
                            )
                        ),
                    )
                )
            }
        tenant = refs.get(("tenant", workspace.external_id if workspace else ""), {})
        if delivery.channel:
            stored = refs.get(("channel", delivery.channel))
            if stored is None and tenant:
                stored = {**tenant, "conversation": {"id": delivery.channel}}
        else:
            stored = refs.get(("dm", delivery.user_id))
        reference = ConversationReference.deserialize(stored) if stored else None
        return reference, tenant, workspace.external_id if workspace else ""

    def _remember_dm(self, delivery: Delivery, activity: Activity) -> None:
        with self.sessions.begin() as session:
            remember(
                session,
                delivery.workspace_id,
                "dm",
                delivery.user_id,
                TurnContext.get_conversation_reference(activity),
                person_id=delivery.person_id,
                now=self.clock.now(),
            )


def _classify(error: HttpOperationError) -> Exception:
    response = error.response
    status = response.status_code if response is not None else 0
    code = ""
    try:
        code = response.json().get("error", {}).get("code", "") if response is not None else ""
    except ValueError:
        code = ""
    log.error("Teams send failed: %s %s", status, code or error)
    if status in TRANSIENT:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        return TransientDeliveryError(
            f"{status} {code}".strip(), retry_after=float(retry_after) if retry_after else None
        )
    return PermanentDeliveryError(code or f"HTTP {status}")
