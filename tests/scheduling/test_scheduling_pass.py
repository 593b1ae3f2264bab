"""Scheduling passes through the fake platform: every prompt once, on time, answered once."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bot.core.messages import render_text
from bot.platforms.fake import FakePlatform
from bot.scheduling.delivery import PermanentDeliveryError, TransientDeliveryError
from bot.scheduling.outbox import LEASE
from bot.store.models import Person, Prompt, Record

# Monday 2026-11-23, 09:00 in Los Angeles.
MONDAY_9_LA = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def prompts(chat: FakePlatform) -> list[Prompt]:
    with chat.sessions() as session:
        return list(session.scalars(select(Prompt).order_by(Prompt.id)))


def records(chat: FakePlatform) -> list[Record]:
    with chat.sessions() as session:
        return list(session.scalars(select(Record).order_by(Record.id)))


@pytest.fixture
def sam(chat: FakePlatform) -> FakePlatform:
    """Sam, a supervisor in Los Angeles, committed to 6.a and 13.d on the default cadence."""
    chat.now = MONDAY_9_LA - timedelta(days=3)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    chat.exchange("U-SUP", "commit 6.a Thank one worker by name")
    chat.exchange("U-SUP", "commit 13.d")
    chat.tick(MONDAY_9_LA - timedelta(days=3))
    return chat


def test_each_commitment_is_prompted_once_at_nine_local(sam: FakePlatform) -> None:
    result = sam.tick(MONDAY_9_LA + timedelta(seconds=20))
    assert result.planned.pending == 2
    assert result.delivered.sent == 2
    deliveries = sam.channel.to("U-SUP")
    assert sorted((d.message.title or "")[-6:] for d in deliveries) == [" (6.a)", "(13.d)"]
    for prompt in prompts(sam):
        assert prompt.status == "sent"
        assert prompt.scheduled_for == MONDAY_9_LA
        assert prompt.platform_message_id is not None
    for later in (1, 2, 30):
        sam.tick(MONDAY_9_LA + timedelta(minutes=later))
    assert len(sam.channel.delivered) == 2


@contextmanager
def commitment_reads(engine: Engine) -> Iterator[list[str]]:
    """The statements that read the commitment table while the block runs."""
    seen: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if re.search(r"\bFROM commitment\b", statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def test_a_pass_with_nothing_due_does_not_read_the_commitments(
    sam: FakePlatform, engine: Engine
) -> None:
    """Most passes (one a minute) fall where no cadence has an occurrence in any leader's
    zone: with 10,000 leaders, reading every open commitment then cost a quarter second."""
    sam.tick(MONDAY_9_LA + timedelta(seconds=20))
    with commitment_reads(engine) as quiet:
        result = sam.tick(MONDAY_9_LA + timedelta(minutes=7))
    assert quiet == []
    assert result.planned.pending == 0
    with commitment_reads(engine) as due:
        result = sam.tick(MONDAY_9_LA + timedelta(weeks=1))
    assert due != []
    assert result.planned.pending == 2


def test_a_prompt_names_the_behavior_the_goal_and_why_it_matters(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    (prompt,) = [d for d in sam.channel.delivered if "(6.a)" in (d.message.title or "")]
    assert prompt.message.text.startswith("Hi Sam Supervisor: ")
    fields = dict(prompt.message.fields)
    assert fields["Your goal"] == "Thank one worker by name"
    assert "Why it matters" in fields
    assert [b.label for b in prompt.message.buttons] == [
        "Done",
        "Partly",
        "Not this week",
        "Snooze",
        "Add a note",
        "Share with implementation team",
        "About 6.a",
    ]


def test_phrasings_rotate_and_never_repeat_twice_in_a_row(sam: FakePlatform) -> None:
    texts = []
    for week in range(4):
        sam.tick(MONDAY_9_LA + timedelta(weeks=week))
    for prompt in prompts(sam):
        if prompt.behavior_id == "6.a":
            texts.append(prompt.text)
    assert len(texts) == 4
    assert all(a != b for a, b in itertools.pairwise(texts))


def test_a_restart_catches_up_inside_the_grace_window_and_records_older_ones_missed(
    sam: FakePlatform,
) -> None:
    sam.tick(MONDAY_9_LA - timedelta(hours=1))
    # The service is down from Monday 08:00 until Tuesday 11:00 Los Angeles time: Monday's
    # prompts are 26 hours old by then, beyond the 12-hour grace window.
    result = sam.tick(MONDAY_9_LA + timedelta(hours=26))
    assert result.planned.missed == 2
    assert sam.channel.delivered == []
    assert {p.status for p in prompts(sam)} == {"missed"}


def test_a_short_outage_is_caught_up_on_start(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA - timedelta(hours=1))
    result = sam.tick(MONDAY_9_LA + timedelta(hours=3))
    assert result.delivered.sent == 2


def test_a_paused_leader_is_skipped_not_prompted(sam: FakePlatform) -> None:
    sam.now = MONDAY_9_LA - timedelta(days=2)
    assert sam.exchange("U-SUP", "pause 2026-11-25").ok
    result = sam.tick(MONDAY_9_LA)
    assert result.planned.skipped == 2
    assert sam.channel.delivered == []
    assert sam.tick(MONDAY_9_LA + timedelta(weeks=1)).delivered.sent == 2


def test_a_prompt_on_a_day_off_waits_for_the_agencys_next_working_day(
    sam: FakePlatform,
) -> None:
    sam.exchange("U-ADMIN", "workdays tue-sat")
    result = sam.tick(MONDAY_9_LA + timedelta(minutes=1))
    assert result.planned.pending == 0
    result = sam.tick(MONDAY_9_LA + timedelta(days=1, minutes=1))
    assert result.delivered.sent == 2
    assert {p.scheduled_for for p in prompts(sam)} == {MONDAY_9_LA + timedelta(days=1)}


def test_a_holiday_moves_the_prompt_to_the_next_working_day(sam: FakePlatform) -> None:
    sam.now = MONDAY_9_LA - timedelta(days=2)
    sam.exchange("U-ADMIN", "holiday add 2026-11-23")
    assert sam.tick(MONDAY_9_LA).delivered.sent == 0
    result = sam.tick(MONDAY_9_LA + timedelta(days=1))
    assert result.delivered.sent == 2
    assert {p.scheduled_for for p in prompts(sam)} == {MONDAY_9_LA + timedelta(days=1)}


def test_quiet_hours_hold_a_prompt_until_they_end(sam: FakePlatform) -> None:
    sam.now = MONDAY_9_LA - timedelta(days=2)
    sam.exchange("U-ADMIN", "quiet 08:00-10:30")
    assert sam.tick(MONDAY_9_LA).delivered.sent == 0
    assert sam.tick(MONDAY_9_LA + timedelta(minutes=90)).delivered.sent == 2


def test_done_records_once_however_often_it_is_pressed(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    prompt = prompts(sam)[0]
    first = sam.press("U-SUP", "answer.done", prompt.id)
    again = sam.press("U-SUP", "answer.done", prompt.id)
    assert first.reply.ok
    assert again.reply.ok
    (record,) = records(sam)
    assert (record.outcome, record.source, record.prompt_id) == ("done", "button", prompt.id)
    assert record.edited_at is None
    assert first.prompt is not None
    assert "Recorded: Done" in first.prompt.text
    assert prompts(sam)[0].status == "answered"


def test_changing_the_answer_edits_the_one_record(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    prompt = prompts(sam)[0]
    sam.press("U-SUP", "answer.done", prompt.id)
    sam.press("U-SUP", "answer.partly", prompt.id)
    (record,) = records(sam)
    assert record.outcome == "partly"
    assert record.edited_at is not None


def test_not_this_week_asks_for_the_barrier_and_free_text_fills_it(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    prompt = prompts(sam)[-1]
    result = sam.press("U-SUP", "answer.not_this_week", prompt.id)
    assert "What got in the way?" in result.reply.text
    assert "Noted as the barrier" in sam.say("U-SUP", "Court hearings all week")
    (record,) = records(sam)
    assert (record.outcome, record.barrier) == ("not_this_week", "Court hearings all week")


def test_free_text_is_the_latest_open_prompts_note_and_the_leader_picks_the_outcome(
    sam: FakePlatform,
) -> None:
    sam.tick(MONDAY_9_LA)
    reply = sam.exchange("U-SUP", "Thanked Jo at huddle for the backlog push")
    assert "How did it go?" in reply.text
    latest = prompts(sam)[-1]
    assert [(b.label, b.value) for b in reply.buttons] == [
        ("Done", str(latest.id)),
        ("Partly", str(latest.id)),
        ("Not this week", str(latest.id)),
    ]
    assert records(sam) == []
    assert "Got it: Partly" in sam.press("U-SUP", "answer.partly", latest.id).reply.text
    (record,) = records(sam)
    assert (record.outcome, record.note, record.prompt_id) == (
        "partly",
        "Thanked Jo at huddle for the backlog push",
        latest.id,
    )


def test_free_text_without_a_prompt_points_to_log(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "I thanked the unit today")
    assert not reply.ok
    assert "log <behavior-id> <text>" in reply.text
    assert records(sam) == []


def test_a_note_and_sharing_wait_for_the_outcome_then_go_on_the_record(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    prompt = prompts(sam)[0]
    noted = sam.press("U-SUP", "note", prompt.id, "Named three wins at the unit meeting")
    assert "How did it go?" in noted.reply.text
    assert noted.prompt is not None
    assert ("Your note (not recorded yet)", "Named three wins at the unit meeting") in (
        noted.prompt.fields
    )
    shared = sam.press("U-SUP", "share", prompt.id)
    assert "I'll share that" in shared.reply.text
    assert records(sam) == []
    done = sam.press("U-SUP", "answer.done", prompt.id)
    assert "Shared with your implementation team" in done.reply.text
    (record,) = records(sam)
    assert (record.outcome, record.note, record.shared) == (
        "done",
        "Named three wins at the unit meeting",
        True,
    )
    (prompt,) = [p for p in prompts(sam) if p.id == prompt.id]
    assert (prompt.draft_note, prompt.draft_shared) == (None, False)


def test_a_note_on_an_answered_prompt_edits_its_record(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    prompt = prompts(sam)[0]
    sam.press("U-SUP", "answer.partly", prompt.id)
    sam.press("U-SUP", "note", prompt.id, "Two of the three wins")
    (record,) = records(sam)
    assert (record.outcome, record.note) == ("partly", "Two of the three wins")


def test_someone_elses_prompt_cannot_be_answered(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    prompt = prompts(sam)[0]
    result = sam.press("U-MGR", "answer.done", prompt.id)
    assert not result.reply.ok
    assert "isn't yours" in result.reply.text
    assert records(sam) == []


@pytest.mark.parametrize(
    ("action", "value"), [("answer.maybe", "1"), ("answer.done", "x1"), ("dance", "1")]
)
def test_malformed_button_payloads_are_refused(sam: FakePlatform, action: str, value: str) -> None:
    sam.tick(MONDAY_9_LA)
    with sam.sessions() as session:
        prompt_id = session.scalars(select(Prompt.id)).first()
    result = sam.press("U-SUP", action, int(prompt_id) if value == "1" else 0)
    assert not result.reply.ok
    assert records(sam) == []


def test_snooze_asks_again_later_once(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    prompt = prompts(sam)[0]
    sam.now = MONDAY_9_LA + timedelta(minutes=5)
    assert "Snoozed" in sam.press("U-SUP", "snooze", prompt.id).reply.text
    sam.tick(MONDAY_9_LA + timedelta(hours=2))
    assert len(sam.channel.delivered) == 2
    sam.tick(MONDAY_9_LA + timedelta(hours=4, minutes=6))
    assert len(sam.channel.delivered) == 3
    assert "A gentle reminder" in sam.channel.delivered[-1].message.text
    sam.tick(MONDAY_9_LA + timedelta(hours=4, minutes=7))
    assert len(sam.channel.delivered) == 3


def test_one_reminder_then_expiry_and_a_late_answer_is_still_recorded(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    assert sam.tick(MONDAY_9_LA + timedelta(hours=24)).delivered.reminded == 2
    assert sam.tick(MONDAY_9_LA + timedelta(hours=30)).delivered.reminded == 0
    assert sam.tick(MONDAY_9_LA + timedelta(hours=48)).delivered.expired == 2
    assert {p.status for p in prompts(sam)} == {"expired"}
    sam.now = MONDAY_9_LA + timedelta(hours=50)
    result = sam.press("U-SUP", "answer.done", prompts(sam)[0].id)
    assert "(late)" in result.reply.text
    (record,) = records(sam)
    assert record.late


def test_a_crash_after_the_claim_is_settled_without_a_double_send(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA - timedelta(minutes=1))
    sam.tick(MONDAY_9_LA)
    # Simulate a process that sent the first prompt and died before marking it sent, and
    # one that died before sending the second.
    with sam.sessions() as session:
        for prompt in session.scalars(select(Prompt)):
            prompt.status, prompt.claimed_at = "sending", MONDAY_9_LA
        session.commit()
    landed = sam.channel.delivered[:1]
    sam.channel.delivered = landed
    # Inside the lease the claims may still be a live process's: left alone.
    result = sam.tick(MONDAY_9_LA + LEASE - timedelta(seconds=5))
    assert (result.delivered.recovered, result.delivered.sent) == (0, 0)
    assert {p.status for p in prompts(sam)} == {"sending"}
    result = sam.tick(MONDAY_9_LA + LEASE + timedelta(seconds=5))
    assert result.delivered.recovered == 2
    assert len(sam.channel.delivered) == 2
    assert len({d.key for d in sam.channel.delivered}) == 2
    assert {p.status for p in prompts(sam)} == {"sent"}


def test_a_rate_limited_send_honors_retry_after(sam: FakePlatform) -> None:
    sam.channel.failures = [TransientDeliveryError("429 rate limited", retry_after=0.3)]
    result = sam.tick(MONDAY_9_LA)
    assert result.delivered.sent == 2
    (first, retry) = [t for t, key in sam.channel.attempts if key == sam.channel.attempts[0][1]]
    assert retry - first >= 0.3


def test_repeated_transient_failures_retry_later_not_in_a_loop(sam: FakePlatform) -> None:
    sam.channel.failures = [TransientDeliveryError("503", retry_after=0)] * 6
    result = sam.tick(MONDAY_9_LA)
    assert result.delivered.retried >= 1
    pending = [p for p in prompts(sam) if p.status == "pending"]
    assert pending
    assert all(p.scheduled_for > MONDAY_9_LA for p in pending)
    later = sam.tick(MONDAY_9_LA + timedelta(minutes=10))
    assert later.delivered.sent == len(pending)


def test_a_permanent_failure_marks_the_leader_undeliverable(sam: FakePlatform) -> None:
    sam.channel.failures = [PermanentDeliveryError("account_inactive")]
    result = sam.tick(MONDAY_9_LA)
    assert result.delivered.failed == 1
    with sam.sessions() as session:
        person = session.scalars(select(Person).filter_by(platform_user_id="U-SUP")).one()
    assert person.undeliverable_reason == "account_inactive"
    (told,) = sam.channel.to("U-ADMIN")
    assert "can't reach Sam Supervisor any more (account_inactive)" in told.message.text
    attempts = len(sam.channel.attempts)
    sam.tick(MONDAY_9_LA + timedelta(weeks=1))
    assert len(sam.channel.attempts) == attempts
    assert sam.channel.to("U-ADMIN") == [told]


def test_enrolling_an_undeliverable_leader_again_resumes_prompts(sam: FakePlatform) -> None:
    sam.channel.failures = [PermanentDeliveryError("account_inactive")]
    sam.tick(MONDAY_9_LA)
    sam.now = MONDAY_9_LA + timedelta(days=1)
    assert sam.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor").ok
    assert sam.tick(MONDAY_9_LA + timedelta(weeks=1)).delivered.sent == 2


def test_digest_send_posts_to_the_team_channel_once(sam: FakePlatform) -> None:
    sam.now = MONDAY_9_LA
    sam.exchange("U-ADMIN", "team add North <#C0NORTH|north-impl>")
    sam.exchange("U-ADMIN", "team members North add <@U-SUP>")
    sam.exchange("U-SUP", "log 6.a Thanked the unit")
    assert sam.exchange("U-ADMIN", "digest send North").ok
    assert sam.tick(MONDAY_9_LA + timedelta(minutes=1)).delivered.digests == 1
    sam.tick(MONDAY_9_LA + timedelta(minutes=2))
    (posted,) = sam.channel.in_channel("C0NORTH")
    assert (posted.message.title or "").startswith("North digest")
    assert "1 of 1 leader took part" in render_text(posted.message)


def test_a_dropped_commitment_is_not_prompted(sam: FakePlatform) -> None:
    sam.now = MONDAY_9_LA - timedelta(days=1)
    sam.exchange("U-SUP", "drop 6.a")
    sam.tick(MONDAY_9_LA)
    assert [p.behavior_id for p in prompts(sam)] == ["13.d"]


def test_send_now_goes_out_on_the_next_pass(sam: FakePlatform) -> None:
    # Saturday 10:00 in Los Angeles, two days before Sam's cadence would prompt him.
    asked = MONDAY_9_LA - timedelta(days=2) + timedelta(hours=1)
    sam.now = asked
    sam.exchange("U-ADMIN", "send-now <@U-SUP> 7.a")
    next_pass = asked + timedelta(seconds=30)
    assert sam.tick(next_pass).delivered.sent == 1
    assert "(7.a)" in (sam.channel.delivered[0].message.title or "")
    (prompt,) = [p for p in prompts(sam) if p.behavior_id == "7.a"]
    assert (prompt.status, prompt.scheduled_for, prompt.sent_at) == ("sent", asked, next_pass)


def test_send_now_uses_a_phrasing_and_rotates_after_the_last(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    scheduled = next(p for p in prompts(sam) if p.behavior_id == "6.a")
    sam.now = MONDAY_9_LA + timedelta(hours=1)
    sam.exchange("U-ADMIN", "send-now <@U-SUP> 6.a")
    extra = prompts(sam)[-1]
    assert extra.text
    assert extra.text != scheduled.text
    assert extra.phrasing == (scheduled.phrasing + 1) % 3
