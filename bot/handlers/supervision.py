"""Supervision up the chain: a leader's view of the people who report to them, directly and
below (their commitments, this week's answers, streaks and barriers), so that they can help.
Notes reach a manager only where they would reach the implementation team."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core import commands as c
from bot.core.messages import Message
from bot.handlers.context import Context, Refusal
from bot.handlers.home import streak
from bot.handlers.leader import OUTCOME_WORDS, require_leader
from bot.reports.chain import Report, people_under
from bot.reports.digest import week_of
from bot.reports.figures import update_ids
from bot.reports.summary import record_ids
from bot.store.db import insert_ignoring_conflicts
from bot.store.models import BarrierSummary, Commitment, Person, Record, Support
from bot.store.retention import plural

# The most people one chat reply lists; the dashboard shows everyone.
SHOWN = 60
# How far back barriers are shown: long enough to still be worth a follow-up.
BARRIER_WEEKS = 4
NOTE_LENGTH = 160


def _monday(day: date) -> date:
    return week_of(day)[0]


def _in_chain_order(reports: list[Report], top: int, names: dict[int, str]) -> list[Report]:
    """Each person followed by the people under them, names alphabetical at every level."""
    by_manager: dict[int, list[Report]] = defaultdict(list)
    for report in sorted(reports, key=lambda r: (names[r.person_id].casefold(), r.person_id)):
        by_manager[report.manager_id].append(report)
    ordered: list[Report] = []

    def visit(manager_id: int) -> None:
        for report in by_manager.pop(manager_id, []):
            ordered.append(report)
            visit(report.person_id)

    visit(top)
    return ordered


def reports(command: c.Reports, ctx: Context) -> Message:
    require_leader(ctx)
    found = people_under(ctx.session, ctx.caller.id)
    if not found:
        raise Refusal(
            "Nobody reports to you in Follow-Through yet. An admin sets reporting lines with "
            "`leader reports-to <user> <manager>`."
        )
    ids = [report.person_id for report in found]
    people = {p.id: p for p in ctx.session.scalars(select(Person).where(Person.id.in_(ids)))}
    names = {**{pid: p.name for pid, p in people.items()}, ctx.caller.id: ctx.caller.name}
    ordered = _in_chain_order(found, ctx.caller.id, names)
    week_start = _monday(ctx.today)
    since = datetime.combine(week_start, time(), tzinfo=ctx.zone)
    commitments: dict[int, list[str]] = defaultdict(list)
    for person_id, behavior_id in ctx.session.execute(
        select(Commitment.person_id, Commitment.behavior_id)
        .where(Commitment.person_id.in_(ids), Commitment.ended_at.is_(None))
        .order_by(Commitment.started_at, Commitment.id)
    ).tuples():
        commitments[person_id].append(behavior_id)
    practiced: dict[int, set[date]] = defaultdict(set)
    for person_id, at in ctx.session.execute(
        select(Record.person_id, Record.created_at).where(
            Record.person_id.in_(ids),
            Record.outcome.in_(("done", "partly")),
            Record.created_at >= since - timedelta(weeks=52),
        )
    ).tuples():
        practiced[person_id].add(
            _monday(at.astimezone(ZoneInfo(people[person_id].timezone)).date())
        )
    for_team = update_ids(ctx.catalog)
    followed = set(
        ctx.session.scalars(
            select(Support.record_id)
            .join(Record, Support.record_id == Record.id)
            .where(
                Record.person_id.in_(ids),
                Record.created_at >= since - timedelta(weeks=BARRIER_WEEKS - 1),
            )
        )
    )
    this_week: dict[int, list[str]] = defaultdict(list)
    barriers: dict[int, list[str]] = defaultdict(list)
    for record in ctx.session.scalars(
        select(Record)
        .where(
            Record.person_id.in_(ids),
            Record.created_at >= since - timedelta(weeks=BARRIER_WEEKS - 1),
        )
        .order_by(Record.created_at, Record.id)
    ):
        day = record.created_at.astimezone(ctx.zone)
        if record.barrier and not record.barrier_private:
            done = ", followed up" if record.id in followed else ""
            barriers[record.person_id].append(
                f"{record.barrier} ({day:%a %d %b}, {record.behavior_id}{done})"
            )
        if record.created_at < since or record.outcome == "skipped":
            continue
        answer = f"{record.behavior_id} {OUTCOME_WORDS[record.outcome].lower()}"
        if record.note and (record.shared or record.behavior_id in for_team):
            answer += f" (“{_short(record.note)}”)"
        this_week[record.person_id].append(answer)
    items = []
    for report in ordered[:SHOWN]:
        person = people[report.person_id]
        via = f", via {names[report.manager_id]}" if report.depth > 1 else ""
        parts = [
            f"{person.listed_name} — {person.role}{via}",
            "working on " + ", ".join(commitments[person.id])
            if commitments[person.id]
            else "no commitments",
            "this week: " + "; ".join(_counted(this_week[person.id]))
            if this_week[person.id]
            else "nothing recorded this week",
        ]
        run = streak(
            practiced[person.id], _monday(ctx.now.astimezone(ZoneInfo(person.timezone)).date())
        )
        if run:
            parts.append(f"{plural(run, 'week')} in a row")
        if person.paused_until and person.paused_until > ctx.today:
            parts.append(f"paused until {person.paused_until.isoformat()}")
        if barriers[person.id]:
            parts.append("in the way: " + "; ".join(barriers[person.id]))
        items.append(" · ".join(parts))
    if len(ordered) > SHOWN:
        items.append(f"and {len(ordered) - SHOWN} more: `dashboard` shows everyone")
    direct = sum(1 for report in ordered if report.depth == 1)
    below = len(ordered) - direct
    text = f"{plural(direct, 'person reports', 'people report')} to you"
    if below:
        text += f", and {plural(below, 'more person', 'more people')} below them"
    return Message(
        title="Your reports",
        text=f"{text}. This week is from {week_start:%a %d %b}; barriers from the last "
        f"{BARRIER_WEEKS} weeks. Notes show only where they were shared.",
        items=tuple(items),
    )


def _counted(answers: list[str]) -> list[str]:
    """The same answer given more than once said once, with how often (`6.a done, twice`)."""
    counts = Counter(answers)
    times = {1: "", 2: ", twice"}
    return [f"{answer}{times.get(n, f', {n} times')}" for answer, n in counts.items()]


def _short(note: str) -> str:
    note = " ".join(note.split())
    return note if len(note) <= NOTE_LENGTH else note[: NOTE_LENGTH - 1].rstrip() + "…"


def follow_up(ctx: Context, value: str) -> Message:
    """Follow up pressed on a weekly summary (`value` is `<summary>.<theme>`): a support
    record for each barrier of that theme, once each, by the manager the summary went to."""
    summary_id, dot, theme = value.partition(".")
    if not (dot and summary_id.isdigit() and theme.isdigit()) or len(value) > 20:
        raise Refusal("That button doesn't point at a summary.")
    summary = ctx.session.get(BarrierSummary, int(summary_id))
    if summary is None or summary.person_id != ctx.caller.id:
        raise Refusal("That summary isn't yours, or no longer exists.")
    wanted = record_ids(summary.body, int(theme))
    # Barriers forgotten or purged since the summary went out are not followed up.
    found = list(
        ctx.session.execute(
            select(Record.id, Person)
            .join(Person, Record.person_id == Person.id)
            .where(Record.id.in_(wanted))
        ).tuples()
    )
    if not found:
        raise Refusal("Those barriers are no longer on record, so there is nothing to note.")
    already = set(
        ctx.session.scalars(
            select(Support.record_id).where(
                Support.manager_id == ctx.caller.id, Support.record_id.in_(wanted)
            )
        )
    )
    new = [record_id for record_id, _ in found if record_id not in already]
    insert_ignoring_conflicts(
        ctx.session,
        Support,
        [{"record_id": r, "manager_id": ctx.caller.id, "created_at": ctx.now} for r in new],
        ["record_id", "manager_id"],
    )
    names = sorted({person.name for _, person in found}, key=str.casefold)
    theme_name = summary.body["themes"][int(theme)]["theme"]
    if not new:
        return Message(text=f"You had already followed up on {theme_name} for {', '.join(names)}.")
    return Message(
        text=f"Noted: you followed up on {plural(len(new), 'barrier')} ({theme_name}) for "
        f"{', '.join(names)}. Thank you for helping clear the way; `reports` shows it."
    )
