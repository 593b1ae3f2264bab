"""The records export: one row per answer, as CSV or JSON lines, for the CLI, the chat and
the dashboard's download."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import IO, Any

from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.reports.records import record_rows
from bot.reports.scope import Scope

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
    return record_rows(
        session,
        catalog,
        Scope(workspace_id=workspace_id),
        since=datetime.combine(since, time(), tzinfo=UTC) if since is not None else None,
    )


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
