"""The local chat's delivery: a prompt lands in the person's conversation in the database."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock
from bot.core.messages import Message, message_to_dict
from bot.scheduling.delivery import Delivery
from bot.store.models import LocalMessage

PLATFORM = "local"


def dm_conversation(person_id: int) -> str:
    return f"dm:{person_id}"


def team_conversation(team_id: int) -> str:
    return f"team:{team_id}"


def post(
    session: Session,
    conversation: str,
    sender: str,
    message: Message,
    *,
    kind: str = "message",
    prompt_id: int | None = None,
    key: str | None = None,
    now: datetime,
) -> LocalMessage:
    """Add one message to a local conversation, stamped `now`."""
    row = LocalMessage(
        conversation=conversation,
        sender=sender,
        body={"kind": kind, "key": key, "message": message_to_dict(message)},
        prompt_id=prompt_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


class LocalChannel:
    """Delivers to the local chat's transcript; `find` looks the delivery key up there."""

    platform = PLATFORM
    rate: float | None = None
    conversation_rate: float | None = None
    checks_per_pass: int | None = None

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def send(self, delivery: Delivery) -> str:
        return await asyncio.to_thread(self._send, delivery)

    def _send(self, delivery: Delivery) -> str:
        with self.sessions.begin() as session:
            row = post(
                session,
                _conversation(delivery),
                "bot",
                delivery.message,
                kind="prompt" if delivery.prompt_id else "message",
                prompt_id=delivery.prompt_id,
                key=delivery.key,
                now=self.clock.now(),
            )
            return str(row.id)

    async def find(self, delivery: Delivery) -> str | None:
        return await asyncio.to_thread(self._find, delivery)

    def _find(self, delivery: Delivery) -> str | None:
        with self.sessions() as session:
            query = select(LocalMessage).where(
                LocalMessage.conversation == _conversation(delivery), LocalMessage.sender == "bot"
            )
            if delivery.prompt_id is not None:
                query = query.where(LocalMessage.prompt_id == delivery.prompt_id)
            rows = session.scalars(query)
            found = next((r for r in rows if r.body.get("key") == delivery.key), None)
            return str(found.id) if found else None


def _conversation(delivery: Delivery) -> str:
    if delivery.team_id is not None:
        return team_conversation(delivery.team_id)
    assert delivery.person_id is not None
    return dm_conversation(delivery.person_id)
