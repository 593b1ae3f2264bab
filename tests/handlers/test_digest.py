"""The team digest: its figures for the agency of tests/reports/agency.py worked out by hand,
what the channel sees and what only admins see, and its Slack and Teams payloads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog
from bot.core.messages import render_text
from bot.platforms.fake import FakePlatform
from bot.platforms.slack.render import render_blocks
from bot.platforms.teams.cards import CARD_TYPE, attachment, render_card
from bot.reports.digest import compute_digest, read_digest
from bot.reports.digest_message import render_digest
from bot.store.models import Digest, Team
from tests.reports.agency import Agency, build_agency

FIRST_MONDAY = date(2026, 11, 2)


@pytest.fixture
def agency(sessions: sessionmaker[Session]) -> Agency:
    with sessions() as session:
        built = build_agency(session, FIRST_MONDAY)
        session.commit()
    return built


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


def digest_of_week(session: Session, catalog: Catalog, agency: Agency, week: int) -> dict[str, Any]:
    north = session.get(Team, agency.north)
    assert north is not None
    monday = agency.mondays[week]
    friday = agency.friday_of_week_4 - timedelta(weeks=3 - week)
    return compute_digest(
        session, catalog, north, monday, monday + timedelta(days=6), now=friday
    ).to_json()


def test_the_weeks_figures_for_the_team(session: Session, catalog: Catalog, agency: Agency) -> None:
    body = digest_of_week(session, catalog, agency, 3)

    assert body["period_start"] == "2026-11-23"
    assert (body["leaders"], body["taking_part"], body["prompts_sent"], body["answers"]) == (
        4,
        3,
        4,
        3,
    )
    assert (body["rate"], body["last_week"]["rate"], body["change"]) == (75.0, 0.0, 75.0)
    assert body["outcomes"] == {"done": 3, "partly": 0, "not_this_week": 0}
    assert body["domains"] == [
        {"name": "Engagement", "done": 2, "partly": 0},
        {"name": "Accountability", "done": 1, "partly": 0},
    ]
    assert [(b["id"], b["count"]) for b in body["top_behaviors"]] == [("4", 1), ("6", 1), ("13", 1)]
    assert {lens["name"]: lens["count"] for lens in body["lenses"]} == {
        "Lean In": 1,
        "Lift Up": 2,
        "Connect": 2,
        "Culture": 0,
    }
    assert body["shared"] == [
        {
            "leader": "Ana Alvarez",
            "behavior_id": "6.a",
            "title": catalog.entries["6.a"].title,
            "note": "Named three wins at the unit meeting",
            "kind": "shared",
        }
    ]
    assert body["recognitions"] == {"count": 1, "leaders": ["Ana Alvarez"]}
    assert body["streaks"] == [{"leader": "Dee Diaz", "weeks": 2}]
    assert body["quiet_leaders"] == [{"leader": "Ben Brooks", "weeks": 2}]
    assert body["barriers"] == []
    json.dumps(body)  # stored with the digest as JSON


def test_the_channel_sees_how_many_are_quiet_but_not_who(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    text = render_text(render_digest(read_digest(digest_of_week(session, catalog, agency, 3))))

    assert text.splitlines() == [
        "North digest, 2026-11-23 to 2026-11-29",
        "3 of 4 leaders took part · 3 of 4 prompts answered (75%) · up 75 points on last week (0%)",
        "Outcomes: 3 done · 0 partly · 0 not this week",
        "Balance: Lean In 1 · Lift Up 2 · Connect 2 · Culture 0",
        "What was practiced",
        "  • Engagement: 2 done",
        "  • Accountability: 1 done",
        "  • Recognitions: 1, by Ana Alvarez",
        "Most practiced",
        "  • Engage staff in implementation and system improvement (4): 1 time",
        "  • Recognize staff strengths and successes (6): 1 time",
        "  • Listen and provide feedback (13): 1 time",
        "Shared with the team",
        "  • Ana Alvarez on 6.a: Named three wins at the unit meeting",
        "Streaks",
        "  • Dee Diaz 2 weeks in a row",
        "Worth a check-in",
        "  • 1 leader has had no answer for two weeks or more: a check-in from their manager "
        "may help.",
    ]
    assert "Ben" not in text


def test_a_week_with_a_barrier_and_an_update_to_the_team(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    body = digest_of_week(session, catalog, agency, 0)
    text = render_text(render_digest(read_digest(body)))

    assert body["barriers"] == [
        {
            "theme": "Court and legal",
            "count": 1,
            "texts": [{"text": "In court all week", "count": 1}],
        }
    ]
    lines = text.splitlines()
    assert (
        lines[lines.index("What got in the way") + 1]
        == "  • Court and legal (1): In court all week"
    )
    assert "  • Update from Dee Diaz on 4.a.v: Told the leadership team what is stuck" in text
    assert lines[1] == "3 of 3 leaders took part · 3 of 3 prompts answered (100%)"  # none before
    assert "Ben" not in text  # barriers never say who raised them


def test_a_week_with_no_answers(session: Session, catalog: Catalog, agency: Agency) -> None:
    body = digest_of_week(session, catalog, agency, 2)
    text = render_text(render_digest(read_digest(body)))

    assert (body["leaders"], body["taking_part"], body["prompts_sent"], body["answers"]) == (
        4,
        0,
        3,
        0,
    )
    assert text.splitlines()[1] == "No answers this week yet · 3 prompts sent."
    assert "What was practiced" not in text  # no empty sections


@pytest.mark.parametrize("week", [0, 3])
def test_a_stored_digest_reads_back_as_it_was_computed(
    session: Session, catalog: Catalog, agency: Agency, week: int
) -> None:
    north = session.get(Team, agency.north)
    assert north is not None
    monday = agency.mondays[week]
    friday = agency.friday_of_week_4 - timedelta(weeks=3 - week)
    body = compute_digest(session, catalog, north, monday, monday + timedelta(days=6), now=friday)
    assert body.barriers or body.shared

    assert read_digest(json.loads(json.dumps(body.to_json()))) == body


def test_a_digest_stored_by_an_earlier_version_still_renders() -> None:
    old = {
        "team": "North",
        "period_start": "2026-11-16",
        "period_end": "2026-11-22",
        "leaders": 2,
        "taking_part": 1,
        "prompts_sent": 3,
        "answers": 1,
        "domains": {"Engagement": 1},
        "quiet_leaders": ["Ben"],
    }

    message = render_digest(read_digest(old))

    assert message.title == "North digest, 2026-11-16 to 2026-11-22"
    assert ("Taking part", "1 of 2 leaders") in message.fields


# Through the chat: preview for the admin, the channel gets the digest without names


@pytest.fixture
def chat(
    sessions: sessionmaker[Session], settings: Settings, catalog: Catalog, agency: Agency
) -> FakePlatform:
    platform = FakePlatform(
        sessions=sessions,
        settings=settings,
        catalog=catalog,
        workspace_external_id="T-AGENCY",
        now=agency.friday_of_week_4,
    )
    platform.add_user("avery@agency.org", name="Avery Admin", email="avery@agency.org")
    platform.add_user("ana@agency.org", name="Ana Alvarez", email="ana@agency.org")
    return platform


def test_the_admins_preview_names_the_quiet_leaders_and_the_channel_post_does_not(
    chat: FakePlatform, agency: Agency
) -> None:
    preview = chat.say("avery@agency.org", "digest preview North")
    assert "Only you see this: no answer for two weeks or more from Ben Brooks (2 weeks)" in (
        preview
    )

    assert chat.exchange("avery@agency.org", "digest send North").ok
    chat.tick(agency.friday_of_week_4)
    (posted,) = chat.channel.in_channel("C-NORTH")
    channel_text = render_text(posted.message)
    assert "1 leader has had no answer for two weeks or more" in channel_text
    assert "Ben Brooks" not in channel_text
    assert "Only you see this" not in channel_text
    with chat.sessions() as session:
        (stored,) = session.scalars(select(Digest))
        assert stored.body["quiet_leaders"] == [{"leader": "Ben Brooks", "weeks": 2}]


# The payloads each platform gets


def test_the_digest_as_slack_block_kit(session: Session, catalog: Catalog, agency: Agency) -> None:
    blocks = render_blocks(render_digest(read_digest(digest_of_week(session, catalog, agency, 3))))

    assert [block["type"] for block in blocks] == ["header"] + ["section"] * 7
    header, headline, facts, practiced, most, shared, streaks, quiet = blocks
    assert header["text"] == {
        "type": "plain_text",
        "text": "North digest, 2026-11-23 to 2026-11-29",
    }
    assert headline["text"] == {
        "type": "mrkdwn",
        "text": "3 of 4 leaders took part · 3 of 4 prompts answered (75%) · up 75 points on "
        "last week (0%)",
    }
    assert [f["text"] for f in facts["fields"]] == [
        "*Outcomes*\n3 done · 0 partly · 0 not this week",
        "*Balance*\nLean In 1 · Lift Up 2 · Connect 2 · Culture 0",
    ]
    assert practiced["text"] == {
        "type": "mrkdwn",
        "text": "*What was practiced*\n• Engagement: 2 done\n• Accountability: 1 done\n"
        "• Recognitions: 1, by Ana Alvarez",
    }
    assert most["text"]["text"].startswith("*Most practiced*\n• Engage staff")
    assert shared["text"]["text"].startswith("*Shared with the team*\n• Ana Alvarez on 6.a")
    assert streaks["text"]["text"] == "*Streaks*\n• Dee Diaz 2 weeks in a row"
    assert quiet["text"]["text"].startswith("*Worth a check-in*\n• 1 leader has had no answer")
    json.dumps(blocks)


def test_a_long_digest_stays_within_slack_limits(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    body = digest_of_week(session, catalog, agency, 3)
    body["barriers"] = [
        {
            "theme": f"Theme {n}",
            "count": 3,
            "texts": [{"text": "x" * 400, "count": 1} for _ in range(3)],
        }
        for n in range(60)
    ]

    blocks = render_blocks(render_digest(read_digest(body)))

    assert len(blocks) <= 50
    assert all(
        len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b
    )


def test_the_digest_as_a_teams_adaptive_card(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    message = render_digest(read_digest(digest_of_week(session, catalog, agency, 3)))
    card = render_card(message)

    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert "actions" not in card
    title, headline, facts, *parts = card["body"]
    assert (title["type"], title["weight"], title["text"]) == (
        "TextBlock",
        "Bolder",
        "North digest, 2026-11-23 to 2026-11-29",
    )
    assert headline == {
        "type": "TextBlock",
        "text": "3 of 4 leaders took part · 3 of 4 prompts answered (75%) · up 75 points on "
        "last week (0%)",
        "wrap": True,
    }
    assert facts["type"] == "FactSet"
    assert facts["facts"] == [
        {"title": "Outcomes", "value": "3 done · 0 partly · 0 not this week"},
        {"title": "Balance", "value": "Lean In 1 · Lift Up 2 · Connect 2 · Culture 0"},
    ]
    headings = [p["text"] for p in parts if p.get("weight") == "Bolder"]
    assert headings == [
        "What was practiced",
        "Most practiced",
        "Shared with the team",
        "Streaks",
        "Worth a check-in",
    ]
    practiced = parts[1]
    assert practiced["type"] == "TextBlock"
    assert practiced["text"].startswith("- Engagement: 2 done\n- Accountability: 1 done\n")
    assert attachment(message) == {"contentType": CARD_TYPE, "content": card}
    json.dumps(card)


def test_long_lists_of_names_are_cut_short_in_the_channel(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    body = digest_of_week(session, catalog, agency, 3)
    names = [f"Leader {n}" for n in range(7)]
    body["recognitions"] = {"count": 9, "leaders": names}

    text = render_text(render_digest(read_digest(body)))

    assert (
        "Recognitions: 9, by Leader 0, Leader 1, Leader 2, Leader 3, Leader 4 and 2 others" in text
    )
