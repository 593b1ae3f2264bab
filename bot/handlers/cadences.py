"""Which cadence applies to a leader's commitment: user > behavior > team > role > default."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.cadence import CadenceSpec, parse_cadence
from bot.handlers.people import current_teams
from bot.store.models import CadenceRule, Person

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

    def _parse(self, text: str) -> CadenceSpec:
        if text not in self.parsed:
            self.parsed[text] = parse_cadence(text)
        return self.parsed[text]


def effective_cadence(
    session: Session, person: Person, behavior_id: str | None = None
) -> EffectiveCadence:
    book = CadenceBook(
        session.scalars(select(CadenceRule).filter_by(workspace_id=person.workspace_id))
    )
    teams = [team.name.lower() for team in current_teams(session, person)]
    return book.resolve(person_id=person.id, role=person.role, teams=teams, behavior_id=behavior_id)
