"""Where the end-to-end platform tests' services start their clock: a Wednesday morning, then
running at the pace of real time (the platforms' own checks, Slack's signatures and the Bot
Framework's tokens, go by real time). With the system's clock, a test that ticks a few days
ahead met someone's weekly prompt on some days of the week and not on others."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.clock import RunningFrom

# Wednesday 4 March 2026, 10:00 UTC: three days on is a Saturday in every leader's zone, and
# no daylight-saving change falls within the week.
WEDNESDAY_MORNING = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def service_clock() -> RunningFrom:
    """A clock for one service under test, from WEDNESDAY_MORNING."""
    return RunningFrom(WEDNESDAY_MORNING)
