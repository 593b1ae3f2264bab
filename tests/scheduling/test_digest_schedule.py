"""Team digests at their own cadence: posted once per team and week, in the team's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.platforms.fake import FakePlatform
from bot.store.models import Digest

# Friday 2026-11-27 15:00 UTC: the default digest time for a team in UTC.
FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def north(chat: FakePlatform) -> FakePlatform:
    chat.now = FRIDAY_3PM - timedelta(days=4)
    chat.exchange("U-ADMIN", "team add North <#C0NORTH|north-impl>")
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor team=North")
    chat.exchange("U-SUP", "log 6.a Thanked the intake unit")
    chat.tick(chat.now)
    return chat


def digests(chat: FakePlatform) -> list[Digest]:
    with chat.sessions() as session:
        return list(session.scalars(select(Digest).order_by(Digest.id)))


def test_the_digest_goes_out_at_the_teams_cadence_once(north: FakePlatform) -> None:
    assert north.tick(FRIDAY_3PM - timedelta(minutes=1)).delivered.digests == 0
    assert north.tick(FRIDAY_3PM + timedelta(seconds=30)).delivered.digests == 1
    for minutes in (1, 2, 60):
        north.tick(FRIDAY_3PM + timedelta(minutes=minutes))
    (posted,) = north.channel.in_channel("C0NORTH")
    assert (posted.message.title or "").startswith("North digest, 2026-11-23 to 2026-11-29")
    (digest,) = digests(north)
    assert (digest.period_start, digest.status) == (date(2026, 11, 23), "sent")


def test_a_digest_schedule_in_the_teams_zone(north: FakePlatform) -> None:
    north.exchange("U-ADMIN", "digest schedule North weekly thu 09:00")
    assert north.tick(FRIDAY_3PM - timedelta(days=1, hours=6)).delivered.digests == 1
    assert north.tick(FRIDAY_3PM + timedelta(minutes=1)).delivered.digests == 0


def test_a_digest_missed_by_more_than_the_grace_window_is_recorded_not_posted(
    north: FakePlatform,
) -> None:
    north.tick(FRIDAY_3PM - timedelta(hours=1))
    north.tick(FRIDAY_3PM + timedelta(hours=13))
    assert north.channel.in_channel("C0NORTH") == []
    (digest,) = digests(north)
    assert digest.status == "missed"


def test_sending_by_hand_first_means_the_scheduled_one_is_not_doubled(
    north: FakePlatform,
) -> None:
    north.now = FRIDAY_3PM - timedelta(hours=2)
    assert north.exchange("U-ADMIN", "digest send North").ok
    north.tick(FRIDAY_3PM - timedelta(hours=2))
    north.tick(FRIDAY_3PM + timedelta(minutes=1))
    assert len(north.channel.in_channel("C0NORTH")) == 1
