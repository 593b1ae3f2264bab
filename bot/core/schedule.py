"""When prompts fall due: cadence occurrences in a leader's own zone, across daylight saving,
moved off days that are not working days, holidays and quiet hours."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.cadence import MONDAY_TO_FRIDAY, ORDINALS, CadenceSpec

# Biweekly cadences fire on the even weeks counted from this Monday, the same for everyone,
# so a team on "biweekly thu" meets its prompts in the same weeks.
BIWEEKLY_EPOCH = date(2024, 1, 1)


@dataclass(frozen=True)
class Occurrence:
    """One firing of a cadence: `nominal` names it (and keys its delivery), `due` is when it
    goes out after any move off a weekend, holiday or quiet hours."""

    nominal: datetime
    due: datetime


@dataclass(frozen=True)
class Calendar:
    """The days and hours on which a leader may be prompted."""

    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()
    quiet: tuple[time, time] | None = None
    working_days: frozenset[int] = MONDAY_TO_FRIDAY  # 0 is Monday

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def in_quiet_hours(self, at: time) -> bool:
        if self.quiet is None:
            return False
        start, end = self.quiet
        return start <= at < end if start < end else at >= start or at < end


def wall_clock_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time happens in `zone`. A time that a daylight-saving change
    skips moves to the first valid minute after the gap; a repeated time is taken once, at
    its first occurrence."""
    naive = datetime.combine(day, at)
    for minutes in range(0, 24 * 60):
        local = (naive + timedelta(minutes=minutes)).replace(tzinfo=zone, fold=0)
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            return instant
    raise ValueError(f"{naive} does not exist in {zone}")  # no zone skips a whole day's minutes


def fires_on(spec: CadenceSpec, day: date, working_days: frozenset[int] = MONDAY_TO_FRIDAY) -> bool:
    """Whether the cadence has an occurrence on this local day (before any move); `weekdays`
    means the working days."""
    if spec.kind == "weekdays":
        return day.weekday() in working_days
    if day.weekday() != spec.weekday:
        return False
    if spec.kind == "biweekly":
        return ((day - BIWEEKLY_EPOCH).days // 7) % 2 == 0
    if spec.kind == "monthly":
        return day == nth_weekday(day.year, day.month, day.weekday(), spec.ordinal or "first")
    return spec.kind == "weekly"


def nth_weekday(year: int, month: int, weekday: int, ordinal: str) -> date:
    """The first … fourth or last given weekday of a month."""
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return days[-1] if ordinal == "last" else days[ORDINALS.index(ordinal)]


def _move_to_allowed(day: date, at: time, cal: Calendar) -> tuple[date, time]:
    """Off quiet hours to their end, then off non-working days and holidays to the next
    working day."""
    for _ in range(400):
        if cal.in_quiet_hours(at):
            assert cal.quiet is not None
            end = cal.quiet[1]
            if end <= at:
                day += timedelta(days=1)
            at = end
            continue
        if not cal.is_working_day(day):
            day += timedelta(days=1)
            continue
        return day, at
    raise ValueError("no working day within 400 days")


def next_allowed(instant: datetime, cal: Calendar) -> datetime:
    """The first moment at or after `instant` when the leader may be messaged: out of quiet
    hours, on a working day (the rule prompts follow, for reminders and snooze re-asks)."""
    local = instant.astimezone(cal.zone)
    day, at = _move_to_allowed(local.date(), local.time(), cal)
    if (day, at) == (local.date(), local.time()):
        return instant
    return wall_clock_to_utc(day, at, cal.zone)


def occurrences(
    spec: CadenceSpec, cal: Calendar, *, after: datetime, until: datetime
) -> list[Occurrence]:
    """Occurrences due in (after, until]. One displaced onto or past the cadence's next firing
    is merged into that firing rather than sent twice in a row."""
    if spec.kind == "off" or spec.at is None:
        return []
    first = after.astimezone(cal.zone).date() - timedelta(days=45)
    last = until.astimezone(cal.zone).date() + timedelta(days=1)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    nominal = [
        (wall_clock_to_utc(day, spec.at, cal.zone), day)
        for day in days
        if fires_on(spec, day, cal.working_days)
    ]
    found: list[Occurrence] = []
    for index, (instant, day) in enumerate(nominal):
        due_day, due_at = _move_to_allowed(day, spec.at, cal)
        due = wall_clock_to_utc(due_day, due_at, cal.zone)
        following = nominal[index + 1][0] if index + 1 < len(nominal) else None
        if due != instant and following is not None and due >= following:
            continue
        if after < due <= until:
            found.append(Occurrence(nominal=instant, due=due))
    return found
