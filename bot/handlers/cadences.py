"""Cadences as a leader or an admin is told them: the one in force for a leader (and where it
comes from), in words, and when the next prompt really goes out."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.cadence import WEEKDAY_NAMES, CadenceSpec
from bot.core.schedule import occurrences
from bot.handlers.people import current_teams
from bot.scheduling.cadences import CadenceBook, EffectiveCadence, leader_calendar
from bot.store.models import CadenceRule, Holiday, Person, Workspace


def effective_cadence(
    session: Session, person: Person, behavior_id: str | None = None
) -> EffectiveCadence:
    book = CadenceBook(
        session.scalars(select(CadenceRule).filter_by(workspace_id=person.workspace_id))
    )
    teams = [team.name.lower() for team in current_teams(session, person)]
    return book.resolve(person_id=person.id, role=person.role, teams=teams, behavior_id=behavior_id)


def describe_moved(spec: CadenceSpec) -> str:
    """The cadence in words, saying so when it falls on a weekend day (prompts move to the
    next working day)."""
    words = spec.describe()
    if spec.kind not in ("off", "weekdays") and spec.weekday is not None and spec.weekday >= 5:
        words += f" ({WEEKDAY_NAMES[spec.weekday]}s are off, so it goes out the next working day)"
    return words


def when_prompted(
    session: Session, person: Person, workspace: Workspace, spec: CadenceSpec, now: datetime
) -> str:
    """When a leader's prompts really go out, in words: the cadence, what moves it (a weekend
    day moves to the next working day), and the next prompt's local day and time."""
    words = describe_moved(spec)
    if spec.kind == "off":
        return words
    holidays = frozenset(session.scalars(select(Holiday.day).filter_by(workspace_id=workspace.id)))
    calendar = leader_calendar(person.timezone, workspace, holidays)
    upcoming = [
        o  # an occurrence named before now belongs to the past, as the planner sees it
        for o in occurrences(spec, calendar, after=now, until=now + timedelta(days=62))
        if o.nominal >= now
    ]
    if upcoming:
        due = upcoming[0].due.astimezone(calendar.zone)
        words += f"; next: {due:%A %-d %B at %H:%M}"
    return words
