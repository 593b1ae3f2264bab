"""The supervision chain: whom a leader reports to, and everyone under a leader (directly and
below), each read in one recursive query from the current reporting lines."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from bot.store.models import Person

# Deeper than any agency's chain. Lines that loop (refused when set, but two admins could
# close a loop at the same moment on a database that lets both through) stop here.
MAX_DEPTH = 25


@dataclass(frozen=True)
class Report:
    """Someone under a leader: `depth` 1 reports to them directly, 2 to one of those, …"""

    person_id: int
    manager_id: int
    depth: int


def managers_above(session: Session, person_id: int) -> list[int]:
    """The ids of the leader's manager, their manager, and so on up, nearest first."""
    up = (
        select(Person.manager_id.label("id"), literal(1).label("depth"))
        .where(Person.id == person_id)
        .cte("up", recursive=True)
    )
    up = up.union_all(
        select(Person.manager_id, up.c.depth + 1)
        .join(up, Person.id == up.c.id)
        .where(up.c.depth < MAX_DEPTH)
    )
    query = select(up.c.id).where(up.c.id.is_not(None)).order_by(up.c.depth)
    return list(session.scalars(query))


def people_under(session: Session, manager_id: int) -> list[Report]:
    """Everyone enrolled who reports to the leader directly or through others, each once
    (at their shallowest), in the order of the chain: depth, then id."""
    down = (
        select(Person.id, Person.manager_id, literal(1).label("depth"))
        .where(Person.manager_id == manager_id, Person.is_leader.is_(True))
        .cte("down", recursive=True)
    )
    down = down.union_all(
        select(Person.id, Person.manager_id, down.c.depth + 1)
        .join(down, Person.manager_id == down.c.id)
        .where(Person.is_leader.is_(True), down.c.depth < MAX_DEPTH)
    )
    found: dict[int, Report] = {}
    for person_id, manager, depth in session.execute(
        select(down.c.id, down.c.manager_id, down.c.depth).order_by(down.c.depth, down.c.id)
    ).tuples():
        if person_id != manager_id:
            found.setdefault(person_id, Report(person_id, manager, depth))
    return list(found.values())
