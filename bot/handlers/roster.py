"""Roster import: enroll many leaders from a CSV file, all or nothing, as the `leader add`
command an admin would type (built from the row's fields, never from text pasted together)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.core.grammar import CommandError, leader_add_from_fields
from bot.handlers.context import Context
from bot.handlers.dispatch import run_command

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
        try:
            command = leader_add_from_fields(
                email=row["email"],
                role=row["role"],
                team=row.get("team") or None,
                timezone=row.get("timezone") or None,
            )
        except CommandError as error:
            problems.append(f"line {line} ({row['email'] or 'no email'}): {error}")
            continue
        reply = run_command(command, ctx)
        if reply.ok:
            enrolled += 1
        else:
            problems.append(f"line {line} ({row['email'] or 'no email'}): {reply.text}")
    return RosterResult(enrolled, problems)
