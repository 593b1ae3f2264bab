"""What the outbox hands a platform to send, and how a platform says a send failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.messages import Message


@dataclass(frozen=True)
class Delivery:
    """One message to one conversation: a person's direct messages (`user_id`) or a team's
    channel (`channel`). `key` names this send uniquely, so a platform can tell whether it
    already landed."""

    key: str
    workspace_id: int
    message: Message
    person_id: int | None = None
    user_id: str = ""
    team_id: int | None = None
    channel: str = ""
    prompt_id: int | None = None

    @property
    def conversation(self) -> str:
        return f"channel:{self.channel}" if self.channel else f"user:{self.user_id}"


class TransientDeliveryError(Exception):
    """The platform could not take the message now (429, 5xx, timeouts): try again later."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """The platform will never take this message (bot blocked, account gone)."""


class Channel(Protocol):
    """A platform's way of reaching people; one per platform name.

    Its limits hold per workspace, because that is how the platforms count: a Follow-Through
    workspace is one Slack team (one bot token) or one Teams tenant, so `rate` is the most
    messages a second one workspace takes from us, `conversation_rate` the most into one
    conversation of it, and `checks_per_pass` the most "did this send land?" questions a pass
    asks of one workspace (None: no limit). Each process keeps its own count: N copies of the
    service may send up to N times the rate, and the platform's 429s (whose Retry-After holds
    that workspace alone) pace them."""

    platform: str
    rate: float | None
    conversation_rate: float | None
    # Passes run a minute apart, so this is a per-minute limit.
    checks_per_pass: int | None

    async def send(self, delivery: Delivery) -> str:
        """Deliver and return the platform's message id."""
        ...

    async def find(self, delivery: Delivery) -> str | None:
        """The message id of an earlier send of this delivery, if one landed."""
        ...
