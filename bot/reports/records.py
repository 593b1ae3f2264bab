"""The records behind the figures, one row each, for the export and the dashboard's CSV."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.reports.figures import update_ids
from bot.reports.scope import Period, Scope, scoped_records
from bot.store.models import Person, Record, Team, TeamMembership, Workspace, address_name


def record_rows(
    session: Session,
    catalog: Catalog,
    scope: Scope,
    *,
    period: Period | None = None,
    since: datetime | None = None,
    notes: Literal["all", "team"] = "all",
) -> Iterator[dict[str, Any]]:
    """Every record `scope` counts (in `period`, from `since`), oldest first, with the teams
    its leader was in at the time. With `notes="team"` a note is left out unless it
    reaches the implementation team (shared, or an update to the team), and a barrier its
    leader kept private is left out."""
    query = (
        scoped_records(
            scope,
            period,
            Record.person_id,
            Record.created_at,
            Record.behavior_id,
            Record.outcome,
            Record.note,
            Record.barrier,
            Record.barrier_private,
            Record.shared,
            Record.source,
            Person.preferred_name,
            Person.display_name,
            Person.email,
            Person.platform_user_id,
            Person.role,
            Workspace.platform,
        )
        .join(Workspace, Person.workspace_id == Workspace.id)
        .order_by(Record.created_at, Record.id)
    )
    if since is not None:
        query = query.where(Record.created_at >= since)
    teams = _memberships(session, scope)
    for_team = update_ids(catalog) if notes == "team" else frozenset()
    for row in session.execute(query):
        entry = catalog.find(row.behavior_id)
        note = row.note or ""
        if notes == "team" and not (row.shared or row.behavior_id in for_team):
            note = ""
        yield {
            "recorded_at": row.created_at.isoformat(),
            "leader": address_name(
                row.preferred_name, row.display_name, row.email, row.platform_user_id
            ),
            "role": row.role or "",
            "team": "; ".join(
                sorted(
                    name
                    for started, ended, name in teams.get(row.person_id, [])
                    if started <= row.created_at and (ended is None or ended > row.created_at)
                )
            ),
            "behavior_id": row.behavior_id,
            "behavior_title": entry.title if entry else "",
            "outcome": row.outcome,
            "note": note,
            "barrier": "" if notes == "team" and row.barrier_private else row.barrier or "",
            "barrier_private": row.barrier_private,
            "shared": row.shared,
            "source": row.source,
            "platform": row.platform,
        }


def _memberships(
    session: Session, scope: Scope
) -> dict[int, list[tuple[datetime, datetime | None, str]]]:
    query = select(
        TeamMembership.person_id, TeamMembership.started_at, TeamMembership.ended_at, Team.name
    ).join(Team, TeamMembership.team_id == Team.id)
    if scope.workspace_id is not None:
        query = query.where(Team.workspace_id == scope.workspace_id)
    found: dict[int, list[tuple[datetime, datetime | None, str]]] = defaultdict(list)
    for person_id, started, ended, name in session.execute(query).tuples():
        found[person_id].append((started, ended, name))
    return found
