"""A leader's home: their commitments (to add and drop), their streak and recent records,
and for admins this week's participation. Slack shows it as App Home."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.core import commands as c
from bot.core.catalog import Catalog
from bot.core.messages import Button, Message, Section
from bot.handlers.context import Context
from bot.handlers.leader import OUTCOME_WORDS
from bot.store.models import Commitment, Person, Prompt, Record
from bot.store.retention import plural

RECENT = 5


def streak(weeks_done: set[date], this_week: date) -> int:
    """Consecutive weeks, back from this one (or last, if this one has nothing yet), with
    something done or partly done."""
    week = this_week if this_week in weeks_done else this_week - timedelta(weeks=1)
    count = 0
    while week in weeks_done:
        count += 1
        week -= timedelta(weeks=1)
    return count


def home_sections(ctx: Context) -> list[Message]:
    sections = [_commitments(ctx)] if ctx.caller.is_leader else [_not_enrolled(ctx)]
    if ctx.caller.is_leader:
        sections.append(_recent(ctx))
    if ctx.caller.is_admin:
        sections.append(_participation(ctx))
    return sections


def home_card(command: c.Home, ctx: Context) -> Message:
    """The home as one message, for platforms without a home tab (Teams, the local chat):
    the same sections, one after another, with all their buttons."""
    sections = home_sections(ctx)
    first, rest = sections[0], sections[1:]
    return Message(
        title=first.title,
        text=first.text,
        items=first.items,
        sections=tuple(
            Section(part.title or "", ((part.text,) if part.text else ()) + part.items)
            for part in rest
        ),
        buttons=tuple(button for section in sections for button in section.buttons),
    )


# What a home button does where there is no home tab to handle it: the command it stands for.
HOME_COMMANDS = {
    "home.drop": "drop {value}",
    "home.add": "behaviors",
    "home.dashboard": "dashboard",
}


def _not_enrolled(ctx: Context) -> Message:
    return Message(
        title=f"Hi {ctx.caller.name}",
        text="You aren't enrolled as a leader yet. An admin can add you with `leader add`.",
    )


def _commitments(ctx: Context) -> Message:
    active = ctx.session.scalars(
        select(Commitment)
        .filter_by(person_id=ctx.caller.id, ended_at=None)
        .order_by(Commitment.started_at, Commitment.id)
    ).all()
    days = ctx.session.scalars(
        select(Record.created_at).where(
            Record.person_id == ctx.caller.id,
            Record.outcome.in_(("done", "partly")),
            Record.created_at >= ctx.now - timedelta(weeks=52),
        )
    ).all()
    weeks = {_monday(moment.astimezone(ctx.zone).date()) for moment in days}
    current = streak(weeks, _monday(ctx.today))
    items = tuple(
        f"{c.behavior_id} {_title(ctx.catalog, c.behavior_id)}"
        + (f" — goal: {c.goal}" if c.goal else "")
        for c in active
    )
    buttons = tuple(Button(f"Drop {c.behavior_id}", "home.drop", c.behavior_id) for c in active)
    weeks_word = "week" if current == 1 else "weeks"
    return Message(
        title=f"Hi {ctx.caller.name}",
        text=(
            f"Your streak: {current} {weeks_word} in a row with something done."
            if current
            else "No streak yet: answer your next prompt to start one."
        )
        + ("\nYou are working on:" if active else "\nYou have no commitments yet."),
        items=items,
        buttons=(*buttons, Button("Add a commitment", "home.add", "", "primary")),
    )


def _recent(ctx: Context) -> Message:
    records = ctx.session.scalars(
        select(Record)
        .filter_by(person_id=ctx.caller.id)
        .order_by(Record.created_at.desc(), Record.id.desc())
        .limit(RECENT)
    ).all()
    if not records:
        return Message(title="Recent records", text="Nothing recorded yet.")
    return Message(
        title="Recent records",
        text="",
        items=tuple(
            f"{r.created_at.astimezone(ctx.zone):%a %d %b} {r.behavior_id} "
            f"{OUTCOME_WORDS.get(r.outcome, r.outcome)}" + (f" — {r.note}" if r.note else "")
            for r in records
        ),
    )


def _participation(ctx: Context) -> Message:
    since = ctx.now - timedelta(days=7)
    leaders = (
        ctx.session.scalar(
            select(func.count())
            .select_from(Person)
            .filter_by(workspace_id=ctx.workspace.id, is_leader=True)
        )
        or 0
    )
    prompted = ctx.session.scalar(
        select(func.count(func.distinct(Prompt.person_id)))
        .join(Person, Prompt.person_id == Person.id)
        .where(Person.workspace_id == ctx.workspace.id, Prompt.sent_at >= since)
    )
    answered = ctx.session.scalar(
        select(func.count(func.distinct(Record.person_id)))
        .join(Person, Record.person_id == Person.id)
        .where(Person.workspace_id == ctx.workspace.id, Record.created_at >= since)
    )
    return Message(
        title="This week (admins)",
        text=f"{answered} of {plural(leaders, 'leader')} recorded something in the last 7 days; "
        f"{prompted} were prompted.",
        buttons=(Button("Open the dashboard", "home.dashboard", ""),),
    )


def commit_choices(catalog: Catalog, role: str | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """What a leader can commit to, by domain: every lettered item, and the role items
    written for their role."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for domain, behavior in catalog.behaviors():
        options = []
        for item in behavior.items:
            options.append((item.id, item.text))
            options += [(r.id, r.text) for r in item.role_items if r.role == role]
        if groups and groups[-1][0] == domain.name:
            groups[-1][1].extend(options)
        else:
            groups.append((domain.name, options))
    return groups


def _title(catalog: Catalog, behavior_id: str) -> str:
    entry = catalog.find(behavior_id)
    return entry.title if entry else "(no longer in the catalog)"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
