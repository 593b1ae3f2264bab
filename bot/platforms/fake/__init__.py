"""A fake platform for tests: people type commands, and it records everything the bot said."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog
from bot.core.commands import UserRef
from bot.core.messages import Message, render_text
from bot.handlers.context import PlatformUser
from bot.handlers.dispatch import converse
from bot.handlers.people import get_workspace


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
    the reply's text, like a person reading the chat."""

    sessions: sessionmaker[Session]
    settings: Settings
    catalog: Catalog
    workspace_external_id: str = "T-FAKE"
    users: dict[str, PlatformUser] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    now: datetime | None = None

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
            workspace = get_workspace(
                session, platform="fake", external_id=self.workspace_external_id
            )
            reply = converse(
                session,
                settings=self.settings,
                catalog=self.catalog,
                workspace=workspace,
                user=self.users[user_id],
                directory=self,
                text=text,
                now=self.now,
            )
            session.commit()
        self.sent.append(Sent(to=user_id, message=reply))
        return reply

    def say(self, user_id: str, text: str) -> str:
        return render_text(self.exchange(user_id, text))
