"""Prompts and answers: what a prompt says, and how a button, a note or free text becomes
an accountability record (one per prompt, editable, marked late after expiry)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import object_session

from bot.core.catalog import Catalog
from bot.core.messages import Button, Message
from bot.handlers.context import Context, Refusal
from bot.store.models import Commitment, Person, Prompt, Record

OUTCOME_LABELS = {"done": "Done", "partly": "Partly", "not_this_week": "Not this week"}
OPEN_STATUSES = ("sent", "snoozed")
ANSWERABLE_STATUSES = ("sent", "snoozed", "answered", "expired", "missed")
DEFAULT_SNOOZE = timedelta(hours=4)


def next_phrasing(count: int, last: int | None) -> int:
    """Rotate through the phrasings so that none is used twice in a row."""
    return 0 if last is None else (last + 1) % count


def choose_phrasing(ctx: Context, person: Person, behavior_id: str) -> tuple[int, str]:
    """The phrasing for this leader's next prompt about a behavior, and its text."""
    phrasings = ctx.catalog.prompts_for(behavior_id, person.role)
    last = ctx.session.scalar(
        select(Prompt.phrasing)
        .filter_by(person_id=person.id, behavior_id=behavior_id)
        .order_by(Prompt.id.desc())
        .limit(1)
    )
    index = next_phrasing(len(phrasings), last)
    return index, phrasings[index]


def prompt_buttons(prompt_id: int) -> tuple[Button, ...]:
    value = str(prompt_id)
    return (
        Button("Done", "answer.done", value, "primary"),
        Button("Partly", "answer.partly", value),
        Button("Not this week", "answer.not_this_week", value),
        Button("Snooze", "snooze", value),
        Button("Add a note", "note", value),
        Button("Share with implementation team", "share", value),
    )


class PromptView(Protocol):
    """What a prompt message needs of a prompt (an ORM row or a selected row)."""

    id: int
    behavior_id: str
    text: str


def prompt_message(
    prompt: PromptView,
    name: str,
    catalog: Catalog,
    *,
    goal: str | None = None,
    reminder: bool = False,
) -> Message:
    """The prompt as the leader sees it: their name, the ask, their goal and why it matters."""
    entry = catalog.find(prompt.behavior_id)
    title = f"{entry.title} ({prompt.behavior_id})" if entry else prompt.behavior_id
    fields: list[tuple[str, str]] = [("Your goal", goal)] if goal else []
    if entry is not None and entry.behavior.why:
        fields.append(("Why it matters", entry.behavior.why))
    opener = "A gentle reminder" if reminder else f"Hi {name}"
    return Message(
        title=title,
        text=f"{opener}: {prompt.text}",
        fields=tuple(fields),
        buttons=prompt_buttons(prompt.id),
    )


def commitment_goal(prompt: Prompt) -> str | None:
    """The goal the leader set for the commitment behind a prompt, if any."""
    session = object_session(prompt)
    if session is None or prompt.commitment_id is None:
        return None
    return session.scalar(select(Commitment.goal).filter_by(id=prompt.commitment_id))


def answered_message(prompt: Prompt, record: Record, person: Person, catalog: Catalog) -> Message:
    """The prompt after an answer: what was recorded, with buttons left to change it."""
    commitment = commitment_goal(prompt)
    base = prompt_message(prompt, person.name, catalog, goal=commitment)
    parts = [f"Recorded: {OUTCOME_LABELS.get(record.outcome, record.outcome)}"]
    if record.late:
        parts.append("(late)")
    fields = list(base.fields)
    if record.note:
        fields.append(("Note", record.note))
    if record.barrier:
        fields.append(("What got in the way", record.barrier))
    if record.shared:
        fields.append(("Shared", "with the implementation team"))
    return Message(
        title=base.title,
        text=f"{prompt.text}\n{' '.join(parts)}. You can change it below.",
        fields=tuple(fields),
        buttons=tuple(b for b in base.buttons if b.action != "snooze"),
    )


def own_prompt(ctx: Context, prompt_id: int) -> Prompt:
    prompt = ctx.session.get(Prompt, prompt_id)
    if prompt is None or prompt.person_id != ctx.caller.id:
        raise Refusal("That prompt isn't yours, or no longer exists.")
    if prompt.status not in ANSWERABLE_STATUSES:
        raise Refusal("That prompt was never sent, so it can't be answered.")
    return prompt


@dataclass(frozen=True)
class AnswerResult:
    """The prompt redrawn after the answer (None when it is unchanged), and a short note
    back to the leader."""

    prompt: Message | None
    reply: Message


def answer(
    ctx: Context,
    prompt: Prompt,
    *,
    outcome: str | None = None,
    note: str | None = None,
    barrier: str | None = None,
    shared: bool | None = None,
    source: str,
) -> AnswerResult:
    """Record (or edit) the one record of this prompt; repeating an answer changes nothing."""
    record = ctx.session.scalar(select(Record).filter_by(prompt_id=prompt.id))
    late = prompt.status in ("expired", "missed")
    if record is None:
        record = Record(
            person_id=ctx.caller.id,
            behavior_id=prompt.behavior_id,
            prompt_id=prompt.id,
            outcome=outcome or "done",
            source=source,
            late=late,
            created_at=ctx.now,
        )
        ctx.session.add(record)
    else:
        changed = (
            (outcome is not None and outcome != record.outcome)
            or (note is not None and note != record.note)
            or (barrier is not None and barrier != record.barrier)
            or (shared is not None and shared != record.shared)
        )
        if outcome is not None:
            record.outcome = outcome
        if changed:
            record.edited_at = ctx.now
    if note is not None:
        record.note = note[:2000]
    if barrier is not None:
        record.barrier = barrier[:2000]
    if shared is not None:
        record.shared = shared
    if prompt.status in OPEN_STATUSES:
        prompt.status = "answered"
    ctx.session.flush()
    if record.outcome == "not_this_week" and not record.barrier:
        reply = Message(
            text="Thanks for being straight about it. What got in the way? "
            "Reply with a few words and I'll note it as a barrier."
        )
    elif shared and record.note:
        reply = Message(text="Shared with your implementation team. Thank you.")
    else:
        label = OUTCOME_LABELS.get(record.outcome, record.outcome)
        reply = Message(
            text=f"Got it: {label} on {prompt.behavior_id}." + (" (late)" if late else "")
        )
    return AnswerResult(answered_message(prompt, record, ctx.caller, ctx.catalog), reply)


def snooze_prompt(ctx: Context, prompt: Prompt, duration: timedelta = DEFAULT_SNOOZE) -> Message:
    if prompt.status not in OPEN_STATUSES:
        raise Refusal("That prompt is already answered or closed, so there is nothing to snooze.")
    prompt.status = "snoozed"
    prompt.snoozed_until = ctx.now + duration
    local = prompt.snoozed_until.astimezone(ctx.zone)
    return Message(text=f"Snoozed {prompt.behavior_id}. I'll ask again {local:%a %d %b at %H:%M}.")


def waiting_prompt(ctx: Context) -> Prompt | None:
    """The prompt free text answers: the latest one still open (sent, snoozed, or expired and
    answerable late), or the latest answer still waiting for its barrier."""
    latest = ctx.session.scalar(
        select(Prompt)
        .where(Prompt.person_id == ctx.caller.id, Prompt.status.in_(ANSWERABLE_STATUSES))
        .order_by(Prompt.sent_at.desc().nulls_last(), Prompt.id.desc())
        .limit(1)
    )
    if latest is not None and latest.status == "answered":
        record = ctx.session.scalar(select(Record).filter_by(prompt_id=latest.id))
        if record is not None and record.outcome == "not_this_week" and not record.barrier:
            return latest
    return ctx.session.scalar(
        select(Prompt)
        .where(
            Prompt.person_id == ctx.caller.id,
            Prompt.status.in_((*OPEN_STATUSES, "expired")),
        )
        .order_by(Prompt.sent_at.desc().nulls_last(), Prompt.id.desc())
        .limit(1)
    )


_NOT = re.compile(r"^(no|not|nope|didn'?t|did not|couldn'?t|skip|missed)\b", re.IGNORECASE)
_PARTLY = re.compile(r"^(partly|partially|some|sort of|kind of|half)\b", re.IGNORECASE)


def answer_free_text(ctx: Context, text: str) -> Message:
    """Free text answers the latest prompt: a barrier if one was asked for, otherwise a note
    with the outcome it reads as (Done unless it says otherwise)."""
    prompt = waiting_prompt(ctx)
    if prompt is None:
        return Message.refusal(
            "I didn't recognise a command there, and you have no prompt waiting. "
            "To record something yourself: `log <behavior-id> <text>`. Type `help` for more."
        )
    record = ctx.session.scalar(select(Record).filter_by(prompt_id=prompt.id))
    if record is not None and record.outcome == "not_this_week" and not record.barrier:
        answer(ctx, prompt, barrier=text, source="free_text")
        return Message(text="Noted as the barrier. Thank you: it shows the team what's in the way.")
    if _NOT.match(text):
        result = answer(ctx, prompt, outcome="not_this_week", barrier=text, source="free_text")
    elif _PARTLY.match(text):
        result = answer(ctx, prompt, outcome="partly", note=text, source="free_text")
    else:
        result = answer(
            ctx, prompt, outcome=record.outcome if record else "done", note=text, source="free_text"
        )
    return result.reply
