"""The clock: the one place that reads the wall clock. The running service holds one `Clock`;
everything else asks it (or is handed a moment taken from it), so tests can set the time."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock, for the running service."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class SetClock:
    """A clock that stands where it is set (tests, and `--at` on the command line)."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment


@dataclass
class RunningFrom:
    """A clock that starts at a given moment and then runs at the pace of real time: a
    scheduling pass for a moment (`tick --at`, or now) stamps its claims with that moment plus
    the time the pass has taken, so a long pass never looks stale to itself, and a pass for a
    moment in the past decides everything by that moment, never by today's date."""

    start: datetime
    _origin: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._origin)
