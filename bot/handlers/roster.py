"""Roster import: enroll or update many leaders from a CSV file, all or nothing, as the
commands an admin would type (built from the row's fields, never from text pasted together):
their role, team and zone, how they are named, whom they report to, the commitments assigned
to them; with `sync`, leaders the file leaves out are no longer enrolled."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.core import commands as c
from bot.core.grammar import (
    CommandError,
    ParseContext,
    leader_add_from_fields,
    parse_behavior_id,
    parse_email,
)
from bot.core.messages import Message
from bot.handlers.context import Context
from bot.handlers.dispatch import run_command
from bot.handlers.people import resolve
from bot.store.models import Commitment, Person

REQUIRED = ("email", "role")
COLUMNS = (*REQUIRED, "team", "timezone", "name", "pronouns", "title", "manager", "commitments")
# Each profile column, the person's attribute it sets, and the longest it may be (what the
# database holds: pronouns are short).
PROFILE = {"name": ("preferred_name", 100), "pronouns": ("pronouns", 64), "title": ("title", 100)}


@dataclass
class RosterResult:
    enrolled: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def grouped_problems(self) -> list[str]:
        """The problems, one line per kind: `lines 4, 9, 12 (a@…, b@…, c@…): There is no
        team called South…` rather than the same words once per row."""
        rows: dict[str, list[str]] = {}
        for problem in self.problems:
            found = re.fullmatch(r"line (\d+) \(([^)]*)\): (.*)", problem, flags=re.DOTALL)
            if found is None:
                rows.setdefault(problem, [])
                continue
            line, who, text = found.groups()
            rows.setdefault(text, []).append(f"{line}\t{who}")
        lines = []
        for text, where in rows.items():
            if not where:
                lines.append(text)
                continue
            numbers = ", ".join(w.split("\t")[0] for w in where)
            people = ", ".join(w.split("\t")[1] for w in where)
            label = "line" if len(where) == 1 else "lines"
            lines.append(f"{label} {numbers} ({people}): {text}")
        return lines


def read_roster(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of a roster CSV (header: email, role, and any of the other COLUMNS)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [f"the header needs the columns {', '.join(missing)} (got {header or 'none'})"]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        return [], [f"unknown columns {', '.join(unknown)}; use {', '.join(COLUMNS)}"]
    rows: list[dict[str, str]] = []
    for line, row in enumerate(reader, start=2):
        if None in row:  # more cells than the header names
            return [], [
                f"line {line} has more cells than the header: put a cell holding commas in "
                'double quotes, like "4.a.vi, 6.a"'
            ]
        cells = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        if any(cells.values()):
            rows.append(cells)
    return rows, []


def import_roster(ctx: Context, rows: list[dict[str, str]], *, sync: bool = False) -> RosterResult:
    """Enroll or update every row, then set managers (a manager may be a later row), then
    assign commitments; with `sync`, stop prompting leaders the file leaves out. The caller
    rolls the whole import back if anything was refused (and for a dry run)."""
    result = RosterResult()
    people: dict[int, Person] = {}
    for line, row in enumerate(rows, start=2):
        where = f"line {line} ({row['email'] or 'no email'})"
        try:
            command = leader_add_from_fields(
                email=row["email"],
                role=row["role"],
                team=row.get("team") or None,
                timezone=row.get("timezone") or None,
            )
        except CommandError as error:
            # The cell's problem, not the chat command's usage line: a file has no command.
            hint = " or ".join(f"`{s}`" for s in error.suggestions)
            result.problems.append(
                f"{where}: {error.problem}" + (f" Did you mean {hint}?" if hint else "")
            )
            continue
        known = ctx.session.scalar(
            select(Person.is_leader).filter_by(
                workspace_id=ctx.workspace.id, email=row["email"].lower()
            )
        )
        if not _ran(run_command(command, ctx), where, result):
            continue
        person = resolve(ctx, command.user)
        people[line] = person
        (result.updated if known else result.enrolled).append(person.email or row["email"])
        for column, (attribute, longest) in PROFILE.items():
            value = row.get(column, "")
            if len(value) > longest:
                result.problems.append(f"{where}: keep {column} under {longest} characters")
            elif value:
                setattr(person, attribute, value)
    for line, row in enumerate(rows, start=2):
        if line in people and row.get("manager"):
            _set_manager(ctx, people[line], row["manager"], f"line {line} ({row['email']})", result)
    for line, row in enumerate(rows, start=2):
        if line in people and row.get("commitments"):
            _assign(ctx, people[line], row["commitments"], f"line {line} ({row['email']})", result)
    if sync and not result.problems:
        listed = {person.id for person in people.values()}
        for person in ctx.session.scalars(
            select(Person)
            .filter_by(workspace_id=ctx.workspace.id, is_leader=True)
            .order_by(Person.email, Person.id)
        ).all():
            if person.id not in listed:
                under = [p.email or p.name for p in people.values() if p.manager_id == person.id]
                if under:
                    result.problems.append(
                        f"{person.email or person.name} is left out of the file but is the "
                        f"manager of {', '.join(under)}: add them to the file, or change the "
                        "manager column"
                    )
                    continue
                reply = run_command(c.LeaderRemove(c.UserRef("id", person.platform_user_id)), ctx)
                if _ran(reply, person.name, result):
                    result.removed.append(person.email or person.name)
    return result


def _ran(reply: Message, where: str, result: RosterResult) -> bool:
    if not reply.ok:
        result.problems.append(f"{where}: {reply.text}")
    return reply.ok


def _set_manager(
    ctx: Context, person: Person, manager: str, where: str, result: RosterResult
) -> None:
    try:
        wanted = parse_email(manager, "a manager cell: an email")
    except CommandError:
        result.problems.append(f"{where}: the manager `{manager}` is not an email address")
        return
    current = ctx.session.get(Person, person.manager_id) if person.manager_id else None
    if current is not None and (current.email or "").lower() == manager.lower():
        return
    command = c.LeaderReportsTo(c.UserRef("id", person.platform_user_id), wanted)
    _ran(run_command(command, ctx), where, result)


_SEPARATORS = re.compile(r"[\s,;]+")


def _assign(ctx: Context, person: Person, cell: str, where: str, result: RosterResult) -> None:
    """The commitments a cell names (`4.a.vi; 6.a`), assigned unless already held."""
    held = set(
        ctx.session.scalars(
            select(Commitment.behavior_id).filter_by(person_id=person.id, ended_at=None)
        )
    )
    parse = ParseContext(catalog=ctx.catalog, today=ctx.today)
    for word in filter(None, _SEPARATORS.split(cell)):
        try:
            behavior_id = parse_behavior_id(word, parse, "a commitments cell: ids like 6.a; 4.a.vi")
        except CommandError as error:
            result.problems.append(f"{where}: {error.problem}")
            continue
        if behavior_id in held:
            continue
        user = c.Scope("user", user=c.UserRef("id", person.platform_user_id))
        if _ran(run_command(c.Commit(behavior_id, None, user), ctx), where, result):
            held.add(behavior_id)
