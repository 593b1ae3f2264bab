"""The outbox when things go sideways: a platform that can't say whether a send landed, a
send that fails in a way nobody planned for, snoozes, pauses and removals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.platforms.fake import FakePlatform
from bot.scheduling.delivery import Delivery
from bot.store.models import Prompt, Record

MONDAY_9_LA = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


@pytest.fixture
def sam(chat: FakePlatform) -> FakePlatform:
    chat.now = MONDAY_9_LA - timedelta(days=3)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    chat.exchange("U-SUP", "commit 6.a")
    chat.tick(chat.now)
    return chat


def prompts(chat: FakePlatform) -> list[Prompt]:
    with chat.sessions() as session:
        return list(session.scalars(select(Prompt).order_by(Prompt.id)))


def test_a_platform_that_cannot_check_a_send_does_not_stop_the_pass(
    sam: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam.tick(MONDAY_9_LA)
    with sam.sessions() as session:
        prompt = session.scalars(select(Prompt)).one()
        prompt.status, prompt.claimed_at = "sending", MONDAY_9_LA
        session.commit()
    sam.channel.delivered = []

    async def broken_find(delivery: Delivery) -> str | None:
        raise RuntimeError("conversations.history: not_in_channel")

    monkeypatch.setattr(sam.channel, "find", broken_find)
    result = sam.tick(MONDAY_9_LA + timedelta(minutes=5))
    assert result.delivered.recovered == 1
    assert result.delivered.sent == 1
    assert [p.status for p in prompts(sam)] == ["sent"]


def test_an_unexpected_failure_in_one_send_is_retried_later(
    sam: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_send = sam.channel.send
    calls = []

    async def flaky(delivery: Delivery) -> str:
        calls.append(delivery.key)
        if len(calls) == 1:
            raise KeyError("surprise")
        return await real_send(delivery)

    monkeypatch.setattr(sam.channel, "send", flaky)
    result = sam.tick(MONDAY_9_LA)
    assert result.delivered.retried == 1
    assert sam.tick(MONDAY_9_LA + timedelta(minutes=10)).delivered.sent == 1


def test_after_a_snoozed_prompt_is_asked_again_no_reminder_follows_at_once(
    sam: FakePlatform,
) -> None:
    sam.tick(MONDAY_9_LA)
    (prompt,) = prompts(sam)
    sam.now = MONDAY_9_LA + timedelta(hours=23)
    sam.press("U-SUP", "snooze", prompt.id)
    sam.tick(MONDAY_9_LA + timedelta(hours=27, minutes=1))
    assert len(sam.channel.delivered) == 2
    result = sam.tick(MONDAY_9_LA + timedelta(hours=27, minutes=2))
    assert (result.delivered.reminded, result.delivered.expired) == (0, 0)


def test_no_reminder_reaches_a_paused_or_removed_leader(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    sam.now = MONDAY_9_LA + timedelta(hours=1)
    sam.exchange("U-SUP", "pause 2026-12-01")
    assert sam.tick(MONDAY_9_LA + timedelta(hours=25)).delivered.reminded == 0
    sam.exchange("U-SUP", "resume")
    sam.exchange("U-ADMIN", "leader remove <@U-SUP>")
    assert sam.tick(MONDAY_9_LA + timedelta(hours=26)).delivered.reminded == 0


def test_a_dropped_commitment_cancels_its_snoozed_prompt(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    (prompt,) = prompts(sam)
    sam.now = MONDAY_9_LA + timedelta(minutes=5)
    sam.press("U-SUP", "snooze", prompt.id)
    sam.exchange("U-SUP", "drop 6.a")
    sam.tick(MONDAY_9_LA + timedelta(hours=5))
    assert len(sam.channel.delivered) == 1
    assert [p.status for p in prompts(sam)] == ["cancelled"]


@pytest.mark.parametrize("text", ["Quiet week", "Log the meeting notes", "Team meeting went well"])
def test_everyday_answers_are_not_mistaken_for_broken_commands(
    sam: FakePlatform, text: str
) -> None:
    sam.tick(MONDAY_9_LA)
    reply = sam.exchange("U-SUP", text)
    assert reply.ok, reply.text
    with sam.sessions() as session:
        (record,) = session.scalars(select(Record))
    assert record.note == text


def test_free_text_after_an_answer_does_not_rewrite_it(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    (prompt,) = prompts(sam)
    sam.press("U-SUP", "answer.done", prompt.id, "Thanked Jo")
    reply = sam.exchange("U-SUP", "also thanks for the reminder")
    assert not reply.ok
    with sam.sessions() as session:
        (record,) = session.scalars(select(Record))
    assert record.note == "Thanked Jo"


def test_a_multi_line_log_in_the_direct_message_is_a_command(sam: FakePlatform) -> None:
    assert sam.exchange("U-SUP", "log 6.a\nMet with the unit\nand named three wins").ok
    with sam.sessions() as session:
        (record,) = session.scalars(select(Record))
    assert record.note == "Met with the unit\nand named three wins"
