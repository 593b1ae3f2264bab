"""What a handler needs to run one command: the caller, their workspace, the session, the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.catalog import Catalog
from bot.core.commands import UserRef
from bot.store.models import AuditEvent, Person, Workspace


class Refusal(Exception):
    """A command that cannot be carried out; its message goes back to the caller as is."""


@dataclass(frozen=True)
class PlatformUser:
    """What a platform can tell about one of its users."""

    user_id: str
    display_name: str = ""
    email: str | None = None
    timezone: str | None = None


class Directory(Protocol):
    """A platform's user directory: who a mention or an email is."""

    def lookup(self, ref: UserRef) -> PlatformUser | None: ...


class Asker(Protocol):
    """Who is asking, as far as an answer from the catalog alone needs (a Person is one)."""

    @property
    def name(self) -> str: ...
    @property
    def is_admin(self) -> bool: ...
    @property
    def is_leader(self) -> bool: ...
    @property
    def timezone(self) -> str: ...


class Reading(Protocol):
    """What a command answered from the catalog and who asks reads (a Context is one)."""

    @property
    def caller(self) -> Asker: ...
    @property
    def catalog(self) -> Catalog: ...


@dataclass
class Context:
    session: Session
    workspace: Workspace
    caller: Person
    catalog: Catalog
    settings: Settings
    directory: Directory
    now: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.caller.timezone)

    @property
    def today(self) -> date:
        """The caller's own date, in their time zone."""
        return self.now.astimezone(self.zone).date()

    def audit(self, action: str, target: str = "", **detail: Any) -> None:
        """Note an admin change: who did what, to whom, when."""
        self.session.add(
            AuditEvent(
                workspace_id=self.workspace.id,
                actor_id=self.caller.id,
                action=action,
                target=target,
                detail=detail,
                created_at=self.now,
            )
        )
