"""The audit trail read back: who changed what and when, in sentences an admin can read, for
the `audit` chat command and `followthrough audit`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from bot.store.models import FORGOTTEN_NAME, AuditEvent, Person, Workspace
from bot.store.retention import FORGET_ACTION, PURGE_ACTION, PURGED_KINDS

# An event no person made (a purge, a forget) names what made it in its detail's `by`.
NOBODY = "Follow-Through"


@dataclass(frozen=True)
class AuditEntry:
    """One audit event, ready to show: when, where, who, and what they did."""

    at: datetime
    workspace: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.at.isoformat(),
            "workspace": self.workspace,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "detail": self.detail,
            "summary": self.summary,
        }


def _where(workspace_id: int | None, since: datetime | None) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [true()]
    if workspace_id is not None:
        conditions.append(AuditEvent.workspace_id == workspace_id)
    if since is not None:
        conditions.append(AuditEvent.created_at >= since)
    return and_(*conditions)


def count_audit(
    session: Session, *, workspace_id: int | None = None, since: datetime | None = None
) -> int:
    """How many audit events there are (in one workspace, or all), from `since` on."""
    query = select(func.count()).select_from(AuditEvent).where(_where(workspace_id, since))
    return int(session.scalar(query) or 0)


def audit_entries(
    session: Session,
    *,
    workspace_id: int | None = None,
    since: datetime | None = None,
    newest_first: bool = True,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The audit events of one workspace (or all), from `since` on, each with its actor and
    target named as people read them: "Dana Ortiz (admin)", "a forgotten person"."""
    order = (AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if not newest_first:
        order = (AuditEvent.created_at.asc(), AuditEvent.id.asc())
    events = session.execute(
        select(AuditEvent, Workspace.name, Workspace.platform, Workspace.external_id)
        .join(Workspace, AuditEvent.workspace_id == Workspace.id)
        .where(_where(workspace_id, since))
        .order_by(*order)
        .limit(limit)
    ).all()
    if not events:
        return []
    workspaces = {event.workspace_id for event, *_ in events}
    people = list(session.scalars(select(Person).where(Person.workspace_id.in_(workspaces))))
    by_id = {person.id: person for person in people}
    by_user = {(person.workspace_id, person.platform_user_id): person for person in people}
    entries = []
    for event, name, platform, external_id in events:
        named = by_user.get((event.workspace_id, event.target))
        if named is None and event.target.startswith("user:"):
            number = event.target.removeprefix("user:")
            named = by_id.get(int(number)) if number.isdigit() else None
        target = named.name if named is not None else event.target
        entries.append(
            AuditEntry(
                at=event.created_at,
                workspace=name or f"{platform} {external_id}",
                actor=_actor(by_id.get(event.actor_id) if event.actor_id else None, event),
                action=event.action,
                target=target,
                detail=dict(event.detail),
                summary=describe(event.action, target, event.detail),
            )
        )
    return entries


def _actor(person: Person | None, event: AuditEvent) -> str:
    if person is None:
        by = event.detail.get("by") if isinstance(event.detail, dict) else None
        return str(by) if by else NOBODY
    if person.forgotten:
        return FORGOTTEN_NAME
    return f"{person.name} (admin)" if person.is_admin else person.name


def _listed(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(str(v) for v in values) or "nobody"
    return str(values)


def _counted(detail: Mapping[str, Any]) -> str:
    """`Sam, Lee` or `Sam, Lee and 3 more`: the people an audit entry names, and the rest."""
    named = detail.get("people", [])
    more = int(detail.get("count", len(named))) - len(named)
    return _listed(named) + (f" and {more} more" if more > 0 else "")


def _was(detail: Mapping[str, Any], off: str = "none") -> str:
    old = detail.get("old")
    return f" (was {off if old is None else _listed(old)})"


def _hours(hours: Any, none: str = "off") -> str:
    return none if hours is None else f"{hours} hours"


def _minutes(minutes: Any) -> str:
    return "the default (4 hours)" if minutes is None else f"{minutes} minutes"


def _quiet(hours: Any) -> str:
    if isinstance(hours, list) and len(hours) == 2 and all(hours):
        return f"{hours[0]}-{hours[1]}"
    return "off"


def _purged(detail: Mapping[str, Any]) -> str:
    counts = [kind.count(int(detail.get(kind.key, 0))) for kind in PURGED_KINDS]
    shown = [text for text in counts if not text.startswith("0 ")] or ["nothing"]
    return f"purged what was older than {detail.get('before', '?')}: {', '.join(shown)}"


Describe = Callable[[str, Mapping[str, Any]], str]
SUMMARIES: dict[str, Describe] = {
    "leader.add": lambda who, d: (
        f"enrolled {who} as a {d.get('role')}"
        + (f" in team {d['team']}" if d.get("team") else "")
        + (f" ({d['timezone']})" if d.get("timezone") else "")
        + (f", reporting to {d['manager']}" if d.get("manager") else "")
    ),
    "leader.remove": lambda who, d: f"removed {who} as a leader",
    "leader.reports_to": lambda who, d: (
        f"made {who} report to {d['new']}{_was(d)}"
        if d.get("new")
        else f"made {who} report to no one{_was(d)}"
    ),
    "leader.role": lambda who, d: f"made {who} a {d.get('new')} (was {d.get('old')})",
    "commitment.assign": lambda who, d: (
        f"assigned {d.get('behavior')} to {_counted(d)} ({who})"
        + (f", goal: {d['goal']}" if d.get("goal") else "")
    ),
    "commitment.unassign": lambda who, d: f"ended {d.get('behavior')} for {_counted(d)} ({who})",
    "team.add": lambda who, d: f"added team {who} (channel {d.get('channel')})",
    "team.members.add": lambda who, d: f"added {_listed(d.get('people', []))} to team {who}",
    "team.members.remove": lambda who, d: f"removed {_listed(d.get('people', []))} from team {who}",
    "cadence.set": lambda who, d: f"set the cadence for {who} to {d.get('new')}{_was(d)}",
    "reminder": lambda who, d: (
        f"set reminders to {_hours(d.get('new'))} (was {_hours(d.get('old'))})"
    ),
    "snooze-length": lambda who, d: (
        f"set the Snooze button's wait to {_minutes(d.get('new'))} (was {_minutes(d.get('old'))})"
    ),
    "expiry": lambda who, d: (
        f"set how long prompts stay open to {_hours(d.get('new'), 'the default')} "
        f"(was {_hours(d.get('old'), 'the default')})"
    ),
    "quiet": lambda who, d: (
        f"set quiet hours to {_quiet(d.get('new'))} (was {_quiet(d.get('old'))})"
    ),
    "holiday.add": lambda who, d: f"made {who} a holiday",
    "holiday.remove": lambda who, d: f"took back the holiday on {who}",
    "digest.send": lambda who, d: (
        f"sent team {who}'s digest for the week of {d.get('period_start')}"
    ),
    "digest.schedule": lambda who, d: f"scheduled team {who}'s digest {d.get('new')}" + _was(d),
    "admin.add": lambda who, d: f"made {who} an admin",
    "admin.remove": lambda who, d: f"took admin rights from {who}",
    "send-now": lambda who, d: f"sent {who} a prompt now about {_listed(d.get('behaviors', []))}",
    "dashboard.link": lambda who, d: "opened a dashboard link",
    PURGE_ACTION: lambda who, d: _purged(d),
    FORGET_ACTION: lambda who, d: (
        "forgot a person: deleted their records and took their identity out of the trail"
    ),
}


def describe(action: str, target: str, detail: Mapping[str, Any]) -> str:
    """One audit event as a sentence's predicate: "enrolled Sam Rivera as a supervisor"."""
    summary = SUMMARIES.get(action)
    if summary is not None:
        return summary(target, detail)
    extra = ", ".join(f"{key}={value}" for key, value in detail.items())
    return f"{action} {target}".strip() + (f" ({extra})" if extra else "")
