"""Leader use cases: browsing behaviors, commitments, logging, history, pauses and profile."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from sqlalchemy import Table, insert, select

from bot.core import commands as c
from bot.core.grammar import BY_NAME, SYNTAX
from bot.core.messages import Message, run_button
from bot.handlers.cadences import describe_moved, effective_cadence, when_prompted
from bot.handlers.context import Context, Reading, Refusal
from bot.handlers.replies import OPEN_STATUSES, snooze_prompt
from bot.store.db import execute_write
from bot.store.models import Commitment, Person, Prompt, Record
from bot.store.prompts import cancel_unsent
from bot.store.retention import plural

OUTCOME_WORDS = {
    "done": "Done",
    "partly": "Partly",
    "not_this_week": "Not this week",
    "skipped": "Skipped",
}
MAX_COMMITMENTS = 12


def require_leader(ctx: Context) -> None:
    if not ctx.caller.is_leader:
        raise Refusal(
            "You aren't enrolled as a leader yet, so there is nothing to track. "
            "Ask an admin to add you (`leader add`)."
        )


def show_help(command: c.Help, ctx: Reading) -> Message:
    if command.topic:
        names = [n for n in BY_NAME if n == command.topic or n.startswith(command.topic + " ")]
        items = tuple(
            f"`{BY_NAME[n].usage}` — {BY_NAME[n].summary}"
            + (" (admins)" if BY_NAME[n].admin else "")
            for n in names
        ) + tuple(
            f"`{s.admin_usage}` — {s.admin_summary} (admins)"
            for n in names
            if (s := BY_NAME[n]).admin_usage
        )
        return Message(text="", title=f"Help: {command.topic}", items=items)
    allowed = [s for s in SYNTAX if not s.admin or ctx.caller.is_admin]
    leader = tuple(f"`{s.usage}` — {s.summary}" for s in allowed if not s.admin)
    admin = tuple(
        f"`{s.admin_usage if not s.admin else s.usage}` — "
        f"{s.admin_summary if not s.admin else s.summary}"
        for s in SYNTAX
        if ctx.caller.is_admin and (s.admin or s.admin_usage)
    )
    intro = f"Hi {ctx.caller.name}. Here is what you can ask me."
    if not ctx.caller.is_leader:
        intro += " (You aren't enrolled as a leader yet: an admin can add you.)"
    items = leader + (("Admin commands:", *admin) if admin else ())
    return Message(text=intro, title="Follow-Through help", items=items)


def list_behaviors(command: c.Behaviors, ctx: Reading) -> Message:
    catalog = ctx.catalog
    if command.role:
        items = tuple(
            f"{e.id} — {e.text}"
            for e in catalog.entries.values()
            if e.role_item is not None and e.role_item.role == command.role
        )
        return Message(
            text=f"What the framework asks of a {command.role} in particular. "
            "Commit with `commit <id>`.",
            title=f"Behaviors for {command.role}s",
            items=items,
        )
    if command.domain:
        domain = next(d for d in catalog.domains if d.id == command.domain)
        items = tuple(
            line
            for behavior in domain.behaviors
            for line in [f"{behavior.id} {behavior.title}"]
            + [f"    {item.id} {item.text}" for item in behavior.items]
        )
        return Message(
            text=domain.title,
            title=f"{domain.name} behaviors",
            items=items,
            buttons=tuple(
                run_button(f"About {b.id}", f"behavior {b.id}") for b in domain.behaviors
            ),
        )
    items = tuple(
        f"{domain.name}: " + "; ".join(f"{b.id} {b.title}" for b in domain.behaviors)
        for domain in catalog.domains
    )
    return Message(
        text="Browse a domain with `behaviors <domain>` or your role's items with "
        "`behaviors <role>`; see one in full with `behavior <id>`; commit with "
        "`commit <id> [your goal]`.",
        title=catalog.framework,
        items=items,
        buttons=tuple(run_button(d.name, f"behaviors {d.name}") for d in catalog.domains),
    )


def behavior_page(command: c.BehaviorPage, ctx: Reading) -> Message:
    """A behavior, item or role item in full: its text and the items under it, then from the
    framework the behavior's impact on staff, the practice it models and supports, its lenses
    and the Stay In principles that go with it."""
    catalog = ctx.catalog
    entry = catalog.entries[command.entry_id]
    behavior = entry.behavior
    if entry.role_item is not None and entry.item is not None:
        title = f"{entry.id} (for a {entry.role_item.role}) {entry.text}"
        text = f"Part of {entry.item.id}: {entry.item.text}"
        items: tuple[str, ...] = ()
    elif entry.item is not None:
        title = f"{entry.id} {entry.text}"
        text = f"Part of behavior {behavior.id}, {behavior.title}."
        items = tuple(f"{r.id} ({r.role}) {r.text}" for r in entry.item.role_items)
    else:
        title = f"{behavior.id} {behavior.title}"
        text = f"From the {entry.domain.name} domain."
        items = tuple(
            line
            for item in behavior.items
            for line in [f"{item.id} {item.text}"]
            + [f"    {r.id} ({r.role}) {r.text}" for r in item.role_items]
        )
    lenses = catalog.lenses_for(behavior.id)
    principles = catalog.stay_in_for(behavior.id)
    fields = [
        ("Impact on staff", behavior.impact),
        ("Models the practice behavior", " ".join(behavior.models_practice)),
        ("Supports", behavior.supports_practice),
        ("Lens", "; ".join(f"{lens.name}: {lens.tagline}" for lens in lenses)),
        ("Stay In", " ".join(f"{p.name}: {p.text}" for p in principles)),
    ]
    return Message(
        text=f"{text} Commit with `commit {entry.id} [your goal]`.",
        title=title,
        fields=tuple((label, value) for label, value in fields if value),
        items=items,
    )


def _active_commitments(ctx: Context) -> list[Commitment]:
    return list(
        ctx.session.scalars(
            select(Commitment)
            .filter_by(person_id=ctx.caller.id, ended_at=None)
            .order_by(Commitment.started_at, Commitment.id)
        )
    )


def list_commitments(command: c.Commitments, ctx: Context) -> Message:
    require_leader(ctx)
    active = _active_commitments(ctx)
    if not active:
        return Message(
            text="You have no commitments yet. Pick one with `behaviors`, then "
            "`commit <id> [your goal]`."
        )
    items = []
    for commitment in active:
        entry = ctx.catalog.find(commitment.behavior_id)
        title = entry.title if entry else "(no longer in the catalog)"
        goal = f" — goal: {commitment.goal}" if commitment.goal else ""
        if commitment.assigned_by_id is not None:
            by = ctx.session.get(Person, commitment.assigned_by_id)
            goal += f" (assigned by {by.name if by else 'an admin'})"
        when = effective_cadence(ctx.session, ctx.caller, commitment.behavior_id).spec
        since = commitment.started_at.astimezone(ctx.zone).date().isoformat()
        items.append(
            f"{commitment.behavior_id} {title}{goal} (since {since}; {describe_moved(when)})"
        )
    return Message(text=f"{ctx.caller.name}, you are working on:", items=tuple(items))


def commit(command: c.Commit, ctx: Context) -> Message:
    require_leader(ctx)
    entry = ctx.catalog.entries[command.behavior_id]
    active = _active_commitments(ctx)
    existing = next((x for x in active if x.behavior_id == command.behavior_id), None)
    if existing is not None:
        if command.goal is None or command.goal == existing.goal:
            raise Refusal(
                f"You're already committed to {entry.id}. To change your goal, "
                f"`commit {entry.id} <new goal>`."
            )
        existing.goal = command.goal
        return Message(text=f"Updated your goal for {entry.id}: {command.goal}")
    if entry.role_item is not None and entry.role_item.role != ctx.caller.role:
        raise Refusal(
            f"{entry.id} is written for {entry.role_item.role}s and you are enrolled as a "
            f"{ctx.caller.role}. Try `behaviors {ctx.caller.role}`."
        )
    if len(active) >= MAX_COMMITMENTS:
        raise Refusal(
            f"You already have {len(active)} commitments; drop one before taking another."
        )
    ctx.session.add(
        Commitment(
            person_id=ctx.caller.id,
            behavior_id=entry.id,
            goal=command.goal,
            started_at=ctx.now,
        )
    )
    spec = effective_cadence(ctx.session, ctx.caller, entry.id).spec
    when = when_prompted(ctx.session, ctx.caller, ctx.workspace, spec, ctx.now)
    goal = f"\nYour goal: {command.goal}" if command.goal else ""
    return Message(
        text=f"Committed to {entry.id}: {entry.title}{goal}\n"
        f"I'll check in {when} ({ctx.caller.timezone}).",
        fields=(("Why it matters", entry.behavior.why),) if entry.behavior.why else (),
    )


def drop(command: c.Drop, ctx: Context) -> Message:
    require_leader(ctx)
    active = _active_commitments(ctx)
    existing = next((x for x in active if x.behavior_id == command.behavior_id), None)
    if existing is None:
        mine = ", ".join(x.behavior_id for x in active) or "none"
        raise Refusal(f"You aren't committed to {command.behavior_id}. Your commitments: {mine}.")
    existing.ended_at = ctx.now
    cancel_unsent(ctx.session, Prompt.commitment_id == existing.id)
    return Message(text=f"Dropped {command.behavior_id}. Your records for it are kept.")


def log(command: c.Log, ctx: Context) -> Message:
    require_leader(ctx)
    entry = ctx.catalog.entries[command.behavior_id]
    # A Core INSERT, not an object through the unit of work: nothing reads the record back, and
    # the ORM's bookkeeping was a sixth of a `log` request's CPU (docs/performance.md).
    execute_write(
        ctx.session,
        insert(cast(Table, Record.__table__)).values(
            person_id=ctx.caller.id,
            behavior_id=entry.id,
            outcome="done",
            note=command.text,
            source="log",
            created_at=ctx.now,
        ),
    )
    return Message(text=f"Logged for {entry.id} ({entry.title}): {command.text}")


def history(command: c.History, ctx: Context) -> Message:
    require_leader(ctx)
    since = ctx.now - timedelta(weeks=command.weeks)
    records = ctx.session.scalars(
        select(Record)
        .where(Record.person_id == ctx.caller.id, Record.created_at >= since)
        .order_by(Record.created_at.desc(), Record.id.desc())
    ).all()
    weeks = "week" if command.weeks == 1 else f"{command.weeks} weeks"
    if not records:
        return Message(text=f"No records in the last {weeks}.")
    items = []
    for record in records:
        day = record.created_at.astimezone(ctx.zone).date().isoformat()
        words = [record.note] if record.note else []
        if record.barrier:
            private = " (kept private)" if record.barrier_private else ""
            words.append(f"in the way: {record.barrier}{private}")
        flags = [f for f, on in (("shared", record.shared), ("late", record.late)) if on]
        items.append(
            f"{day} {record.behavior_id} {OUTCOME_WORDS.get(record.outcome, record.outcome)}"
            + "".join(f" — {w}" for w in words)
            + (f" ({', '.join(flags)})" if flags else "")
        )
    done = sum(1 for r in records if r.outcome in {"done", "partly"})
    return Message(
        text=f"Your last {weeks}: {plural(len(records), 'record')}, {done} done or partly done.",
        title="Your history",
        items=tuple(items),
    )


def pause(command: c.Pause, ctx: Context) -> Message:
    require_leader(ctx)
    ctx.caller.paused_until = command.until
    return Message(
        text=f"Paused. No prompts until {command.until.isoformat()}; `resume` to start sooner."
    )


def resume(command: c.Resume, ctx: Context) -> Message:
    require_leader(ctx)
    if ctx.caller.paused_until is None or ctx.caller.paused_until <= ctx.today:
        raise Refusal("You aren't paused, so prompts are already on.")
    ctx.caller.paused_until = None
    return Message(text="Welcome back. Prompts are on again.")


def snooze(command: c.Snooze, ctx: Context) -> Message:
    require_leader(ctx)
    prompt = ctx.session.scalar(
        select(Prompt)
        .where(Prompt.person_id == ctx.caller.id, Prompt.status.in_(OPEN_STATUSES))
        .order_by(Prompt.scheduled_for.desc(), Prompt.id.desc())
        .limit(1)
    )
    if prompt is None:
        raise Refusal(
            "You have no open prompt to snooze. To stop prompts for a while, use `pause <date>`."
        )
    return snooze_prompt(ctx, prompt, command.duration)


def profile(command: c.Profile, ctx: Context) -> Message:
    person = ctx.caller
    columns = {"name": "preferred_name", "pronouns": "pronouns", "title": "title"}
    for field, value in command.changes:
        setattr(person, columns[field], value or None)
    fields = (
        ("Name", person.preferred_name or f"{person.display_name} (from your account)"),
        ("Pronouns", person.pronouns or "not set"),
        ("Title", person.title or "not set"),
        ("Time zone", person.timezone),
    )
    text = "Saved. " if command.changes else ""
    return Message(text=f"{text}This is how I address you, {person.name}.", fields=fields)


def set_timezone(command: c.SetTimezone, ctx: Context) -> Message:
    ctx.caller.timezone = command.zone
    return Message(text=f"Your time zone is now {command.zone}; prompts follow your local time.")
