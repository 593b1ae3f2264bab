"""Which cadence and calendar a leader's prompts follow: the cadence rules resolved (user >
behavior > team > role > default) and the leader's zone, holidays and quiet hours. The
planner, the outbox and the cadence commands share them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.cadence import MONDAY_TO_FRIDAY, CadenceSpec, parse_cadence, parse_working_days
from bot.core.schedule import Calendar
from bot.store.models import CadenceRule, Holiday, Workspace

DEFAULT_CADENCE = "weekly mon 09:00"


@dataclass(frozen=True)
class EffectiveCadence:
    spec: CadenceSpec
    source: str


def behavior_ancestors(behavior_id: str) -> list[str]:
    """`6.b.ii` -> [`6.b.ii`, `6.b`, `6`]: the most specific first."""
    parts = behavior_id.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


class CadenceBook:
    """One workspace's cadence rules, resolved in memory (the scheduler resolves thousands)."""

    def __init__(self, rules: Iterable[CadenceRule]) -> None:
        self.rules = {(rule.scope_kind, rule.scope_value): rule.spec for rule in rules}
        self.parsed: dict[str, CadenceSpec] = {}

    def resolve(
        self,
        *,
        person_id: int,
        role: str | None,
        teams: list[str],
        behavior_id: str | None = None,
    ) -> EffectiveCadence:
        """`teams` are the lower-cased names of the leader's current teams."""
        candidates = [("user", str(person_id))]
        if behavior_id:
            candidates += [("behavior", b) for b in behavior_ancestors(behavior_id)]
        candidates += [("team", team) for team in teams]
        if role:
            candidates.append(("role", role))
        candidates.append(("default", ""))
        for kind, value in candidates:
            text = self.rules.get((kind, value))
            if text is not None:
                label = "personal" if kind == "user" else f"{kind}:{value}" if value else kind
                return EffectiveCadence(self._parse(text), label)
        return EffectiveCadence(self._parse(DEFAULT_CADENCE), "built-in default")

    def specs(self) -> list[CadenceSpec]:
        """Every cadence `resolve` can give in this workspace (the built-in default included,
        whether or not a rule replaces it)."""
        return [self._parse(text) for text in {*self.rules.values(), DEFAULT_CADENCE}]

    def _parse(self, text: str) -> CadenceSpec:
        if text not in self.parsed:
            self.parsed[text] = parse_cadence(text)
        return self.parsed[text]


def _clock(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def leader_calendar(timezone: str, workspace: Workspace, holidays: frozenset[date]) -> Calendar:
    """When a leader of this workspace may be messaged: their zone, its holidays and quiet
    hours (prompts, reminders and snooze re-asks alike)."""
    quiet_start, quiet_end = _clock(workspace.quiet_start), _clock(workspace.quiet_end)
    return Calendar(
        zone=ZoneInfo(timezone),
        holidays=holidays,
        quiet=(quiet_start, quiet_end) if quiet_start and quiet_end else None,
        working_days=working_days(workspace),
    )


def working_days(workspace: Workspace) -> frozenset[int]:
    """The workspace's working days (Monday to Friday unless an admin set others)."""
    if not workspace.working_days:
        return MONDAY_TO_FRIDAY
    return parse_working_days(workspace.working_days)


def holidays_by_workspace(session: Session) -> dict[int, frozenset[date]]:
    days: dict[int, set[date]] = defaultdict(set)
    for holiday in session.scalars(select(Holiday)):
        days[holiday.workspace_id].add(holiday.day)
    return {workspace_id: frozenset(found) for workspace_id, found in days.items()}
