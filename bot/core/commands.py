"""Neutral command objects: what a leader or an admin asked for, whatever the platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal

from bot.core.cadence import CadenceSpec

Role = Literal["supervisor", "manager", "director"]
ProfileField = Literal["name", "pronouns", "title"]


@dataclass(frozen=True)
class UserRef:
    """A person named in a command: a platform user id (from a mention) or an email."""

    kind: Literal["id", "email"]
    value: str
    label: str = ""

    def __str__(self) -> str:
        return self.label or self.value


@dataclass(frozen=True)
class ChannelRef:
    """A channel named in a command: a platform channel id, or a name in the local chat."""

    value: str
    label: str = ""

    def __str__(self) -> str:
        return f"#{self.label}" if self.label else self.value


@dataclass(frozen=True)
class Scope:
    """Where a cadence applies: default, a role, a team, a behavior or one user."""

    kind: Literal["default", "role", "team", "behavior", "user"]
    value: str = ""
    user: UserRef | None = None

    def __str__(self) -> str:
        if self.kind == "default":
            return "default"
        if self.kind == "user":
            return str(self.user)
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Behaviors:
    domain: str | None = None
    role: Role | None = None


@dataclass(frozen=True)
class BehaviorPage:
    """One behavior, item or role item in full."""

    entry_id: str


@dataclass(frozen=True)
class Commitments:
    pass


@dataclass(frozen=True)
class Commit:
    """A leader committing (`assignees` None), or an admin assigning a commitment to a
    person, a role's leaders or a team's (a Scope of kind user, role or team)."""

    behavior_id: str
    goal: str | None = None
    assignees: Scope | None = None


@dataclass(frozen=True)
class Drop:
    behavior_id: str
    assignees: Scope | None = None


@dataclass(frozen=True)
class Log:
    behavior_id: str
    text: str


@dataclass(frozen=True)
class History:
    weeks: int = 4


@dataclass(frozen=True)
class Pause:
    until: date


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Snooze:
    duration: timedelta


@dataclass(frozen=True)
class Profile:
    """Fields to set; an empty string clears a field; no fields shows the profile."""

    changes: tuple[tuple[ProfileField, str], ...] = ()


@dataclass(frozen=True)
class SetTimezone:
    zone: str


@dataclass(frozen=True)
class LeaderAdd:
    user: UserRef
    role: Role
    team: str | None = None
    timezone: str | None = None
    reports_to: UserRef | None = None


@dataclass(frozen=True)
class LeaderRemove:
    user: UserRef


@dataclass(frozen=True)
class LeaderList:
    pass


@dataclass(frozen=True)
class LeaderRole:
    user: UserRef
    role: Role


@dataclass(frozen=True)
class LeaderReportsTo:
    """Set (or with `manager` None, end) whom a leader reports to."""

    user: UserRef
    manager: UserRef | None


@dataclass(frozen=True)
class Reports:
    pass


@dataclass(frozen=True)
class Home:
    pass


@dataclass(frozen=True)
class TeamAdd:
    name: str
    channel: ChannelRef


@dataclass(frozen=True)
class TeamList:
    pass


@dataclass(frozen=True)
class TeamMembers:
    name: str
    action: Literal["add", "remove", "list"]
    users: tuple[UserRef, ...] = ()


@dataclass(frozen=True)
class TeamRename:
    name: str
    new_name: str


@dataclass(frozen=True)
class TeamChannel:
    name: str
    channel: ChannelRef


@dataclass(frozen=True)
class TeamTimezone:
    name: str
    zone: str


@dataclass(frozen=True)
class TeamRemove:
    name: str


@dataclass(frozen=True)
class CadenceSet:
    scope: Scope
    spec: CadenceSpec


@dataclass(frozen=True)
class CadenceShow:
    scope: Scope | None = None


@dataclass(frozen=True)
class CadenceClear:
    scope: Scope


@dataclass(frozen=True)
class Reminder:
    hours: int | None


@dataclass(frozen=True)
class SnoozeLength:
    """Show (nothing given), set, or `reset` to the built-in, the Snooze button's wait."""

    length: timedelta | None = None
    reset: bool = False


@dataclass(frozen=True)
class Expiry:
    """Show, set, or `reset` how long a prompt stays open after its reminder."""

    length: timedelta | None = None
    reset: bool = False


@dataclass(frozen=True)
class Quiet:
    start: time | None
    end: time | None


@dataclass(frozen=True)
class Workdays:
    """The agency's working days (0 is Monday); None shows them."""

    days: frozenset[int] | None = None


@dataclass(frozen=True)
class HolidayChange:
    action: Literal["add", "remove"]
    day: date


@dataclass(frozen=True)
class HolidayList:
    pass


@dataclass(frozen=True)
class DigestRun:
    action: Literal["preview", "send"]
    team: str


@dataclass(frozen=True)
class DigestSchedule:
    team: str
    spec: CadenceSpec


@dataclass(frozen=True)
class Export:
    since: date | None = None


@dataclass(frozen=True)
class Audit:
    since: date | None = None


@dataclass(frozen=True)
class AdminChange:
    action: Literal["add", "remove"]
    user: UserRef


@dataclass(frozen=True)
class SendNow:
    user: UserRef
    behavior_id: str | None = None


@dataclass(frozen=True)
class Dashboard:
    pass


Command = (
    Help
    | Behaviors
    | BehaviorPage
    | Commitments
    | Commit
    | Drop
    | Log
    | History
    | Pause
    | Resume
    | Snooze
    | Profile
    | SetTimezone
    | LeaderAdd
    | LeaderRemove
    | LeaderList
    | LeaderRole
    | LeaderReportsTo
    | Reports
    | Home
    | TeamAdd
    | TeamList
    | TeamMembers
    | TeamRename
    | TeamChannel
    | TeamTimezone
    | TeamRemove
    | CadenceSet
    | CadenceShow
    | CadenceClear
    | Reminder
    | SnoozeLength
    | Expiry
    | Quiet
    | Workdays
    | HolidayChange
    | HolidayList
    | DigestRun
    | DigestSchedule
    | Export
    | Audit
    | AdminChange
    | SendNow
    | Dashboard
)
