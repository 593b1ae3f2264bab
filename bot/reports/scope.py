"""Whose records a report counts and over which weeks: the filters every figure shares, and
the SQL that applies them (membership at the time, week buckets in one time zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import QueryableAttribute, aliased

from bot.store.models import Person, Record, TeamMembership

# When something happened: a timestamp column, or an expression over them.
When = ColumnElement[Any] | QueryableAttribute[Any]
# The answers a leader gives to a prompt; `skipped` records are not answers.
ANSWERED = ("done", "partly", "not_this_week")
PRACTICED = ("done", "partly")


# When a barrier counts: when it was written or last changed, which may be after its record
# was made; a record from before migration 0012 has only its own moment.
barrier_written = func.coalesce(Record.barrier_at, Record.created_at)


@dataclass(frozen=True)
class Scope:
    """Whose records count. With `team_ids`, a record counts for the teams its leader was in
    when it was made (a leader who changed teams counts for each team in turn); without, for
    the whole workspace. `workspace_id` None means every workspace (the command-line
    export); `role` keeps one role's leaders; `person_ids` these leaders only (the people
    under a manager)."""

    workspace_id: int | None = None
    team_ids: tuple[int, ...] | None = None
    role: str | None = None
    person_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Week:
    start: date
    end: date
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday to Sunday in `zone`, from the week holding `start` to the week
    holding `end`."""

    start: date
    end: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period must not end before it starts")
        object.__setattr__(self, "start", self.start - timedelta(days=self.start.weekday()))
        object.__setattr__(self, "end", self.end + timedelta(days=6 - self.end.weekday()))

    @classmethod
    def weeks_ending(cls, day: date, count: int, zone: ZoneInfo) -> Period:
        """The `count` weeks up to and including the week holding `day`."""
        return cls(day - timedelta(weeks=count - 1), day, zone)

    @cached_property
    def weeks(self) -> tuple[Week, ...]:
        found: list[Week] = []
        day = self.start
        while day <= self.end:
            found.append(
                Week(day, day + timedelta(days=6), self._utc(day), self._utc(day + timedelta(7)))
            )
            day += timedelta(weeks=1)
        return tuple(found)

    @cached_property
    def starts(self) -> list[datetime]:
        """Each week's first moment, in order."""
        return [week.since for week in self.weeks]

    @cached_property
    def ends(self) -> list[datetime]:
        """The first moment after each week, in order."""
        return [week.until for week in self.weeks]

    @property
    def since(self) -> datetime:
        return self.weeks[0].since

    @property
    def until(self) -> datetime:
        return self.weeks[-1].until

    def _utc(self, day: date) -> datetime:
        # Local midnight, correct across daylight-saving changes.
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)


def scoped_records(
    scope: Scope, period: Period | None, *columns: Any, at: When = Record.created_at
) -> Select[Any]:
    """SELECT `columns` FROM the records `scope` counts in `period` (at any time if None),
    with their leader joined. A record counts at the moment `at` (when it was recorded,
    unless told otherwise): for the team its leader was in then, in the week it fell in."""
    query = select(*columns).select_from(Record).join(Person, Record.person_id == Person.id)
    if scope.workspace_id is not None:
        query = query.where(Person.workspace_id == scope.workspace_id)
    if scope.role is not None:
        query = query.where(Person.role == scope.role)
    if scope.person_ids is not None:
        query = query.where(Record.person_id.in_(scope.person_ids))
    if scope.team_ids is not None:
        # Whoever was ever in the teams (so the database can go leader by leader), then
        # whether they were in one of them at that moment.
        ever = select(TeamMembership.person_id).where(TeamMembership.team_id.in_(scope.team_ids))
        query = query.where(
            Record.person_id.in_(ever), member_then(scope.team_ids, at, Record.person_id)
        )
    return query if period is None else in_period(query, period, at)


def member_then(team_ids: tuple[int, ...], at: When, person_id: Any) -> ColumnElement[bool]:
    """Whether the leader `person_id` was in one of the teams at the moment `at`."""
    member = aliased(TeamMembership)
    return exists().where(
        member.person_id == person_id,
        member.team_id.in_(team_ids),
        member.started_at <= at,
        or_(member.ended_at.is_(None), member.ended_at > at),
    )


def in_period(query: Select[Any], period: Period, at: When) -> Select[Any]:
    """Keep the rows whose `at` falls in the period."""
    return query.where(at >= period.since, at < period.until)


def week_index(at: When, period: Period) -> ColumnElement[int]:
    """The index of the week `at` falls in, as a balanced tree of comparisons with the weeks'
    first moments (exact across daylight-saving changes, a handful of comparisons per row
    whatever the number of weeks; rows outside the period must be filtered out)."""
    bounds = period.starts

    def branch(low: int, high: int) -> ColumnElement[int]:
        if high - low == 1:
            return literal_column(str(low), Integer)
        middle = (low + high) // 2
        return case((at < bounds[middle], branch(low, middle)), else_=branch(middle, high))

    return branch(0, len(bounds))
