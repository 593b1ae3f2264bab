"""Reminders and snooze re-asks keep the rules prompts keep: quiet hours, weekends, holidays
and pauses; none goes out longer ago than the grace window; an expired prompt is expired
before any reminder is considered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.platforms.fake import FakePlatform
from bot.store.models import Prompt

# Monday 2026-11-23, 09:00 in Los Angeles (UTC-8).
MONDAY_9_LA = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def la(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    """A moment counted from Monday 09:00 in Los Angeles."""
    return MONDAY_9_LA + timedelta(days=days, hours=hours, minutes=minutes)


@pytest.fixture
def sam(chat: FakePlatform) -> FakePlatform:
    chat.now = la(days=-3)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    chat.exchange("U-SUP", "commit 6.a")
    chat.tick(chat.now)
    return chat


def statuses(chat: FakePlatform) -> list[str]:
    with chat.sessions() as session:
        return list(session.scalars(select(Prompt.status).order_by(Prompt.id)))


def reminders(chat: FakePlatform) -> list[str]:
    return [d.key for d in chat.channel.delivered if ":reminder:" in d.key or ":snooze:" in d.key]


def test_after_a_week_of_downtime_the_old_prompt_expires_with_no_late_reminder(
    sam: FakePlatform,
) -> None:
    sam.tick(la())
    result = sam.tick(la(days=7, minutes=-1))  # the next pass, a week later
    assert (result.delivered.reminded, result.delivered.expired) == (0, 1)
    assert reminders(sam) == []
    assert statuses(sam) == ["expired"]
    assert sam.tick(la(days=7)).delivered.sent == 1  # the next Monday's prompt, as usual


def test_a_reminder_due_longer_ago_than_the_grace_window_is_not_sent(sam: FakePlatform) -> None:
    sam.tick(la())
    result = sam.tick(la(hours=24 + 13))  # due at +24 h; the service was down until +37 h
    assert result.delivered.reminded == 0
    assert reminders(sam) == []
    assert statuses(sam) == ["sent"]  # still open until its expiry (+48 h)
    assert sam.tick(la(hours=48)).delivered.expired == 1


def test_a_reminder_inside_the_grace_window_still_goes_out(sam: FakePlatform) -> None:
    sam.tick(la())
    assert sam.tick(la(hours=24 + 11)).delivered.reminded == 1


def test_a_reminder_due_in_quiet_hours_waits_for_their_end(sam: FakePlatform) -> None:
    sam.now = la(minutes=-30)
    sam.exchange("U-ADMIN", "quiet 18:00-08:00")
    sam.exchange("U-ADMIN", "reminder 15")  # due Tuesday 00:00 in Los Angeles
    sam.tick(la())
    assert sam.tick(la(hours=15, minutes=1)).delivered.reminded == 0
    assert sam.tick(la(hours=22, minutes=59)).delivered.reminded == 0
    assert sam.tick(la(hours=23)).delivered.reminded == 1  # Tuesday 08:00
    assert len(reminders(sam)) == 1


def test_a_reminder_is_not_sent_on_a_weekend(chat: FakePlatform) -> None:
    chat.now = la(days=-3)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    chat.exchange("U-ADMIN", "cadence set <@U-SUP> weekly fri 16:00")
    chat.exchange("U-ADMIN", "reminder 20")  # due Saturday 12:00
    chat.exchange("U-SUP", "commit 6.a")
    chat.tick(chat.now)
    friday_4pm = la(days=4, hours=7)
    assert chat.tick(friday_4pm).delivered.sent == 1
    assert chat.tick(friday_4pm + timedelta(hours=20, minutes=1)).delivered.reminded == 0
    # It would move to Monday, after the prompt's expiry (+40 h, Sunday): it expires instead.
    result = chat.tick(friday_4pm + timedelta(hours=40))
    assert (result.delivered.reminded, result.delivered.expired) == (0, 1)
    assert reminders(chat) == []


def test_a_reminder_is_not_sent_on_a_holiday(sam: FakePlatform) -> None:
    sam.now = la(minutes=-30)
    sam.exchange("U-ADMIN", f"holiday add {la(days=1).date()}")
    sam.exchange("U-ADMIN", "reminder 4")  # due Monday 13:00, fine
    sam.tick(la())
    assert sam.tick(la(hours=4)).delivered.reminded == 1
    sam.exchange("U-ADMIN", "reminder 20")  # a second prompt's reminder would fall on Tuesday
    sam.exchange("U-ADMIN", "send-now <@U-SUP> 6.a")
    sam.tick(la(hours=5))
    assert sam.tick(la(hours=25, minutes=1)).delivered.reminded == 0
    assert len(reminders(sam)) == 1


def test_a_snooze_re_ask_waits_out_quiet_hours(sam: FakePlatform) -> None:
    sam.now = la(minutes=-30)
    sam.exchange("U-ADMIN", "quiet 18:00-08:00")
    sam.tick(la())
    with sam.sessions() as session:
        prompt_id = session.scalars(select(Prompt.id)).one()
    sam.now = la(hours=8)  # 17:00; the default snooze asks again at 21:00, in quiet hours
    assert sam.press("U-SUP", "snooze", prompt_id).reply.ok
    assert sam.tick(la(hours=12, minutes=1)).delivered.reminded == 0
    assert sam.tick(la(hours=23)).delivered.reminded == 1  # Tuesday 08:00
    assert len([k for k in reminders(sam) if ":snooze:" in k]) == 1


def test_a_snooze_re_ask_overdue_past_the_grace_window_is_not_sent(sam: FakePlatform) -> None:
    sam.tick(la())
    with sam.sessions() as session:
        prompt_id = session.scalars(select(Prompt.id)).one()
    sam.now = la(minutes=5)
    sam.press("U-SUP", "snooze", prompt_id)  # asks again at 13:05
    assert sam.tick(la(hours=4, minutes=5 + 13 * 60)).delivered.reminded == 0
    assert reminders(sam) == []
    assert statuses(sam) == ["sent"]


def test_a_snooze_re_ask_keeps_a_pause(sam: FakePlatform) -> None:
    sam.tick(la())
    with sam.sessions() as session:
        prompt_id = session.scalars(select(Prompt.id)).one()
    sam.now = la(minutes=5)
    sam.press("U-SUP", "snooze", prompt_id)
    sam.exchange("U-SUP", f"pause {la(days=8).date()}")
    assert sam.tick(la(hours=4, minutes=6)).delivered.reminded == 0
    assert reminders(sam) == []


def test_the_snooze_button_waits_as_long_as_the_admin_set(sam: FakePlatform) -> None:
    assert "after 1 day" in sam.say("U-ADMIN", "snooze-length 1d")
    sam.tick(la())
    with sam.sessions() as session:
        (prompt_id,) = session.scalars(select(Prompt.id)).all()
    sam.now = la(minutes=5)
    snoozed = sam.press("U-SUP", "snooze", prompt_id).reply.text
    assert snoozed == "Snoozed 6.a. I'll ask again Tue 24 Nov at 09:05."
    assert sam.tick(la(hours=5)).delivered.reminded == 0
    assert sam.tick(la(days=1, minutes=6)).delivered.reminded == 1


def test_an_expiry_the_admin_set_keeps_prompts_open_that_long_after_the_reminder(
    sam: FakePlatform,
) -> None:
    assert "now stays open 2 days after its reminder" in sam.say("U-ADMIN", "expiry 2d")
    sam.tick(la())
    assert sam.tick(la(hours=24)).delivered.reminded == 1
    assert sam.tick(la(hours=24 + 47)).delivered.expired == 0
    assert statuses(sam) == ["sent"]
    assert sam.tick(la(hours=24 + 48)).delivered.expired == 1


def test_a_short_expiry_expires_before_the_reminder_is_due(sam: FakePlatform) -> None:
    assert sam.exchange("U-ADMIN", "reminder 24").ok
    assert sam.exchange("U-ADMIN", "expiry 6h").ok
    sam.tick(la())
    result = sam.tick(la(hours=24 + 6))
    assert (result.delivered.reminded, result.delivered.expired) == (0, 1)
    assert reminders(sam) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("snooze-length 5m", "between 15 minutes and a week"),
        ("snooze-length forever", "is not a duration"),
        ("expiry 90m", "whole hours or days"),
        ("expiry 3w", "between an hour and two weeks"),
    ],
)
def test_lengths_out_of_bounds_are_refused_and_change_nothing(
    sam: FakePlatform, text: str, problem: str
) -> None:
    reply = sam.exchange("U-ADMIN", text)
    assert not reply.ok
    assert problem in reply.text
    assert "the default" in sam.say("U-ADMIN", text.split()[0])


def test_only_admins_set_lengths(sam: FakePlatform) -> None:
    assert "for Follow-Through admins" in sam.say("U-SUP", "expiry 2d")
    assert "for Follow-Through admins" in sam.say("U-SUP", "snooze-length 1d")
