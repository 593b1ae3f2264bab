"""Answers to prompts: how a button, a note or free text becomes an accountability record
(one per prompt, editable, marked late after expiry), and the prompt redrawn to show it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, object_session

from bot.core.catalog import Catalog
from bot.core.lifecycle import PromptTimes
from bot.core.messages import Button, Message
from bot.core.prompts import next_phrasing, prompt_buttons, prompt_message, read_barrier
from bot.core.states import PromptStatus
from bot.handlers.context import Context, Refusal
from bot.metrics import count_answer
from bot.store.models import Commitment, Person, Prompt, Record, Workspace

OUTCOME_LABELS = {"done": "Done", "partly": "Partly", "not_this_week": "Not this week"}
ANSWER = "answer."  # an answer button's action: answer.done, answer.partly, …
OPEN_STATUSES = (PromptStatus.SENT, PromptStatus.SNOOZED)
ANSWERABLE_STATUSES = (
    PromptStatus.SENT,
    PromptStatus.SNOOZED,
    PromptStatus.ANSWERED,
    PromptStatus.EXPIRED,
    PromptStatus.MISSED,
)
DEFAULT_SNOOZE = timedelta(hours=4)


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


def commitment_goal(prompt: Prompt) -> str | None:
    """The goal the leader set for the commitment behind a prompt, if any."""
    session = object_session(prompt)
    if session is None or prompt.commitment_id is None:
        return None
    return session.scalar(select(Commitment.goal).filter_by(id=prompt.commitment_id))


def redrawn_prompt(
    prompt: Prompt,
    person: Person,
    catalog: Catalog,
    *,
    status: str,
    extra: list[tuple[str, str | None]],
    snooze: bool,
    outcome: str | None = None,
) -> Message:
    """The prompt as it now stands: its title, goal and why, a status line, the fields that
    have values among `extra`, and its buttons (Snooze only while it is unanswered; the
    answer given, `outcome`, chosen and the one in the primary style)."""
    base = prompt_message(prompt, person.name, catalog, goal=commitment_goal(prompt))
    buttons = tuple(b for b in base.buttons if snooze or b.action != "snooze")
    if outcome is not None:
        buttons = tuple(_as_chosen(b, b.action == ANSWER + outcome) for b in buttons)
    return Message(
        title=base.title,
        text=f"{prompt.text}\n{status}",
        fields=base.fields + tuple((label, value) for label, value in extra if value),
        buttons=buttons,
    )


def _as_chosen(button: Button, chosen: bool) -> Button:
    """An answer button as the chosen one (primary) or not (default); other buttons as they
    are."""
    if not button.action.startswith(ANSWER):
        return button
    return replace(button, chosen=chosen, style="primary" if chosen else "default")


def answered_message(prompt: Prompt, record: Record, person: Person, catalog: Catalog) -> Message:
    """The prompt after an answer: what was recorded, with buttons left to change it."""
    late = " (late)" if record.late else ""
    return redrawn_prompt(
        prompt,
        person,
        catalog,
        status=f"Recorded: {OUTCOME_LABELS.get(record.outcome, record.outcome)}{late}. "
        "You can change it below.",
        extra=[
            ("Note", record.note),
            (
                "What got in the way",
                f"{record.barrier} (private: not shown to your manager or team)"
                if record.barrier and record.barrier_private
                else record.barrier,
            ),
            ("Shared", "with the implementation team" if record.shared else None),
        ],
        snooze=False,
        outcome=record.outcome,
    )


def snooze_pressed(ctx: Context, prompt: Prompt) -> AnswerResult:
    """The Snooze button: the prompt snoozed, and redrawn to say when it comes back, its
    buttons kept to answer now."""
    reply = snooze_prompt(ctx, prompt)
    card = redrawn_prompt(
        prompt,
        ctx.caller,
        ctx.catalog,
        status=f"Snoozed: I'll ask again {_back(ctx, prompt)}. You can answer now too.",
        extra=[],
        snooze=False,
    )
    return AnswerResult(card, reply)


def own_prompt(ctx: Context, prompt_id: int) -> Prompt:
    """The caller's prompt, locked for this transaction: two presses in quick succession take
    turns, so the second edits the record the first made instead of making another."""
    prompt = ctx.session.get(Prompt, prompt_id, with_for_update=True)
    if prompt is None or prompt.person_id != ctx.caller.id:
        raise Refusal("That prompt isn't yours, or no longer exists.")
    if prompt.status not in ANSWERABLE_STATUSES:
        raise Refusal("That prompt was never sent, so it can't be answered.")
    return prompt


@dataclass(frozen=True)
class AnswerResult:
    """The prompt redrawn after the answer (None when it is unchanged), a short note back to
    the leader, and the platform's id of the message the prompt was sent as (where the redraw
    belongs, when the button pressed was on another message)."""

    prompt: Message | None
    reply: Message
    posted_as: str | None = None


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
    late = prompt.status in (PromptStatus.EXPIRED, PromptStatus.MISSED) or (
        prompt.status in OPEN_STATUSES and not prompt_times(prompt, ctx.workspace).is_open(ctx.now)
    )
    if record is None:
        if outcome is None:
            raise Refusal("Pick Done, Partly or Not this week first.")
        # What the leader wrote before choosing: the barrier of a "Not this week", else the note.
        if note is None and barrier is None and prompt.draft_note:
            if outcome == "not_this_week":
                barrier = prompt.draft_note
            else:
                note = prompt.draft_note
        if shared is None and prompt.draft_shared:
            shared = True
        prompt.draft_note, prompt.draft_shared = None, False
        record = Record(
            person_id=ctx.caller.id,
            behavior_id=prompt.behavior_id,
            prompt_id=prompt.id,
            outcome=outcome,
            source=source,
            late=late,
            created_at=ctx.now,
        )
        ctx.session.add(record)
        _count_when_kept(ctx.session, record, prompt)
    else:
        changed = (
            (outcome is not None and outcome != record.outcome)
            or (note is not None and note != record.note)
            or (barrier is not None and read_barrier(barrier) != _barrier_of(record))
            or (shared is not None and shared != record.shared)
        )
        if outcome is not None:
            record.outcome = outcome
        if changed:
            record.edited_at = ctx.now
    if note is not None:
        record.note = note[:2000]
    if barrier is not None:
        text, private = read_barrier(barrier)
        written = (text[:2000] or None), private
        if written[0] is not None and written != (record.barrier, record.barrier_private):
            record.barrier_at = ctx.now
        record.barrier, record.barrier_private = written
    if shared is not None:
        record.shared = shared
    if prompt.status in OPEN_STATUSES:
        prompt.status = PromptStatus.ANSWERED
    ctx.session.flush()
    return AnswerResult(
        answered_message(prompt, record, ctx.caller, ctx.catalog),
        _answer_reply(prompt, record, shared=bool(shared), late=late),
    )


def _barrier_of(record: Record) -> tuple[str, bool]:
    return record.barrier or "", record.barrier_private


def _count_when_kept(session: Session, record: Record, prompt: Prompt) -> None:
    """Count the answer once its record is committed: a transaction rolled back made none
    (and a second press finds this record, locked behind the first, and edits it). What is
    counted is read now: a commit expires the objects."""
    outcome, sent_at, recorded_at = record.outcome, prompt.sent_at, record.created_at

    def kept(_: Session) -> None:
        count_answer(outcome, sent_at, recorded_at)

    event.listen(session, "after_commit", kept, once=True)


def _answer_reply(prompt: Prompt, record: Record, *, shared: bool, late: bool) -> Message:
    """The note back to the leader: asking what got in the way of a "Not this week" that
    doesn't say, thanks for a shared note, otherwise what was recorded."""
    if record.outcome == "not_this_week" and not record.barrier:
        return Message(
            text="Thanks for being straight about it. What got in the way? "
            "Reply with a few words and I'll note it as a barrier."
        )
    if shared and record.note:
        return Message(text="Shared with your implementation team. Thank you.")
    label = OUTCOME_LABELS.get(record.outcome, record.outcome)
    return Message(text=f"Got it: {label} on {prompt.behavior_id}." + (" (late)" if late else ""))


def snooze_prompt(ctx: Context, prompt: Prompt, duration: timedelta | None = None) -> Message:
    """Ask again later: after `duration`, or the workspace's snooze length."""
    if duration is None:
        minutes = ctx.workspace.snooze_minutes
        duration = timedelta(minutes=minutes) if minutes else DEFAULT_SNOOZE
    if prompt.status not in OPEN_STATUSES:
        raise Refusal("That prompt is already answered or closed, so there is nothing to snooze.")
    if not prompt_times(prompt, ctx.workspace).is_open(ctx.now):
        raise Refusal(
            "That prompt has expired, so there is nothing to snooze; you can still answer it."
        )
    prompt.status, prompt.snoozed_until = PromptStatus.SNOOZED, ctx.now + duration
    return Message(text=f"Snoozed {prompt.behavior_id}. I'll ask again {_back(ctx, prompt)}.")


def _back(ctx: Context, prompt: Prompt) -> str:
    """When a snoozed prompt comes back, in the caller's zone."""
    assert prompt.snoozed_until is not None
    return f"{prompt.snoozed_until.astimezone(ctx.zone):%a %d %b at %H:%M}"


def prompt_times(prompt: Prompt, workspace: Workspace) -> PromptTimes:
    return PromptTimes(
        sent_at=prompt.sent_at,
        reminded_at=prompt.reminded_at,
        snoozed_until=prompt.snoozed_until,
        reminder_hours=workspace.reminder_hours,
        expiry_hours=workspace.expiry_hours,
    )


def open_prompt(ctx: Context) -> Prompt | None:
    """The most recent open prompt: sent (or snoozed), unanswered, and not past its expiry,
    whether or not a scheduling pass has marked it expired yet."""
    latest = ctx.session.scalars(
        select(Prompt)
        .where(Prompt.person_id == ctx.caller.id, Prompt.status.in_(OPEN_STATUSES))
        .order_by(Prompt.sent_at.desc().nulls_last(), Prompt.id.desc())
        .limit(5)
    )
    return next((p for p in latest if prompt_times(p, ctx.workspace).is_open(ctx.now)), None)


def awaiting_barrier(ctx: Context) -> Prompt | None:
    """The prompt just answered "Not this week" without saying what got in the way, while it
    would still be open: the bot asked, so the next words are the barrier."""
    record = ctx.session.scalar(
        select(Record)
        .where(Record.person_id == ctx.caller.id, Record.prompt_id.is_not(None))
        .order_by(func.coalesce(Record.edited_at, Record.created_at).desc(), Record.id.desc())
        .limit(1)
    )
    if record is None or record.outcome != "not_this_week" or record.barrier:
        return None
    prompt = ctx.session.get(Prompt, record.prompt_id)
    if prompt is None or prompt.status != PromptStatus.ANSWERED:
        return None
    return prompt if prompt_times(prompt, ctx.workspace).is_open(ctx.now) else None


def outcome_buttons(prompt_id: int) -> tuple[Button, ...]:
    return tuple(b for b in prompt_buttons(prompt_id) if b.action.startswith("answer."))


def keep_draft(
    ctx: Context, prompt: Prompt, *, note: str | None = None, shared: bool | None = None
) -> AnswerResult:
    """A note (or a wish to share) for a prompt not answered yet: kept on the prompt, not
    recorded, until the leader picks the outcome. Nothing here assumes one."""
    if note:
        prompt.draft_note = note[:2000]
    if shared is not None:
        prompt.draft_shared = shared
    card = redrawn_prompt(
        prompt,
        ctx.caller,
        ctx.catalog,
        status="How did it go? Pick Done, Partly or Not this week to record it.",
        extra=[
            ("Your note (not recorded yet)", prompt.draft_note),
            (
                "Shared",
                "with the implementation team, once you record it" if prompt.draft_shared else None,
            ),
        ],
        snooze=True,
    )
    kept = "I'll share that" if prompt.draft_shared else "I've kept that as your note"
    reply = Message(
        text=f"{kept} on {prompt.behavior_id}. How did it go? Pick one to record it:",
        buttons=outcome_buttons(prompt.id),
    )
    return AnswerResult(card, reply)


def add_to_answer(
    ctx: Context, prompt: Prompt, *, note: str | None, shared: bool | None, source: str
) -> AnswerResult:
    """Add a note, or share: on an answered prompt it edits the record; on one not answered
    yet it is kept until the leader picks the outcome."""
    if ctx.session.scalar(select(Record.id).filter_by(prompt_id=prompt.id)) is None:
        return keep_draft(ctx, prompt, note=note, shared=shared)
    return answer(ctx, prompt, note=note, shared=shared, source=source)


def take_free_text(ctx: Context, text: str) -> Message:
    """Free text in a direct conversation that is not a command: the barrier the bot just
    asked for, or else a note on the most recent open prompt (the outcome is left for the
    leader to pick). Never an answer by itself, and never on an expired prompt."""
    prompt = awaiting_barrier(ctx)
    if prompt is not None:
        answer(ctx, prompt, barrier=text, source="free_text")
        if read_barrier(text)[1]:
            return Message(
                text="Noted as the barrier, kept private: not shown to your manager or team."
            )
        return Message(
            text="Noted as the barrier. Thank you: it shows your manager and the team what's "
            "in the way. (Start it with private: to keep one to yourself.)"
        )
    prompt = open_prompt(ctx)
    if prompt is None:
        raise Refusal(
            "I didn't recognise a command there, and you have no open prompt to add it to. "
            "To record something yourself: `log <behavior-id> <text>`. Type `help` for more."
        )
    return keep_draft(ctx, prompt, note=text).reply
