"""Free text in a direct conversation: a note on an open prompt (the leader then picks the
outcome), or a command with its own answer; never a record nobody meant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.platforms.fake import FakePlatform
from bot.store.models import Prompt, Record

# Monday 2026-11-23, 09:00 in Los Angeles (the fake platform's clock; nothing reads the wall).
MONDAY_9_LA = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
TYPOS = ["comit 6.a", "history abc", "timezone Mars/Base", "hello there", "6.a went fine"]


@pytest.fixture
def sam(chat: FakePlatform) -> FakePlatform:
    """Sam, a supervisor committed to 6.a, prompted Monday 09:00 (reminders after 24 hours)."""
    chat.now = MONDAY_9_LA - timedelta(days=3)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    chat.exchange("U-ADMIN", "team add North #north")
    chat.exchange("U-ADMIN", "team members North add <@U-SUP>")
    chat.exchange("U-SUP", "commit 6.a")
    chat.tick(chat.now)
    chat.tick(MONDAY_9_LA)
    chat.now = MONDAY_9_LA + timedelta(minutes=5)
    return chat


def records(chat: FakePlatform) -> list[Record]:
    with chat.sessions() as session:
        return list(session.scalars(select(Record)))


def the_prompt(chat: FakePlatform) -> Prompt:
    with chat.sessions() as session:
        return session.scalars(select(Prompt)).one()


@pytest.mark.parametrize("text", TYPOS)
def test_typos_after_the_prompt_expired_create_no_record(sam: FakePlatform, text: str) -> None:
    sam.tick(MONDAY_9_LA + timedelta(days=3))
    assert the_prompt(sam).status == "expired"
    sam.now = MONDAY_9_LA + timedelta(days=20)
    reply = sam.exchange("U-SUP", text)
    assert not reply.ok
    assert "Got it" not in reply.text
    assert records(sam) == []
    assert the_prompt(sam).draft_note is None


@pytest.mark.parametrize("text", TYPOS)
def test_a_prompt_past_its_expiry_takes_no_text_even_before_a_pass_marks_it(
    sam: FakePlatform, text: str
) -> None:
    sam.now = MONDAY_9_LA + timedelta(days=9)  # the service was down: still "sent"
    assert the_prompt(sam).status == "sent"
    reply = sam.exchange("U-SUP", text)
    assert not reply.ok
    assert records(sam) == []
    assert the_prompt(sam).draft_note is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("comit 6.a", "commit"),
        ("history abc", "history"),
        ("timezone Mars/Base", "Mars/Base"),
        ("6.a went fine", "I don't know the command `6.a`"),
    ],
)
def test_text_that_looks_like_a_command_gets_the_commands_error_not_a_note(
    sam: FakePlatform, text: str, expected: str
) -> None:
    reply = sam.exchange("U-SUP", text)
    assert not reply.ok
    assert expected in reply.text
    assert "Add a note" in reply.text  # how to make it a note, since a prompt is open
    assert records(sam) == []
    assert the_prompt(sam).draft_note is None


def test_a_well_formed_command_runs_even_with_a_prompt_open(sam: FakePlatform) -> None:
    assert "6.a" in sam.say("U-SUP", "commitments")
    reply = sam.exchange("U-ADMIN", "digest preview CPM Implementation")
    assert not reply.ok
    assert "quote it if it has spaces" in reply.text
    assert records(sam) == []


def test_prose_on_an_open_prompt_is_its_note_and_no_outcome_is_assumed(
    sam: FakePlatform,
) -> None:
    reply = sam.exchange("U-SUP", "hello there")
    assert reply.ok
    assert "How did it go?" in reply.text
    assert records(sam) == []
    prompt = the_prompt(sam)
    assert (prompt.status, prompt.draft_note) == ("sent", "hello there")
    # The digest only ever shows what a leader recorded.
    assert "hello there" not in sam.say("U-ADMIN", "digest preview North")


def test_not_this_week_after_a_note_takes_the_note_as_what_got_in_the_way(
    sam: FakePlatform,
) -> None:
    sam.exchange("U-SUP", "Court hearings all week")
    result = sam.press("U-SUP", "answer.not_this_week", the_prompt(sam).id)
    assert result.reply.ok
    (record,) = records(sam)
    assert (record.outcome, record.barrier, record.note) == (
        "not_this_week",
        "Court hearings all week",
        None,
    )


def test_add_a_note_on_an_unanswered_prompt_asks_for_the_outcome(sam: FakePlatform) -> None:
    result = sam.press("U-SUP", "note", the_prompt(sam).id, "Thanked the intake unit")
    assert "How did it go?" in result.reply.text
    assert {b.action for b in result.reply.buttons} == {
        "answer.done",
        "answer.partly",
        "answer.not_this_week",
    }
    assert records(sam) == []
    assert the_prompt(sam).status == "sent"


def test_share_on_an_unanswered_prompt_records_nothing_until_the_outcome(
    sam: FakePlatform,
) -> None:
    sam.press("U-SUP", "share", the_prompt(sam).id, "Named three wins")
    assert records(sam) == []
    sam.press("U-SUP", "answer.partly", the_prompt(sam).id)
    (record,) = records(sam)
    assert (record.outcome, record.note, record.shared) == ("partly", "Named three wins", True)


def test_the_barrier_question_is_not_answered_by_text_after_the_prompt_expired(
    sam: FakePlatform,
) -> None:
    prompt_id = the_prompt(sam).id
    assert (
        "What got in the way?" in sam.press("U-SUP", "answer.not_this_week", prompt_id).reply.text
    )
    sam.now = MONDAY_9_LA + timedelta(days=10)
    assert not sam.exchange("U-SUP", "hello there").ok
    (record,) = records(sam)
    assert record.barrier is None


def test_buttons_on_an_expired_prompt_still_record_a_late_answer(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA + timedelta(days=3))
    sam.now = MONDAY_9_LA + timedelta(days=4)
    result = sam.press("U-SUP", "answer.done", the_prompt(sam).id)
    assert "(late)" in result.reply.text
    (record,) = records(sam)
    assert record.late
