"""Cadence specs (`weekly mon 09:00`, `monthly first mon 10:00`, `off`): parsing and wording."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Literal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("first", "second", "third", "fourth", "last")
CADENCE_EXAMPLES = (
    "weekly mon 09:00",
    "biweekly thu 14:00",
    "monthly first mon 10:00",
    "weekdays 08:30",
    "off",
)

Kind = Literal["weekly", "biweekly", "monthly", "weekdays", "off"]


class CadenceSpecError(ValueError):
    """A cadence spec that does not follow the grammar; the message says what was expected."""


@dataclass(frozen=True)
class CadenceSpec:
    kind: Kind
    at: time | None = None
    weekday: int | None = None
    ordinal: str | None = None

    def __str__(self) -> str:
        """The canonical spelling, which `parse_cadence` reads back to an equal spec."""
        if self.kind == "off":
            return "off"
        assert self.at is not None
        clock = self.at.strftime("%H:%M")
        if self.kind == "weekdays":
            return f"weekdays {clock}"
        assert self.weekday is not None
        day = WEEKDAYS[self.weekday]
        if self.kind == "monthly":
            return f"monthly {self.ordinal} {day} {clock}"
        return f"{self.kind} {day} {clock}"

    def describe(self) -> str:
        """The spec in words, for replies: 'every other Thursday at 14:00'."""
        if self.kind == "off":
            return "no prompts"
        assert self.at is not None
        clock = self.at.strftime("%H:%M")
        if self.kind == "weekdays":
            return f"every working day at {clock}"
        assert self.weekday is not None
        day = WEEKDAY_NAMES[self.weekday]
        if self.kind == "weekly":
            return f"every {day} at {clock}"
        if self.kind == "biweekly":
            return f"every other {day} at {clock}"
        return f"the {self.ordinal} {day} of each month at {clock}"


def parse_weekday(word: str) -> int | None:
    word = word.strip().lower()
    for index, (short, long) in enumerate(zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)):
        if word in {short, long.lower()} or (len(word) >= 3 and long.lower().startswith(word)):
            return index
    return None


# The working week unless an agency says otherwise (`workdays`).
MONDAY_TO_FRIDAY = frozenset(range(5))


def parse_working_days(text: str) -> frozenset[int]:
    """Days of the week from `mon-fri`, `sun-thu` (a range may wrap past Sunday), or names
    (`mon tue thu`, `mon,wed`); ValueError saying what is wrong otherwise."""
    days: set[int] = set()
    for part in re.split(r"[\s,]+", text.strip().lower()):
        if not part:
            continue
        first, dash, last = part.partition("-")
        start = parse_weekday(first)
        end = parse_weekday(last) if dash else start
        if start is None or end is None:
            bad = first if start is None else last
            raise ValueError(f"`{bad}` is not a day of the week (mon … sun)")
        days.update((start + n) % 7 for n in range((end - start) % 7 + 1))
    if not days:
        raise ValueError("name at least one day")
    return frozenset(days)


def format_working_days(days: frozenset[int]) -> str:
    """The canonical, stored form: `mon,tue,wed,thu,fri`, Monday first."""
    return ",".join(WEEKDAYS[day] for day in sorted(days))


def describe_working_days(days: frozenset[int]) -> str:
    """`Monday to Friday`, `Sunday to Thursday`, or the days listed."""
    if len(days) == 7:
        return "every day"
    for start in sorted(days):
        run = [(start + n) % 7 for n in range(len(days))]
        if set(run) == days and len(days) > 2:
            return f"{WEEKDAY_NAMES[run[0]]} to {WEEKDAY_NAMES[run[-1]]}"
    listed = [WEEKDAY_NAMES[day] for day in sorted(days)]
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


def parse_clock(word: str) -> time | None:
    """`09:00`, `9:00`, `14:30`, `9am`, `2:30pm`; None when it is not a time of day."""
    match = _CLOCK.match(word.strip().lower())
    if not match or (match.group(2) is None and match.group(3) is None):
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if meridiem := match.group(3):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _expected(what: str, got: str | None) -> CadenceSpecError:
    found = f", got {got!r}" if got else ""
    return CadenceSpecError(
        f"expected {what}{found}. Examples: " + ", ".join(f"`{e}`" for e in CADENCE_EXAMPLES)
    )


def parse_cadence(text: str) -> CadenceSpec:
    """Read a cadence spec; raises CadenceSpecError naming what was expected."""
    words = text.strip().lower().split()
    if not words:
        raise _expected("a cadence", None)
    kind, rest = words[0], words[1:]
    if kind == "off":
        if rest:
            raise _expected("nothing after `off`", " ".join(rest))
        return CadenceSpec("off")
    if kind not in {"weekly", "biweekly", "monthly", "weekdays"}:
        raise _expected("weekly, biweekly, monthly, weekdays or off", kind)
    ordinal = None
    if kind == "monthly":
        if not rest or rest[0] not in ORDINALS:
            raise _expected("first, second, third, fourth or last after `monthly`", _first(rest))
        ordinal, rest = rest[0], rest[1:]
    weekday = None
    if kind != "weekdays":
        day = parse_weekday(rest[0]) if rest else None
        if day is None:
            raise _expected(f"a day of the week (mon … sun) after `{kind}`", _first(rest))
        weekday, rest = day, rest[1:]
    if len(rest) != 1 or (at := parse_clock(rest[0])) is None:
        raise _expected("a time of day like 09:00", " ".join(rest))
    return CadenceSpec(kind, at=at, weekday=weekday, ordinal=ordinal)  # type: ignore[arg-type]


def _first(words: list[str]) -> str | None:
    return words[0] if words else None
