"""The records export: one row per answer, as CSV or JSON lines, for the CLI and the chat."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.store.models import Person, Record, Team, TeamMembership, Workspace

COLUMNS = (
    "recorded_at",
    "leader",
    "role",
    "team",
    "behavior_id",
    "behavior_title",
    "outcome",
    "note",
    "barrier",
    "shared",
    "source",
    "platform",
)


def export_rows(
    session: Session,
    catalog: Catalog,
    *,
    workspace_id: int | None = None,
    since: date | None = None,
) -> Iterator[dict[str, Any]]:
    """Every record (from `since`, in one workspace if given), oldest first."""
    query = (
        select(Record, Person, Workspace.platform)
        .join(Person, Record.person_id == Person.id)
        .join(Workspace, Person.workspace_id == Workspace.id)
        .order_by(Record.created_at, Record.id)
    )
    if workspace_id is not None:
        query = query.where(Person.workspace_id == workspace_id)
    if since is not None:
        query = query.where(Record.created_at >= datetime.combine(since, time(), tzinfo=UTC))
    memberships: dict[int, list[tuple[datetime, datetime | None, str]]] = {}
    for membership, team_name in session.execute(
        select(TeamMembership, Team.name).join(Team, TeamMembership.team_id == Team.id)
    ).tuples():
        memberships.setdefault(membership.person_id, []).append(
            (membership.started_at, membership.ended_at, team_name)
        )
    for record, person, platform in session.execute(query).tuples():
        entry = catalog.find(record.behavior_id)
        teams = [
            name
            for started, ended, name in memberships.get(person.id, [])
            if started <= record.created_at and (ended is None or ended > record.created_at)
        ]
        yield {
            "recorded_at": record.created_at.isoformat(),
            "leader": person.name,
            "role": person.role or "",
            "team": "; ".join(sorted(teams)),
            "behavior_id": record.behavior_id,
            "behavior_title": entry.title if entry else "",
            "outcome": record.outcome,
            "note": record.note or "",
            "barrier": record.barrier or "",
            "shared": record.shared,
            "source": record.source,
            "platform": platform,
        }


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({**row, "shared": "yes" if row["shared"] else "no"})
        count += 1
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_bytes(rows: Iterable[dict[str, Any]]) -> tuple[bytes, int]:
    buffer = io.StringIO()
    count = write_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8"), count
