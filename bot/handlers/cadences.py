"""Which cadence applies to a leader's commitment: user > behavior > team > role > default."""

from __future__ import annotations

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


def effective_cadence(
    session: Session, person: Person, behavior_id: str | None = None
) -> EffectiveCadence:
    rules = {
        (rule.scope_kind, rule.scope_value): rule
        for rule in session.scalars(select(CadenceRule).filter_by(workspace_id=person.workspace_id))
    }
    candidates: list[tuple[str, str]] = [("user", str(person.id))]
    if behavior_id:
        candidates += [("behavior", b) for b in behavior_ancestors(behavior_id)]
    candidates += [("team", team.name.lower()) for team in current_teams(session, person)]
    if person.role:
        candidates.append(("role", person.role))
    candidates.append(("default", ""))
    for kind, value in candidates:
        rule = rules.get((kind, value))
        if rule is not None:
            label = "their own" if kind == "user" else f"{kind}:{value}" if value else kind
            return EffectiveCadence(parse_cadence(rule.spec), label)
    return EffectiveCadence(parse_cadence(DEFAULT_CADENCE), "built-in default")
