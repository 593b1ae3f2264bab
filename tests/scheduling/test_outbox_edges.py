"""The outbox when things go sideways: a platform that can't say whether a send landed, a
send that fails in a way nobody planned for, snoozes, pauses and removals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.platforms.fake import FakePlatform
from bot.scheduling.delivery import Delivery, TransientDeliveryError
from bot.scheduling.outbox import LEASE, MAX_CHECKS
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


def crash_after_claiming(chat: FakePlatform, at: datetime) -> None:
    """As if a process claimed every prompt at `at` and died before it knew the outcome."""
    with chat.sessions() as session:
        for prompt in session.scalars(select(Prompt)):
            prompt.status, prompt.claimed_at = "sending", at
        session.commit()


def test_a_failed_check_is_not_an_answer_the_send_stays_unsettled_and_is_asked_again(
    sam: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam.tick(MONDAY_9_LA)  # the send landed ...
    crash_after_claiming(sam, MONDAY_9_LA)  # ... but the process died before marking it
    real_find = sam.channel.find
    asked: list[str] = []

    async def broken_find(delivery: Delivery) -> str | None:
        asked.append(delivery.key)
        raise TransientDeliveryError("conversations.history: ratelimited", retry_after=30)

    monkeypatch.setattr(sam.channel, "find", broken_find)
    sam.tick(MONDAY_9_LA + LEASE - timedelta(seconds=5))
    assert asked == []  # inside the lease: not stale yet, nobody asks
    result = sam.tick(MONDAY_9_LA + timedelta(minutes=5))
    assert (result.delivered.recovered, result.delivered.sent) == (0, 0)
    assert len(sam.channel.delivered) == 1  # not sent again
    (prompt,) = prompts(sam)
    assert (prompt.status, prompt.check_failures) == ("sending", 1)
    # Asked again only once a lease has passed since the failed check.
    sam.tick(MONDAY_9_LA + timedelta(minutes=6))
    assert len(asked) == 1
    monkeypatch.setattr(sam.channel, "find", real_find)
    result = sam.tick(MONDAY_9_LA + timedelta(minutes=8))
    assert (result.delivered.recovered, result.delivered.sent) == (1, 0)
    assert len(sam.channel.delivered) == 1
    assert [p.status for p in prompts(sam)] == ["sent"]


def test_after_repeated_failed_checks_the_prompt_is_sent_again_and_it_is_logged(
    sam: FakePlatform, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sam.tick(MONDAY_9_LA)
    crash_after_claiming(sam, MONDAY_9_LA)
    sam.channel.delivered = []  # the platform lost it: a resend is what is wanted

    async def broken_find(delivery: Delivery) -> str | None:
        raise RuntimeError("conversations.history: not_in_channel")

    monkeypatch.setattr(sam.channel, "find", broken_find)
    at = MONDAY_9_LA
    for _ in range(MAX_CHECKS - 1):
        at += LEASE + timedelta(seconds=1)
        sam.tick(at)
        assert sam.channel.delivered == []
    at += LEASE + timedelta(seconds=1)
    result = sam.tick(at)
    assert result.delivered.sent == 1
    assert len(sam.channel.delivered) == 1
    assert f"{MAX_CHECKS} checks of whether it landed failed; sending it again" in caplog.text


def test_a_rate_limited_check_stops_the_checks_of_that_pass(
    chat: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat.now = MONDAY_9_LA - timedelta(days=3)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    chat.exchange("U-SUP", "commit 6.a")
    chat.exchange("U-SUP", "commit 13.d")
    chat.tick(chat.now)
    chat.tick(MONDAY_9_LA)
    crash_after_claiming(chat, MONDAY_9_LA)
    asked: list[str] = []

    async def rate_limited(delivery: Delivery) -> str | None:
        asked.append(delivery.key)
        raise TransientDeliveryError("ratelimited", retry_after=30)

    monkeypatch.setattr(chat.channel, "find", rate_limited)
    chat.tick(MONDAY_9_LA + timedelta(minutes=5))
    assert len(asked) == 1
    assert sorted(p.check_failures for p in prompts(chat)) == [0, 1]
    assert len(chat.channel.delivered) == 2


def test_checks_are_paced_to_the_platforms_limit(
    chat: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat.now = MONDAY_9_LA - timedelta(days=3)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    for behavior in ("6.a", "13.d", "1.a"):
        chat.exchange("U-SUP", f"commit {behavior}")
    chat.tick(chat.now)
    chat.tick(MONDAY_9_LA)
    crash_after_claiming(chat, MONDAY_9_LA)
    monkeypatch.setattr(chat.channel, "checks_per_pass", 2)
    assert chat.tick(MONDAY_9_LA + timedelta(minutes=5)).delivered.recovered == 2
    assert chat.tick(MONDAY_9_LA + timedelta(minutes=6)).delivered.recovered == 1
    assert len(chat.channel.delivered) == 3
    assert {p.status for p in prompts(chat)} == {"sent"}


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


def test_no_reminder_reaches_a_paused_leader(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    sam.now = MONDAY_9_LA + timedelta(hours=1)
    sam.exchange("U-SUP", f"pause {(MONDAY_9_LA + timedelta(days=8)).date()}")
    assert sam.tick(MONDAY_9_LA + timedelta(hours=25)).delivered.reminded == 0
    assert len(sam.channel.delivered) == 1


def test_no_reminder_reaches_a_removed_leader(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    sam.now = MONDAY_9_LA + timedelta(hours=1)
    sam.exchange("U-ADMIN", "leader remove <@U-SUP>")
    assert sam.tick(MONDAY_9_LA + timedelta(hours=25)).delivered.reminded == 0
    assert len(sam.channel.delivered) == 1


def test_a_leader_who_stays_gets_the_reminder(sam: FakePlatform) -> None:
    """The other side of the two tests above: the same timeline, nobody paused or removed."""
    sam.tick(MONDAY_9_LA)
    assert sam.tick(MONDAY_9_LA + timedelta(hours=25)).delivered.reminded == 1


def test_a_dropped_commitment_cancels_its_snoozed_prompt(sam: FakePlatform) -> None:
    sam.tick(MONDAY_9_LA)
    (prompt,) = prompts(sam)
    sam.now = MONDAY_9_LA + timedelta(minutes=5)
    sam.press("U-SUP", "snooze", prompt.id)
    sam.exchange("U-SUP", "drop 6.a")
    sam.tick(MONDAY_9_LA + timedelta(hours=5))
    assert len(sam.channel.delivered) == 1
    assert [p.status for p in prompts(sam)] == ["cancelled"]


@pytest.mark.parametrize(
    "text", ["Helped Jo with the backlog", "Had a quiet week", "hello there", "Logged off early"]
)
def test_everyday_words_on_an_open_prompt_are_kept_as_its_note(
    sam: FakePlatform, text: str
) -> None:
    sam.tick(MONDAY_9_LA)
    reply = sam.exchange("U-SUP", text)
    assert reply.ok, reply.text
    assert "How did it go?" in reply.text
    (prompt,) = prompts(sam)
    assert prompt.draft_note == text
    with sam.sessions() as session:
        assert session.scalars(select(Record)).all() == []


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
