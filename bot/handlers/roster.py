"""Roster import: enroll many leaders from a CSV file, all or nothing, through the same
`leader add` (and `team members`) commands an admin would type."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.core.messages import Message
from bot.handlers.context import Context
from bot.handlers.dispatch import handle_text

COLUMNS = ("email", "role", "team", "timezone")


@dataclass(frozen=True)
class RosterResult:
    enrolled: int
    problems: list[str]


def read_roster(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of a roster CSV (header: email, role, and optionally team, timezone)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("email", "role") if name not in header]
    if missing:
        return [], [f"the header needs the columns {', '.join(missing)} (got {header or 'none'})"]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        return [], [f"unknown columns {', '.join(unknown)}; use {', '.join(COLUMNS)}"]
    rows = [
        {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        for row in reader
    ]
    return [row for row in rows if any(row.values())], []


def import_roster(ctx: Context, rows: list[dict[str, str]]) -> RosterResult:
    """Enroll every row; the caller rolls the whole import back if any row is refused."""
    problems: list[str] = []
    enrolled = 0
    for line, row in enumerate(rows, start=2):
        command = f"leader add {row['email']} role={row['role']}"
        if row.get("team"):
            command += f' team="{row["team"]}"'
        if row.get("timezone"):
            command += f" tz={row['timezone']}"
        reply: Message = handle_text(command, ctx)
        if reply.ok:
            enrolled += 1
        else:
            problems.append(f"line {line} ({row['email'] or 'no email'}): {reply.text}")
    return RosterResult(enrolled, problems)
