"""A fake platform for tests: people type and press buttons, and it records everything the
bot said, in replies and in delivered prompts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog
from bot.core.clock import SetClock
from bot.core.commands import UserRef
from bot.core.messages import Message, render_text
from bot.handlers.context import Context, PlatformUser
from bot.handlers.dispatch import enter, handle_action, handle_text
from bot.handlers.replies import AnswerResult
from bot.platforms.local.directory import from_local
from bot.scheduling.delivery import Delivery, PermanentDeliveryError, TransientDeliveryError
from bot.scheduling.runner import Scheduling, TickResult
from bot.store.workspaces import get_workspace

PLATFORM = "fake"


@dataclass
class FakeChannel:
    """Delivery on the fake platform: records each message; can be told to fail."""

    platform: str = PLATFORM
    rate: float | None = None
    conversation_rate: float | None = 1.0
    checks_per_pass: int | None = None
    delivered: list[Delivery] = field(default_factory=list)
    failures: list[TransientDeliveryError | PermanentDeliveryError] = field(default_factory=list)
    attempts: list[tuple[float, str]] = field(default_factory=list)

    async def send(self, delivery: Delivery) -> str:
        self.attempts.append((asyncio.get_running_loop().time(), delivery.key))
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(delivery)
        return f"fake-{len(self.delivered)}"

    async def find(self, delivery: Delivery) -> str | None:
        for index, sent in enumerate(self.delivered, start=1):
            if sent.key == delivery.key:
                return f"fake-{index}"
        return None

    def to(self, user_id: str) -> list[Delivery]:
        return [d for d in self.delivered if d.user_id == user_id]

    def in_channel(self, channel: str) -> list[Delivery]:
        return [d for d in self.delivered if d.channel == channel]


@dataclass(frozen=True)
class Sent:
    """One thing the bot said, and to whom."""

    to: str
    message: Message

    @property
    def text(self) -> str:
        return render_text(self.message)


@dataclass
class FakePlatform:
    """Users are registered with `add_user`; `say` runs a message as that user and returns
    the reply's text, like a person reading the chat. People are mentioned as in the local
    chat (`<@U-SUP>`)."""

    sessions: sessionmaker[Session]
    settings: Settings
    catalog: Catalog
    now: datetime  # the platform's clock: every exchange, press and pass happens at it
    workspace_external_id: str = "T-FAKE"
    users: dict[str, PlatformUser] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    channel: FakeChannel = field(default_factory=lambda: FakeChannel(conversation_rate=50.0))

    def add_user(
        self, user_id: str, *, name: str = "", email: str | None = None, tz: str | None = None
    ) -> PlatformUser:
        user = PlatformUser(user_id=user_id, display_name=name, email=email, timezone=tz)
        self.users[user_id] = user
        return user

    def lookup(self, ref: UserRef) -> PlatformUser | None:
        if ref.kind == "id":
            return self.users.get(ref.value)
        return next((u for u in self.users.values() if u.email == ref.value), None)

    def exchange(self, user_id: str, text: str) -> Message:
        """Send `text` as the user; the reply is recorded and returned."""
        with self.sessions() as session:
            reply = handle_text(from_local(text), self._enter(session, user_id), direct=True)
            session.commit()
        self.sent.append(Sent(to=user_id, message=reply))
        return reply

    def say(self, user_id: str, text: str) -> str:
        return render_text(self.exchange(user_id, text))

    def press(
        self, user_id: str, action: str, target: int | str, text: str | None = None
    ) -> AnswerResult:
        """Press a button: on a prompt (its id), with the text typed into its form if any,
        or another button by its value."""
        with self.sessions() as session:
            result = handle_action(self._enter(session, user_id), action, str(target), text)
            session.commit()
        self.sent.append(Sent(to=user_id, message=result.reply))
        return result

    def _enter(self, session: Session, user_id: str) -> Context:
        workspace = get_workspace(
            session, platform=PLATFORM, external_id=self.workspace_external_id, now=self.now
        )
        return enter(
            session,
            settings=self.settings,
            catalog=self.catalog,
            workspace=workspace,
            user=self.users[user_id],
            directory=self,
            now=self.now,
        )

    def tick(self, now: datetime | None = None) -> TickResult:
        """One scheduling pass at `now` (default: the platform's clock)."""
        scheduling = Scheduling(
            self.sessions, self.catalog, {PLATFORM: self.channel}, SetClock(self.now)
        )
        return asyncio.run(scheduling.tick(now))
