"""Teams end to end: real Bot Framework activities posted to /api/messages (auth off unless a
test turns it on), and a local connector standing in for Teams' service URL that records
what the bot sends and can answer 429 and 403."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from botbuilder.schema import Activity
from click.testing import CliRunner
from sqlalchemy import select

from bot.app import MAX_REQUEST_BODY, build_web_app
from bot.cli import main
from bot.config import Settings
from bot.core.grammar import BY_NAME
from bot.platforms.teams.bot import FollowThroughTeamsBot, from_teams
from bot.services import Services, build_services
from bot.store.db import migrate
from bot.store.models import (
    Commitment,
    ConversationRef,
    Person,
    Prompt,
    Record,
    Support,
    Team,
    Workspace,
)
from bot.web.guard import is_loopback_url
from tests.conftest import FreshDatabase
from tests.platforms.moment import service_clock
from tests.platforms.teams import activities as act
from tests.platforms.teams.jwt_keys import SigningKey, make_token, publish_keys
from tests.platforms.teams.mock_connector import MockConnector

ClientMaker = Callable[..., Any]
REPOSITORY = Path(__file__).resolve().parents[3]
AVERY = act.teams_member("Avery Admin")
SAM = act.teams_member("Sam Rivera")


def settings(url: str, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        followthrough_admins=AVERY["email"],
        secret_key="x",
        **extra,
    )


@pytest.fixture
async def teams(
    aiohttp_client: ClientMaker, databases: FreshDatabase, connector: MockConnector
) -> AsyncIterator[tuple[TestClient, Services]]:
    services = build_services(settings(databases.url()), clock=service_clock())
    migrate(services.engine)
    connector.set_roster(act.TEAM_ID, [AVERY, SAM])
    client: TestClient = await aiohttp_client(build_web_app(services))
    yield client, services
    services.engine.dispose()


async def send(client: TestClient, activity: dict[str, Any]) -> Any:
    response = await client.post("/api/messages", json=activity)
    assert response.status in (200, 201), await response.text()
    return response


def personal(connector: MockConnector, member: dict[str, Any]) -> dict[str, Any]:
    return {**act.sender(member), "conversation_type": "personal", "service_url": connector.url}


def rows(services: Services, model: type) -> list[Any]:
    with services.sessions() as session:
        return list(session.scalars(select(model)))


async def reply_to(connector: MockConnector, member: dict[str, Any], count: int = 1) -> Any:
    conversation = act.personal_conversation_id(member["id"])
    await asyncio.to_thread(
        connector.wait_for, "POST", f"/v3/conversations/{conversation}/activities", count
    )
    return connector.sent(conversation)[-1]


def said(sent: Any) -> str:
    """What the bot said in one activity: its text and any card's content."""
    return (sent.text or "") + str(sent.cards)


async def admin_says(
    client: TestClient, connector: MockConnector, turns: list[tuple[str, str]]
) -> None:
    """Avery types each text in the personal chat; each reply says what is expected."""
    for turn, (text, expected) in enumerate(turns, start=1):
        await send(client, act.message(text, **personal(connector, AVERY)))
        assert expected in said(await reply_to(connector, AVERY, turn)), text


async def install(client: TestClient, connector: MockConnector) -> None:
    await send(client, act.installation_update("add", service_url=connector.url))


async def test_installing_in_a_team_records_its_members_page_by_page(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await install(client, connector)
    people = {p.platform_user_id: p for p in rows(services, Person)}
    assert people[SAM["id"]].email == SAM["email"]
    assert people[AVERY["id"]].display_name == "Avery Admin"
    assert connector.calls_to("GET", "/pagedmembers")
    refs = {(r.kind, r.key) for r in rows(services, ConversationRef)}
    assert ("tenant", act.TENANT_ID) in refs


async def test_help_in_the_personal_chat_answers_with_a_card(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, _ = teams
    await send(client, act.message("help", **personal(connector, SAM)))
    answer = await reply_to(connector, SAM)
    assert "Follow-Through help" in str(answer.cards)


async def test_a_behavior_in_full_answers_with_a_card(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, _ = teams
    await send(client, act.message("behavior 6", **personal(connector, SAM)))
    card = str((await reply_to(connector, SAM)).cards)
    assert "6 Recognize staff strengths and successes" in card
    assert "Impact on staff" in card
    assert "Lift Up: Strengthen, Affirm and Develop" in card


async def test_a_malformed_behavior_command_says_what_to_type(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, _ = teams
    await send(client, act.message("behavior 6.z", **personal(connector, SAM)))
    answer = str(await reply_to(connector, SAM))
    assert "There is no behavior `6.z`" in answer
    assert "behavior <behavior-id>" in answer


async def test_an_admin_changes_a_team_and_clears_a_cadence_in_teams(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await install(client, connector)
    turns = [
        ("team add North #north", "Team North will get its digest"),
        ("team rename North South", "Team North is now South."),
        ("team timezone South Asia/Kolkata", "now in Asia/Kolkata"),
        ("team rename South", "Usage: `team rename <name> <new name>`"),
        ("cadence set team:South weekly thu 10:00", "Cadence for team South"),
        ("cadence clear team:South", "a broader one applies again"),
        ("team remove South", "Removed team South"),
    ]
    await admin_says(client, connector, turns)
    assert rows(services, Team) == []


async def test_reporting_lines_and_reports_in_teams(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    morgan, dana = act.teams_member("Morgan Lee"), act.teams_member("Dana Ortiz")
    connector.set_roster(act.TEAM_ID, [AVERY, SAM, morgan, dana])
    await install(client, connector)
    turns = [
        (f"leader add {dana['email']} role=director", "Enrolled Dana Ortiz as a director"),
        (
            f"leader add {morgan['email']} role=manager reports-to={dana['email']}",
            "Reports to Dana Ortiz.",
        ),
        (f"leader add {SAM['email']} role=supervisor", "Enrolled Sam Rivera"),
        (f"leader reports-to {SAM['email']} {morgan['email']}", "now reports to Morgan Lee"),
        (f"leader reports-to {dana['email']} {SAM['email']}", "can't report to Sam Rivera"),
        (f"leader reports-to {SAM['email']}", "Usage: `leader reports-to <user> <manager|none>`"),
    ]
    await admin_says(client, connector, turns)

    await send(client, act.message("reports", **personal(connector, dana)))
    card = said(await reply_to(connector, dana))
    assert "Your reports" in card
    assert "Sam Rivera — supervisor, via Morgan Lee" in card
    await send(client, act.message("reports", **personal(connector, SAM)))
    assert "Nobody reports to you" in said(await reply_to(connector, SAM))
    people = {p.email: p for p in rows(services, Person)}
    assert people[SAM["email"]].manager_id == people[morgan["email"]].id


async def test_a_manager_gets_the_weekly_barrier_summary_card_and_follows_up(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    morgan = act.teams_member("Morgan Lee")
    connector.set_roster(act.TEAM_ID, [AVERY, SAM, morgan])
    await install(client, connector)
    for turn, text in enumerate(
        (
            f"leader add {morgan['email']} role=manager",
            f"leader add {SAM['email']} role=supervisor reports-to={morgan['email']}",
        ),
        start=1,
    ):
        await send(client, act.message(text, **personal(connector, AVERY)))
        assert "Enrolled" in said(await reply_to(connector, AVERY, turn))
    await send(client, act.message("help", **personal(connector, morgan)))
    await reply_to(connector, morgan)
    now = services.clock.now()
    with services.sessions.begin() as session:
        sam = session.scalars(select(Person).filter_by(email=SAM["email"])).one()
        session.add(
            Record(
                person_id=sam.id,
                behavior_id="6.a",
                outcome="not_this_week",
                barrier="Short-staffed all week",
                source="button",
                created_at=now,
            )
        )

    monday = now.replace(hour=9, minute=30) + timedelta(days=7 - now.weekday())
    assert (await services.scheduling().tick(monday)).delivered.summaries == 1
    summary = await reply_to(connector, morgan, 2)
    assert "Sam Rivera: “Short-staffed all week”" in said(summary)
    (follow_up,) = [a for a in summary.cards[0]["actions"] if a["title"].startswith("Follow up")]
    response = await send(
        client,
        act.invoke_adaptive_card_action(
            follow_up["verb"],
            follow_up["data"],
            reply_to_id=summary.id,
            **personal(connector, morgan),
        ),
    )
    assert response.status == 200
    shown = str(await response.json()) + said(
        connector.sent(act.personal_conversation_id(morgan["id"]))[-1]
    )
    assert "Noted: you followed up on 1 barrier" in shown
    (support,) = rows(services, Support)
    assert support.manager_id == next(
        p.id for p in rows(services, Person) if p.email == morgan["email"]
    )


async def test_an_admin_assigns_and_ends_a_commitment_for_a_team_in_teams(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await install(client, connector)
    turns = [
        (f"leader add {SAM['email']} role=supervisor", "Enrolled Sam Rivera"),
        ("team add North #north", "Team North will get its digest"),
        (f"team members North add {SAM['email']}", "Added to North"),
        ("commit team:North 6.a Thank one worker", "Assigned 6.a"),
        ("commit team:South 6.a", "There is no team called South"),
        ("drop team:North 6.a", "Ended 6.a for 1 leader: Sam Rivera."),
    ]
    await admin_says(client, connector, turns)
    (commitment,) = rows(services, Commitment)
    assert commitment.ended_at is not None
    assert commitment.goal == "Thank one worker"


async def test_an_admin_sets_snooze_and_expiry_and_drops_for_someone_in_teams(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await install(client, connector)
    turns = [
        ("snooze-length 1d", "The Snooze button now asks again after 1 day"),
        ("snooze-length forever", "is not a duration"),
        ("expiry 2d", "A prompt now stays open 2 days after its reminder"),
        (f"leader add {SAM['email']} role=supervisor", "Enrolled Sam Rivera"),
        (f"commit {SAM['email']} 6.a Thank one worker", "Assigned 6.a"),
        (f"drop {SAM['email']} 6.b", "Sam Rivera doesn't hold 6.b as an assigned commitment"),
        (f"drop {SAM['email']} 6.a", "Ended 6.a for 1 leader: Sam Rivera."),
    ]
    await admin_says(client, connector, turns)
    (workspace,) = rows(services, Workspace)
    assert (workspace.snooze_minutes, workspace.expiry_hours) == (24 * 60, 48)
    (commitment,) = rows(services, Commitment)
    assert commitment.ended_at is not None


async def test_the_roster_is_asked_who_someone_is_only_when_they_are_new(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    connector.set_roster(act.personal_conversation_id(SAM["id"]), [SAM])
    for turn in (1, 2, 3):
        await send(client, act.message("help", **personal(connector, SAM)))
        await reply_to(connector, SAM, turn)

    assert len(connector.calls_to("GET", "/members/")) == 1
    (sam,) = [p for p in rows(services, Person) if p.platform_user_id == SAM["id"]]
    assert sam.email == SAM["email"]


async def test_a_command_after_a_mention_in_a_channel_resolves_teams_mentions(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await install(client, connector)
    await send(client, act.message("help", **personal(connector, AVERY)))
    await send(
        client,
        act.message(
            "leader add <at>Sam Rivera</at> role=supervisor",
            mentions=[(act.BOT_ID, act.BOT_NAME), (SAM["id"], "Sam Rivera")],
            **act.sender(AVERY),
            service_url=connector.url,
        ),
    )
    await asyncio.to_thread(connector.wait_for, "POST", "/activities", 2)
    sam = next(p for p in rows(services, Person) if p.platform_user_id == SAM["id"])
    assert (sam.is_leader, sam.role) == (True, "supervisor")


async def test_the_grammar_reads_teams_mentions_as_neutral_mentions(
    teams: tuple[TestClient, Services], connector: MockConnector, grammar_reads: list[str]
) -> None:
    client, _ = teams
    await install(client, connector)
    await send(
        client,
        act.message(
            "leader add <at>Sam Rivera</at> role=supervisor",
            mentions=[(act.BOT_ID, act.BOT_NAME), (SAM["id"], "Sam Rivera")],
            **act.sender(AVERY),
            service_url=connector.url,
        ),
    )

    assert grammar_reads == [f"leader add @[Sam Rivera]({SAM['id']}) role=supervisor"]


def test_a_teams_mention_without_its_entity_is_the_name_as_typed() -> None:
    activity = Activity().deserialize(act.message("admin add <at>John Roe</at>"))

    assert from_teams(activity, activity.text) == "admin add John Roe"


async def test_the_whole_journey_from_enrolment_to_export(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await install(client, connector)
    await send(
        client,
        act.message(f"leader add {SAM['email']} role=supervisor", **personal(connector, AVERY)),
    )
    assert "Enrolled Sam Rivera" in said(await reply_to(connector, AVERY))
    await send(
        client, act.message("commit 6.a Thank one worker by name", **personal(connector, SAM))
    )
    assert "Committed to 6.a" in said(await reply_to(connector, SAM))
    await send(
        client,
        act.message(
            "send-now <at>Sam Rivera</at>",
            mentions=[(SAM["id"], "Sam Rivera")],
            **personal(connector, AVERY),
        ),
    )
    await reply_to(connector, AVERY, 2)

    assert (await services.scheduling().tick()).delivered.sent == 1
    prompt_card = await reply_to(connector, SAM, 2)
    card = prompt_card.cards[0]
    done = next(a for a in card["actions"] if a["title"] == "Done")
    assert done["type"] == "Action.Execute"
    assert done["fallback"]["type"] == "Action.Submit"

    response = await send(
        client,
        act.invoke_adaptive_card_action(
            done["verb"], done["data"], reply_to_id=prompt_card.id, **personal(connector, SAM)
        ),
    )
    body = await response.json()
    assert body["statusCode"] == 200
    assert "Recorded: Done" in str(body["value"])
    (record,) = rows(services, Record)
    assert (record.behavior_id, record.outcome) == ("6.a", "done")

    await send(client, act.message("export", **personal(connector, AVERY)))
    exported = said(await reply_to(connector, AVERY, 4))
    summary = connector.sent(act.personal_conversation_id(AVERY["id"]))[-2]
    assert "1 records" in said(summary)
    assert "recorded_at,leader,role,team,behavior_id" in exported
    assert ",Sam Rivera,supervisor," in exported
    assert ",6.a," in exported


async def test_action_submit_records_and_updates_the_card_in_place(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    prompt_card = await prompt_sam(client, services, connector)
    data = next(a for a in prompt_card.cards[0]["actions"] if a["title"] == "Partly")["data"]
    activity = act.message_with_value(data, reply_to_id=prompt_card.id, **personal(connector, SAM))
    await send(client, activity)
    # The bot answers Teams only once the turn is done, so the card is updated by now: the
    # answer to the re-send below likewise proves the bot is done with it, and that nothing
    # more was sent means something.
    (update,) = connector.calls_to("PUT", f"/{prompt_card.id}$")
    assert "Recorded: Partly" in str(update.json)
    said_to_sam = len(connector.sent(act.personal_conversation_id(SAM["id"])))
    await send(client, activity)  # Teams re-sends the same activity: nothing doubles
    (record,) = rows(services, Record)
    assert record.outcome == "partly"
    assert len(connector.calls_to("PUT", f"/{prompt_card.id}$")) == 1
    assert len(connector.sent(act.personal_conversation_id(SAM["id"]))) == said_to_sam


async def test_snooze_and_an_answer_redraw_the_teams_card_with_their_state(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    prompt_card = await prompt_sam(client, services, connector)
    actions = {a["title"]: a for a in prompt_card.cards[0]["actions"]}

    async def press(title: str) -> dict[str, Any]:
        action = actions[title]
        response = await send(
            client,
            act.invoke_adaptive_card_action(
                action["verb"],
                action["data"],
                reply_to_id=prompt_card.id,
                **personal(connector, SAM),
            ),
        )
        body = await response.json()
        assert body["statusCode"] == 200
        return dict(body["value"])

    snoozed = await press("Snooze")
    assert "Snoozed: I'll ask again" in str(snoozed)
    assert "Snooze" not in [a["title"] for a in snoozed["actions"]]
    answered = await press("Partly")
    assert "Recorded: Partly" in str(answered)
    chosen = [a for a in answered["actions"] if a["title"].startswith("✓")]
    assert [(a["title"], a["style"]) for a in chosen] == [("✓ Partly", "positive")]
    (record,) = rows(services, Record)
    assert record.outcome == "partly"


async def test_about_on_a_prompt_card_answers_with_the_behavior_in_full(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    prompt_card = await prompt_sam(client, services, connector)
    about = next(a for a in prompt_card.cards[0]["actions"] if a["title"] == "About 6.a")
    # Teams shows six actions: the six answers stay in view, About waits in the "…" menu.
    assert about["mode"] == "secondary"
    assert len([a for a in prompt_card.cards[0]["actions"] if "mode" not in a]) == 6
    activity = act.message_with_value(
        about["data"], reply_to_id=prompt_card.id, **personal(connector, SAM)
    )
    await send(client, activity)
    page = said(connector.sent(act.personal_conversation_id(SAM["id"]))[-1])
    assert "Impact on staff" in page
    assert rows(services, Record) == []


async def test_home_in_teams_is_a_card_whose_drop_button_works(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await queue_a_prompt_for_sam(client, connector)
    await send(client, act.message("home", **personal(connector, SAM)))
    home = await reply_to(connector, SAM, 2)
    assert "Hi Sam Rivera" in said(home)
    drop = next(a for a in home.cards[0]["actions"] if a["title"] == "Drop 6.a")
    await send(
        client,
        act.message_with_value(drop["data"], reply_to_id=home.id, **personal(connector, SAM)),
    )
    assert "Dropped 6.a" in said(connector.sent(act.personal_conversation_id(SAM["id"]))[-1])
    (commitment,) = rows(services, Commitment)
    assert commitment.ended_at is not None


async def test_a_note_typed_into_the_card_waits_for_the_outcome_then_is_recorded(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    prompt_card = await prompt_sam(client, services, connector)
    note = next(a for a in prompt_card.cards[0]["actions"] if a["title"] == "Add a note")
    save = note["card"]["actions"][0]
    response = await send(
        client,
        act.invoke_adaptive_card_action(
            save["verb"],
            {**save["data"], "text": "Named three wins at huddle"},
            reply_to_id=prompt_card.id,
            **personal(connector, SAM),
        ),
    )
    shown = (await response.json())["value"]  # Action.Execute: the card shown in place
    assert "Your note (not recorded yet)" in str(shown)
    assert "Named three wins at huddle" in str(shown)
    assert rows(services, Record) == []  # a note alone is no answer
    done = next(a for a in prompt_card.cards[0]["actions"] if a["title"] == "Done")
    await send(
        client,
        act.invoke_adaptive_card_action(
            done["verb"], done["data"], reply_to_id=prompt_card.id, **personal(connector, SAM)
        ),
    )
    (record,) = rows(services, Record)
    assert (record.outcome, record.note) == ("done", "Named three wins at huddle")


async def test_action_submit_on_the_how_did_it_go_card_updates_the_prompts_card(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    """Clients without Universal Actions send an Action.Submit message: the same outcome."""
    client, services = teams
    prompt_card = await prompt_sam(client, services, connector)
    await send(client, act.message("Thanked Jo for the backlog push", **personal(connector, SAM)))
    question = await reply_to(connector, SAM, 3)
    done = next(a for a in question.cards[0]["actions"] if a["title"] == "Done")["fallback"]
    await send(
        client,
        act.message_with_value(done["data"], reply_to_id=question.id, **personal(connector, SAM)),
    )
    (record,) = rows(services, Record)
    assert (record.outcome, record.note) == ("done", "Thanked Jo for the backlog push")
    (on_prompt,) = connector.calls_to("PUT", f"/{prompt_card.id}$")
    assert "Recorded: Done" in str(on_prompt.json)
    (on_question,) = connector.calls_to("PUT", f"/{question.id}$")
    assert "Got it: Done" in str(on_question.json)
    assert "actions" not in str(on_question.json)


async def test_text_in_the_chat_is_a_note_and_typos_after_expiry_record_nothing(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    prompt_card = await prompt_sam(client, services, connector)
    await send(client, act.message("Thanked Jo for the backlog push", **personal(connector, SAM)))
    reply = await reply_to(connector, SAM, 3)
    assert "How did it go?" in said(reply)
    assert rows(services, Record) == []
    partly = next(a for a in reply.cards[0]["actions"] if a["title"] == "Partly")
    response = await send(
        client,
        act.invoke_adaptive_card_action(
            partly["verb"], partly["data"], reply_to_id=reply.id, **personal(connector, SAM)
        ),
    )
    (record,) = rows(services, Record)
    assert (record.outcome, record.note) == ("partly", "Thanked Jo for the backlog push")
    # The prompt's own card shows the answer; the question becomes the confirmation.
    (update,) = connector.calls_to("PUT", f"/{prompt_card.id}$")
    assert "Recorded: Partly" in str(update.json)
    assert "Got it: Partly" in str((await response.json())["value"])
    await services.scheduling().tick(services.clock.now() + timedelta(days=3))
    for typed in ("comit 6.a", "history abc", "timezone Mars/Base", "hello"):
        await send(client, act.message(typed, **personal(connector, SAM)))
    replies = connector.sent(act.personal_conversation_id(SAM["id"]))[-4:]
    assert not any("Got it" in said(r) for r in replies)
    assert [r.outcome for r in rows(services, Record)] == ["partly"]  # the typos added none


async def prompt_sam(client: TestClient, services: Services, connector: MockConnector) -> Any:
    await queue_a_prompt_for_sam(client, connector)
    await services.scheduling().tick()
    return await reply_to(connector, SAM, 2)


async def test_a_leader_who_never_wrote_gets_a_new_chat_for_the_prompt(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await install(client, connector)
    await send(
        client,
        act.message(f"leader add {SAM['email']} role=supervisor", **personal(connector, AVERY)),
    )
    await send(client, act.message(f"send-now {SAM['email']} 7.a", **personal(connector, AVERY)))
    await reply_to(connector, AVERY, 2)
    assert (await services.scheduling().tick()).delivered.sent == 1
    (created,) = connector.calls_to("POST", "/v3/conversations$")
    assert [member["id"] for member in created.json["members"]] == [SAM["id"]]
    assert created.json["channelData"]["tenant"]["id"] == act.TENANT_ID
    refs = {(r.kind, r.key) for r in rows(services, ConversationRef)}
    assert ("dm", SAM["id"]) in refs


async def queue_a_prompt_for_sam(client: TestClient, connector: MockConnector) -> None:
    """Sam enrolled (by Avery, an admin), committed to 6.a, and a prompt queued for him."""
    await install(client, connector)
    await send(
        client,
        act.message(f"leader add {SAM['email']} role=supervisor", **personal(connector, AVERY)),
    )
    await send(client, act.message("commit 6.a", **personal(connector, SAM)))
    await send(client, act.message(f"send-now {SAM['email']}", **personal(connector, AVERY)))
    await reply_to(connector, AVERY, 2)


async def test_a_throttled_send_is_retried_and_sent_once(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await queue_a_prompt_for_sam(client, connector)
    conversation = act.personal_conversation_id(SAM["id"])
    connector.fail(f"/v3/conversations/{conversation}/activities", status=429, retry_after=1)
    assert (await services.scheduling().tick()).delivered.sent == 1
    prompts = [s for s in connector.sent(conversation) if s.cards and s.cards[0].get("actions")]
    throttled = [c for c in connector.calls if c.status == 429]
    assert len(throttled) == 1
    assert len(prompts) == 1
    (prompt,) = rows(services, Prompt)
    assert prompt.status == "sent"


async def test_a_blocked_bot_marks_the_leader_undeliverable_and_tells_the_admins(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    await queue_a_prompt_for_sam(client, connector)
    conversation = act.personal_conversation_id(SAM["id"])
    connector.fail(
        f"/v3/conversations/{conversation}/activities",
        status=403,
        code="ConversationBlockedByUser",
    )
    result = await services.scheduling().tick()
    assert result.delivered.failed == 1
    sam = next(p for p in rows(services, Person) if p.platform_user_id == SAM["id"])
    assert sam.undeliverable_reason == "ConversationBlockedByUser"
    told = await reply_to(connector, AVERY, 3)
    assert "can't reach Sam Rivera" in said(told)


async def test_with_an_app_id_requests_need_a_valid_token(
    aiohttp_client: ClientMaker, databases: FreshDatabase, connector: MockConnector
) -> None:
    metadata = publish_keys(connector)
    services = build_services(
        settings(
            databases.url(),
            microsoft_app_id=act.APP_ID,
            microsoft_app_password="secret",
            bot_openid_metadata_url=metadata,
        ),
        clock=service_clock(),
    )
    migrate(services.engine)
    client: TestClient = await aiohttp_client(build_web_app(services))
    activity = act.installation_update("remove", service_url=connector.url)
    assert (await client.post("/api/messages", json=activity)).status == 401
    forged = make_token(act.APP_ID, service_url=connector.url, key=SigningKey.generate())
    expired = make_token(act.APP_ID, service_url=connector.url, expired=True)
    for token in (forged, expired, "not-a-jwt"):
        response = await client.post(
            "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status == 401, token
    assert rows(services, ConversationRef) == []
    valid = make_token(act.APP_ID, service_url=connector.url)
    response = await client.post(
        "/api/messages", json=activity, headers={"Authorization": f"Bearer {valid}"}
    )
    assert response.status in (200, 201)
    assert rows(services, ConversationRef)
    services.engine.dispose()


async def test_an_activity_over_the_size_limit_gets_413(
    teams: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, services = teams
    # Over the limit, under aiohttp's default 1 MiB; Bot Framework activities are far smaller.
    padding = "x" * (MAX_REQUEST_BODY + 50_000)
    activity = {**act.installation_update(service_url=connector.url), "padding": padding}

    response = await client.post("/api/messages", json=activity)

    assert response.status == 413
    assert rows(services, ConversationRef) == []


class SilentKeyEndpoint:
    """A key endpoint that accepts connections and never answers (until closed)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        self.metadata_url = f"http://127.0.0.1:{port}/v1/.well-known/openidconfiguration"
        self.asked = threading.Event()
        self.holding = True
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, name="silent-key-endpoint", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed
                return
            self._held.append(connection)
            self.asked.set()

    def close(self) -> None:
        """Let go: the held connections end, and a fetch waiting on one fails."""
        self.holding = False
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() above
        self._listener.close()
        for connection in self._held:
            connection.close()


def authenticated_settings(url: str, metadata_url: str) -> Settings:
    return settings(
        url,
        microsoft_app_id=act.APP_ID,
        microsoft_app_password="secret",
        bot_openid_metadata_url=metadata_url,
    )


@pytest.mark.waits_out_a_timeout
async def test_a_key_endpoint_that_never_answers_neither_freezes_the_service_nor_hangs_teams(
    aiohttp_client: ClientMaker, databases: FreshDatabase, connector: MockConnector
) -> None:
    """botframework-connector fetches signing keys with a blocking requests.get and no
    timeout: on the service's loop, a key endpoint that never answered froze every route."""
    keys = SilentKeyEndpoint()
    # Before the fix the fetch froze this test's loop too: the watchdog lets go after 30 s, so
    # that shows as a failed assertion below instead of a run that never ends.
    watchdog = threading.Timer(30, keys.close)
    services = build_services(
        authenticated_settings(databases.url(), keys.metadata_url), clock=service_clock()
    )
    migrate(services.engine)
    client: TestClient = await aiohttp_client(build_web_app(services))
    token = make_token(act.APP_ID, service_url=connector.url)
    watchdog.start()
    try:
        teams = asyncio.create_task(
            client.post(
                "/api/messages",
                json=act.installation_update("add", service_url=connector.url),
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        assert await asyncio.to_thread(keys.asked.wait, 10), "the keys were never asked for"

        health = await asyncio.wait_for(client.get("/healthz"), 10)
        assert health.status == 200
        assert keys.holding, "/healthz answered only once the key endpoint let go"
        answered = await asyncio.wait_for(teams, 20)
        assert answered.status == 503
        assert keys.holding
        assert rows(services, ConversationRef) == []
    finally:
        watchdog.cancel()
        keys.close()
        services.engine.dispose()


async def test_a_key_endpoint_that_cannot_be_reached_is_503_not_a_crash(
    aiohttp_client: ClientMaker, databases: FreshDatabase, connector: MockConnector
) -> None:
    keys = SilentKeyEndpoint()
    keys.close()  # nothing listens on its port now: connections are refused
    services = build_services(
        authenticated_settings(databases.url(), keys.metadata_url), clock=service_clock()
    )
    migrate(services.engine)
    client: TestClient = await aiohttp_client(build_web_app(services))
    token = make_token(act.APP_ID, service_url=connector.url)

    response = await client.post(
        "/api/messages",
        json=act.installation_update("add", service_url=connector.url),
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status == 503
    services.engine.dispose()


# Unauthenticated (no app id), the bot answers this machine's service URLs only


ELSEWHERE = [
    pytest.param("https://attacker.invalid/", id="another host"),
    pytest.param("http://localhost.attacker.invalid/", id="a name starting with localhost"),
    pytest.param("http://127.0.0.1.attacker.invalid/", id="a name starting with 127.0.0.1"),
    pytest.param("http://localhost@attacker.invalid/", id="localhost as the user"),
    pytest.param("ftp://127.0.0.1/", id="not http"),
    pytest.param("", id="empty"),
    pytest.param(None, id="missing"),
    pytest.param(42, id="not a string"),
]


@pytest.mark.parametrize("service_url", ELSEWHERE)
@pytest.mark.parametrize("kind", ["message", "installation"])
async def test_without_an_app_id_an_activity_for_a_service_url_elsewhere_is_refused(
    teams: tuple[TestClient, Services],
    connector: MockConnector,
    monkeypatch: pytest.MonkeyPatch,
    service_url: Any,
    kind: str,
) -> None:
    """Unauthenticated, the adapter would call (SSRF) whatever serviceUrl the activity names
    and store it for later prompts: 403, the bot never runs, nothing is stored or called."""
    client, services = teams
    turns: list[Any] = []

    async def on_turn(self: Any, turn_context: Any) -> None:
        turns.append(turn_context.activity)

    monkeypatch.setattr(FollowThroughTeamsBot, "on_turn", on_turn)
    activity = (
        act.message("help", **personal(connector, SAM))
        if kind == "message"
        else act.installation_update("add", service_url=connector.url)
    )
    if service_url is None:
        del activity["serviceUrl"]
    else:
        activity["serviceUrl"] = service_url

    response = await client.post("/api/messages", json=activity)

    assert response.status == 403
    assert "MICROSOFT_APP_ID" in await response.text()
    assert turns == []
    assert connector.calls == []
    for model in (ConversationRef, Person, Workspace):
        assert rows(services, model) == []


@pytest.mark.parametrize(
    "body", [pytest.param(b"not json", id="not JSON"), pytest.param(b"[]", id="a list")]
)
async def test_without_an_app_id_a_body_that_is_not_an_activity_is_400(
    teams: tuple[TestClient, Services], body: bytes
) -> None:
    client, services = teams

    response = await client.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json"}
    )

    assert response.status == 400
    assert rows(services, Workspace) == []


@pytest.mark.parametrize(
    ("url", "here"),
    [
        ("http://127.0.0.1:56000/", True),
        ("https://localhost/", True),
        ("http://LOCALHOST:3978/api/", True),
        ("http://[::1]:56000/", True),
        ("https://smba.trafficmanager.net/amer/", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("http://10.0.0.5/", False),
        ("http://0.0.0.0/", False),
        ("http://localhost.attacker.invalid/", False),
        ("http://127.0.0.1@attacker.invalid/", False),
        ("http://attacker.invalid@127.0.0.1/", False),
        ("file:///etc/passwd", False),
        ("http://[::1/", False),
        ("", False),
    ],
)
def test_which_service_urls_are_this_machine(url: str, here: bool) -> None:
    assert is_loopback_url(url) is here


def test_teams_package_fills_in_the_app_id_and_address(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(
        main,
        ["teams-package", "--out", str(out)],
        env={
            "MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555",
            "PUBLIC_URL": "https://ft.agency.gov",
        },
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = package.read("manifest.json").decode()
    assert '"botId": "11111111-2222-3333-4444-555555555555"' in manifest
    assert '"validDomains": ["ft.agency.gov"]' in manifest
    assert '"personal", "team", "groupChat"' in manifest


def test_teams_package_works_outside_a_checkout_and_names_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no deploy/ folder here: the template comes with the package
    runner = CliRunner()
    unset = {"MICROSOFT_APP_ID": None, "MicrosoftAppId": None, "PUBLIC_URL": None}

    neither = runner.invoke(main, ["teams-package"], env=unset)
    assert neither.exit_code == 2
    assert "Set MICROSOFT_APP_ID (the bot's id" in neither.output
    assert "and PUBLIC_URL (the https:// address" in neither.output

    settings = {"MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555"}
    settings["PUBLIC_URL"] = "https://ft.agency.gov"
    built = runner.invoke(main, ["teams-package"], env={**unset, **settings})
    assert built.exit_code == 0, built.output
    assert (tmp_path / "followthrough-teams.zip").exists()

    empty = tmp_path / "mine"
    empty.mkdir()
    mine = runner.invoke(main, ["teams-package", "--source", str(empty)], env=settings)
    assert mine.exit_code == 2
    assert "has no manifest.json" in mine.output
    (empty / "manifest.json").write_text("{}")
    iconless = runner.invoke(main, ["teams-package", "--source", str(empty)], env=settings)
    assert iconless.exit_code == 1
    assert "color.png is missing beside manifest.json" in iconless.output
    assert "Errno" not in iconless.output


def test_every_command_the_teams_manifest_offers_is_one_the_bot_knows() -> None:
    manifest = json.loads((REPOSITORY / "bot/platforms/teams/app/manifest.json").read_text())
    offered = [
        command["title"]
        for bot in manifest["bots"]
        for listed in bot["commandLists"]
        for command in listed["commands"]
    ]
    assert "behavior" in offered
    assert [title for title in offered if title not in BY_NAME] == []
    assert all(len(listed["commands"]) <= 10 for listed in manifest["bots"][0]["commandLists"])
