"""Slack end to end: requests signed and shaped exactly as Slack sends them, posted over HTTP
to the real /slack/events; the Web API is a local mock that records every call."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient
from slack_bolt.listener.async_listener_completion_handler import (
    AsyncDefaultListenerCompletionHandler,
)
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import event, select, update

from bot.app import MAX_REQUEST_BODY, build_web_app
from bot.config import Settings
from bot.logs import MAX_MESSAGE
from bot.platforms.slack.channel import SlackChannel
from bot.platforms.slack.setup import BOT_SCOPES
from bot.services import Services, build_services
from bot.store.db import migrate
from bot.store.models import Commitment, Person, Prompt, Record, SeenEvent, Support, Team, Workspace
from tests.conftest import FreshDatabase
from tests.platforms.moment import service_clock
from tests.platforms.polling import wait_for
from tests.platforms.slack import payloads
from tests.platforms.slack.mock_web_api import MockSlackWebAPI, dm_channel
from tests.platforms.slack.signing import signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN, LEADER = "U0ADM", "U0SUP"
ClientMaker = Callable[..., Any]


@pytest.fixture
def services(databases: FreshDatabase, slack_api: MockSlackWebAPI) -> Services:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=databases.url(),
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=slack_api.url,
        followthrough_admins="avery@agency.org",
        secret_key="x",
    )
    built = build_services(settings, clock=service_clock())
    migrate(built.engine)
    slack_api.add_user(
        ADMIN, name="avery", real_name="Avery Admin", email="avery@agency.org", tz="America/Chicago"
    )
    slack_api.add_user(
        LEADER, name="sam", real_name="Sam Rivera", email="sam@agency.org", tz="America/Los_Angeles"
    )
    return built


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[AsyncBoltRequest]:
    """The requests whose Bolt listener has finished running, work after the ack included:
    what a test waits for before asserting that handling something sent nothing."""
    finished: list[AsyncBoltRequest] = []
    default = AsyncDefaultListenerCompletionHandler.handle

    async def record(
        self: AsyncDefaultListenerCompletionHandler,
        request: AsyncBoltRequest,
        response: BoltResponse | None,
    ) -> None:
        await default(self, request, response)
        finished.append(request)

    monkeypatch.setattr(AsyncDefaultListenerCompletionHandler, "handle", record)
    return finished


@pytest.fixture
async def slack(aiohttp_client: ClientMaker, services: Services) -> AsyncIterator[TestClient]:
    client: TestClient = await aiohttp_client(build_web_app(services))
    yield client
    services.engine.dispose()


async def post(client: TestClient, body: str, content_type: str, **headers: str) -> Any:
    return await client.post(
        "/slack/events",
        data=body.encode(),
        headers={**signed_headers(body, content_type, SECRET), **headers},
    )


async def command(client: TestClient, text: str, user: str = LEADER) -> dict[str, Any]:
    body, content_type = payloads.slash_command(text, user_id=user)
    response = await post(client, body, content_type)
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return answer


def rows(services: Services, model: type) -> list[Any]:
    with services.sessions() as session:
        return list(session.scalars(select(model)))


async def settle(slack_api: MockSlackWebAPI, method: str, count: int = 1) -> list[Any]:
    return await asyncio.to_thread(slack_api.wait_for, method, count)


async def test_url_verification_echoes_the_challenge(slack: TestClient) -> None:
    body, content_type = payloads.url_verification(
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    )
    response = await post(slack, body, content_type)
    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in await response.text()


@pytest.mark.parametrize("forgery", ["unsigned", "bad signature", "stale"])
async def test_forged_or_stale_requests_get_401_and_change_nothing(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI, forgery: str
) -> None:
    body, content_type = payloads.slash_command(
        "leader add sam@agency.org role=supervisor", user_id=ADMIN
    )
    headers = signed_headers(body, content_type, SECRET)
    if forgery == "unsigned":
        headers = {"Content-Type": content_type}
    elif forgery == "bad signature":
        headers = signed_headers(body, content_type, "not-the-secret")
    else:
        stale = int(time.time()) - 6 * 60
        headers = {**signed_headers(body, content_type, SECRET), **payloads_sign(body, stale)}
    response = await slack.post("/slack/events", data=body.encode(), headers=headers)
    assert response.status == 401
    assert rows(services, Person) == []
    assert slack_api.calls == []


def payloads_sign(body: str, timestamp: int) -> dict[str, str]:
    from tests.platforms.slack.signing import sign

    return sign(body, SECRET, timestamp)


FAKE_LINE = "2026-01-01 00:00:00,000 INFO followthrough: FAKE LOG LINE"


def forged_form(size: int) -> str:
    """A form body of about `size` bytes whose tail would forge a log line if written raw."""
    return "token=x&text=" + "A" * size + "\n" + FAKE_LINE


async def test_a_forged_request_is_refused_without_its_body_reaching_the_log(
    aiohttp_client: ClientMaker, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    # Before the app is built: Bolt gives its loggers the level logging has at that moment.
    caplog.set_level(logging.DEBUG)
    slack: TestClient = await aiohttp_client(build_web_app(services))
    body = forged_form(300_000)  # large, yet under the request size limit: Bolt sees it

    response = await slack.post(
        "/slack/events",
        data=body.encode(),
        headers=signed_headers(body, payloads.FORM, "not-the-secret"),
    )

    assert response.status == 401
    messages = [record.getMessage() for record in caplog.records]
    assert any("signature" in message for message in messages)  # the refusal is still told
    for message in messages:
        assert "FAKE LOG LINE" not in message
        assert "A" * 64 not in message
        assert "\n" not in message
        assert len(message) <= MAX_MESSAGE


async def test_a_body_over_the_size_limit_gets_413_and_stays_out_of_the_log(
    slack: TestClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = forged_form(MAX_REQUEST_BODY + 50_000)  # under aiohttp's default 1 MiB
    headers = signed_headers(body, payloads.FORM, SECRET)

    response = await slack.post("/slack/events", data=body.encode(), headers=headers)

    assert response.status == 413
    assert rows(services, Person) == []
    assert not [r for r in caplog.records if "FAKE LOG LINE" in r.getMessage()]


async def test_a_payload_as_large_as_slack_sends_is_still_accepted(slack: TestClient) -> None:
    # A 40,000-character message (Slack's cap), written out twice as Slack does (text and rich
    # text blocks) with every character a \uXXXX escape: about 480 KB.
    challenge = "\u00e9" * 80_000
    body, content_type = payloads.url_verification(challenge)
    assert 470_000 < len(body.encode()) < MAX_REQUEST_BODY

    response = await post(slack, body, content_type)

    assert response.status == 200
    assert (await response.json())["challenge"] == challenge


async def test_help_answers_ephemerally_with_blocks(slack: TestClient) -> None:
    answer = await command(slack, "help")
    assert answer["response_type"] == "ephemeral"
    assert "commit &lt;behavior-id&gt;" in str(answer["blocks"])


@pytest.fixture
def transactions(services: Services) -> Iterator[list[object]]:
    """Every database transaction begun from here on."""
    begun: list[object] = []
    note = begun.append
    event.listen(services.engine, "begin", note)
    yield begun
    event.remove(services.engine, "begin", note)


async def test_a_known_persons_command_is_one_transaction_and_asks_slack_nothing(
    slack: TestClient, slack_api: MockSlackWebAPI, services: Services
) -> None:
    await command(slack, "help")
    transactions: list[object] = []

    def begun(connection: object) -> None:
        transactions.append(connection)

    event.listen(services.engine, "begin", begun)
    try:
        for _ in range(2):
            await command(slack, "commitments")
    finally:
        event.remove(services.engine, "begin", begun)

    assert len(transactions) == 2  # one a command, once met
    assert [call.params["user"] for call in slack_api.calls_to("users.info")] == [LEADER]
    (sam,) = rows(services, Person)
    assert (sam.display_name, sam.email) == ("Sam Rivera", "sam@agency.org")


async def test_help_and_behaviors_for_someone_remembered_need_no_database(
    slack: TestClient, transactions: list[object]
) -> None:
    await command(slack, "help")  # met: written down, so not remembered yet
    first = await command(slack, "help")  # remembered
    assert len(transactions) == 3

    again = await command(slack, "help")
    domains = await command(slack, "behaviors")
    domain = await command(slack, "behaviors teaming")
    page = await command(slack, "behavior 6")

    assert len(transactions) == 3
    assert again == first
    assert "Accountability" in str(domains["blocks"])
    assert "12.c" in str(domain["blocks"])
    assert "Impact on staff" in str(page["blocks"])
    assert "6.b.iii (director)" in str(page["blocks"])
    await command(slack, "commitments")  # anything else takes the usual way
    assert len(transactions) == 4


async def test_help_shows_a_change_made_in_chat_at_once(
    slack: TestClient, transactions: list[object]
) -> None:
    await command(slack, "help")
    assert "Admin commands" not in str(await command(slack, "help"))
    remembered = len(transactions)
    await command(slack, "help")
    assert len(transactions) == remembered

    await command(slack, f"admin add <@{LEADER}|sam>", user=ADMIN)

    assert "Admin commands" in str(await command(slack, "help"))


async def test_recording_something_keeps_who_is_remembered_and_a_profile_change_does_not(
    slack: TestClient, transactions: list[object]
) -> None:
    await command(slack, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(slack, "help")
    await command(slack, "help")  # remembered
    await command(slack, "log 6.a Thanked the intake unit")  # writes a record, not a person
    remembered = len(transactions)
    await command(slack, "help")
    assert len(transactions) == remembered

    await command(slack, "profile name=Samantha")
    await command(slack, "help")
    assert len(transactions) == remembered + 2  # the profile, then help from the database


async def test_an_admin_command_asks_the_database_whatever_help_remembers(
    slack: TestClient, services: Services
) -> None:
    await command(slack, f"admin add <@{LEADER}|sam>", user=ADMIN)
    assert "Admin commands" in str(await command(slack, "help"))  # remembered as an admin
    with services.sessions.begin() as session:  # another copy, or the terminal, takes it back
        session.execute(
            update(Person).where(Person.platform_user_id == LEADER).values(is_admin=False)
        )

    answer = await command(slack, "leader list")

    assert "for Follow-Through admins" in answer["text"]


async def test_a_newcomer_gets_an_answer_when_slack_answers_users_info_with_an_error_page(
    slack: TestClient, slack_api: MockSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    slack_api.add_user("U0NEW", name="noor", real_name="Noor Haddad")
    slack_api.fail("users.info", status=502, page="<html><h1>502 Bad Gateway</h1></html>")

    with caplog.at_level(logging.ERROR, logger="bot.platforms.slack.app"):
        answer = await command(slack, "help", user="U0NEW")

    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Follow-Through help: Hi U0NEW.")
    assert "Slack users.info failed: HTTP 502" in caplog.messages


async def test_a_malformed_command_gets_a_specific_ephemeral_answer(
    slack: TestClient, services: Services
) -> None:
    answer = await command(slack, "comit 6.a")
    assert answer["response_type"] == "ephemeral"
    assert "Did you mean `commit`" in answer["text"] + str(answer["blocks"])
    assert rows(services, Record) == []


async def test_a_non_admin_is_refused_politely(slack: TestClient, services: Services) -> None:
    answer = await command(slack, "leader add <@U0ADM> role=director")
    assert "for Follow-Through admins" in answer["text"]
    assert [p.is_leader for p in rows(services, Person)] == [False]


async def test_an_admin_renames_rechannels_rezones_and_removes_a_team(
    slack: TestClient, services: Services
) -> None:
    await command(slack, "team add North <#C0NORTH|north>", user=ADMIN)
    renamed = await command(slack, 'team rename North "North Region"', user=ADMIN)
    assert renamed["text"] == "Team North is now North Region."
    moved = await command(slack, 'team channel "North Region" <#C0LEADS|leads>', user=ADMIN)
    assert "digest in #leads" in moved["text"]
    zoned = await command(slack, 'team timezone "North Region" Europe/Lisbon', user=ADMIN)
    assert "now in Europe/Lisbon" in zoned["text"]
    (team,) = rows(services, Team)
    assert (team.name, team.channel_ref, team.timezone) == (
        "North Region",
        "C0LEADS",
        "Europe/Lisbon",
    )
    malformed = await command(slack, "team timezone North", user=ADMIN)
    assert "Usage: `team timezone <name> <IANA zone>`" in malformed["text"]
    refused = await command(slack, 'team remove "North Region"')
    assert "for Follow-Through admins" in refused["text"]
    removed = await command(slack, 'team remove "North Region"', user=ADMIN)
    assert removed["text"].startswith("Removed team North Region")
    assert rows(services, Team) == []


async def test_an_admin_sets_up_reporting_lines_and_a_manager_reads_reports(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    slack_api.add_user("U0MGR", name="morgan", real_name="Morgan Lee", email="morgan@agency.org")
    slack_api.add_user("U0DIR", name="dana", real_name="Dana Ortiz", email="dana@agency.org")
    for text in (
        "leader add <@U0DIR|dana> role=director",
        "leader add <@U0MGR|morgan> role=manager reports-to=<@U0DIR|dana>",
        "leader add <@U0SUP|sam> role=supervisor reports-to=morgan@agency.org",
    ):
        answer = await command(slack, text, user=ADMIN)
        assert answer["text"].startswith("Enrolled"), answer["text"]
    looped = await command(slack, "leader reports-to <@U0DIR|dana> <@U0SUP|sam>", user=ADMIN)
    assert "Dana Ortiz can't report to Sam Rivera" in looped["text"]
    refused = await command(slack, "leader reports-to <@U0SUP|sam> none")
    assert "for Follow-Through admins" in refused["text"]
    malformed = await command(slack, "leader reports-to <@U0SUP|sam>", user=ADMIN)
    assert "Usage: `leader reports-to <user> <manager|none>`" in malformed["text"]

    await command(slack, "log 6.a Thanked the night team by name")
    director = await command(slack, "reports", user="U0DIR")

    assert director["response_type"] == "ephemeral"
    shown = str(director["blocks"])
    assert "1 person reports to you, and 1 more person below them." in shown
    assert "Sam Rivera — supervisor, via Morgan Lee" in shown
    assert "this week: 6.a done" in shown
    assert "Thanked the night team" not in shown  # a log is not shared
    people = {p.platform_user_id: p for p in rows(services, Person)}
    assert people["U0SUP"].manager_id == people["U0MGR"].id
    assert people["U0DIR"].manager_id is None


async def test_an_admin_assigns_a_commitment_to_every_director_in_slack(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    slack_api.add_user("U0DIR", name="dana", real_name="Dana Ortiz", email="dana@agency.org")
    await command(slack, "leader add <@U0DIR|dana> role=director", user=ADMIN)

    refused = await command(slack, "commit role:director 4.a.vi")
    assigned = await command(slack, "commit role:director 4.a.vi", user=ADMIN)
    malformed = await command(slack, "commit role:directors", user=ADMIN)

    assert "only Follow-Through admins assign commitments" in refused["text"]
    assert "Assigned 4.a.vi" in assigned["text"]
    assert (
        "Usage: `commit <user|role:<role>|team:<name>> <behavior-id> [goal]`" in (malformed["text"])
    )
    result = await services.scheduling().tick()
    assert result.delivered.notices == 1
    (told,) = [
        call
        for call in slack_api.calls_to("chat.postMessage")
        if call.params["channel"] == dm_channel("U0DIR")
    ]
    assert "Avery Admin asked you to practice 4.a.vi" in str(told.params["blocks"])


async def test_lengths_home_and_dropping_an_assignment_in_slack(
    slack: TestClient, services: Services
) -> None:
    await command(slack, "leader add <@U0SUP|sam> role=supervisor", user=ADMIN)
    snooze = await command(slack, "snooze-length 1d", user=ADMIN)
    expiry = await command(slack, "expiry 36h", user=ADMIN)
    too_long = await command(slack, "expiry 3w", user=ADMIN)
    assigned = await command(slack, "commit <@U0SUP|sam> 6.a", user=ADMIN)
    home = await command(slack, "home")
    dropped = await command(slack, "drop <@U0SUP|sam> 6.a", user=ADMIN)
    not_twice = await command(slack, "drop <@U0SUP|sam> 6.a", user=ADMIN)

    assert "asks again after 1 day" in snooze["text"]
    assert "stays open 1 day and 12 hours after its reminder" in expiry["text"]
    assert "between an hour and two weeks" in too_long["text"]
    assert "Assigned 6.a" in assigned["text"]
    assert "Drop 6.a" in str(home["blocks"])
    assert dropped["text"] == "Ended 6.a for 1 leader: Sam Rivera."
    assert "doesn't hold 6.a as an assigned commitment" in not_twice["text"]
    (place,) = rows(services, Workspace)
    assert (place.snooze_minutes, place.expiry_hours) == (24 * 60, 36)


async def test_the_whole_journey_from_enrolment_to_export(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    enrolled = await command(
        slack, "leader add <mailto:sam@agency.org|sam@agency.org> role=supervisor", user=ADMIN
    )
    assert "Enrolled Sam Rivera as a supervisor (America/Los_Angeles)" in enrolled["text"]
    assert slack_api.calls_to("users.lookupByEmail")
    committed = await command(slack, "commit 6.a Thank one worker by name")
    assert "Committed to 6.a" in committed["text"]
    assert (
        "queued a prompt" in (await command(slack, "send-now <@U0SUP>", user=ADMIN))["text"].lower()
    )

    result = await services.scheduling().tick()
    assert result.delivered.sent == 1
    (posted,) = slack_api.calls_to("chat.postMessage")
    assert posted.params["channel"] == dm_channel(LEADER)
    assert posted.params["metadata"]["event_payload"]["key"].startswith("now:")
    actions = next(b for b in posted.params["blocks"] if b["type"] == "actions")
    done = next(e for e in actions["elements"] if e["text"]["text"] == "Done")
    (prompt,) = rows(services, Prompt)
    assert done["value"] == str(prompt.id)

    body, content_type = payloads.block_actions(
        done["action_id"],
        done["value"],
        user_id=LEADER,
        channel_id=dm_channel(LEADER),
        message_ts=slack_api.calls_to("chat.postMessage")[0].params.get("ts", "1700000000.000100"),
        message_blocks=posted.params["blocks"],
    )
    assert (await post(slack, body, content_type)).status == 200
    (update,) = await settle(slack_api, "chat.update")
    assert "Recorded: Done" in str(update.params["blocks"])
    (record,) = rows(services, Record)
    assert (record.behavior_id, record.outcome, record.source) == ("6.a", "done", "button")

    exported = await command(slack, "export", user=ADMIN)
    assert "1 records" in exported["text"]
    (upload,) = await settle(slack_api, "upload")
    table = list(csv.DictReader(io.StringIO(upload.params["data"].decode())))
    assert [(r["leader"], r["behavior_id"], r["outcome"], r["platform"]) for r in table] == [
        ("Sam Rivera", "6.a", "done", "slack")
    ]


async def prompt_for_sam(slack: TestClient, services: Services) -> tuple[Any, str]:
    await command(slack, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(slack, "commit 6.a")
    await command(slack, "send-now <@U0SUP>", user=ADMIN)
    await services.scheduling().tick()
    (prompt,) = rows(services, Prompt)
    return prompt, str(prompt.id)


async def test_snooze_and_an_answer_redraw_the_slack_card_with_their_state(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    await prompt_for_sam(slack, services)
    (posted,) = slack_api.calls_to("chat.postMessage")

    def press(label: str, blocks: list[Any]) -> tuple[bytes, str]:
        actions = next(b for b in blocks if b["type"] == "actions")
        button = next(e for e in actions["elements"] if e["text"]["text"] == label)
        return payloads.block_actions(
            button["action_id"],
            button["value"],
            user_id=LEADER,
            channel_id=dm_channel(LEADER),
            message_ts=posted.params.get("ts", "1700000000.000100"),
            message_blocks=blocks,
        )

    assert (await post(slack, *press("Snooze", posted.params["blocks"]))).status == 200
    (snoozed,) = await settle(slack_api, "chat.update")
    assert "Snoozed: I'll ask again" in str(snoozed.params["blocks"])
    labels = [
        e["text"]["text"]
        for b in snoozed.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert "Snooze" not in labels

    assert (await post(slack, *press("Partly", snoozed.params["blocks"]))).status == 200
    _, answered = await settle(slack_api, "chat.update", 2)
    actions = next(b for b in answered.params["blocks"] if b["type"] == "actions")
    styles = {e["text"]["text"]: e.get("style") for e in actions["elements"][:3]}
    assert styles == {"Done": None, "✓ Partly": "primary", "Not this week": None}
    (record,) = rows(services, Record)
    assert record.outcome == "partly"


async def test_about_on_a_prompt_shows_the_behavior_in_full_to_the_leader_alone(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    await prompt_for_sam(slack, services)
    (posted,) = slack_api.calls_to("chat.postMessage")
    actions = next(b for b in posted.params["blocks"] if b["type"] == "actions")
    about = next(e for e in actions["elements"] if e["text"]["text"] == "About 6.a")

    body, content_type = payloads.block_actions(
        about["action_id"],
        about["value"],
        channel_id=dm_channel(LEADER),
        message_blocks=posted.params["blocks"],
    )
    assert (await post(slack, body, content_type)).status == 200

    (shown,) = await settle(slack_api, "chat.postEphemeral")
    assert shown.params["user"] == LEADER
    assert "Impact on staff" in str(shown.params["blocks"])
    assert rows(services, Record) == []


async def test_not_this_week_opens_a_modal_whose_submission_records_the_barrier(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    _, value = await prompt_for_sam(slack, services)
    body, content_type = payloads.block_actions("ft:answer.not_this_week", value)
    await post(slack, body, content_type)
    (opened,) = await settle(slack_api, "views.open")
    view = opened.params["view"]
    submission, content_type = payloads.view_submission(
        view["callback_id"], view["private_metadata"], {"ft-text": {"text": "Court all week"}}
    )
    assert (await post(slack, submission, content_type)).status == 200
    await settle(slack_api, "chat.update", 2)
    (record,) = rows(services, Record)
    assert (record.outcome, record.barrier) == ("not_this_week", "Court all week")


async def test_a_barrier_reaches_the_manager_in_a_weekly_summary_with_follow_up(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    slack_api.add_user("U0MGR", name="morgan", real_name="Morgan Lee", tz="UTC")
    await command(slack, "leader add <@U0MGR|morgan> role=manager", user=ADMIN)
    _, value = await prompt_for_sam(slack, services)
    await command(slack, "leader reports-to <@U0SUP|sam> <@U0MGR|morgan>", user=ADMIN)
    body, content_type = payloads.block_actions("ft:answer.not_this_week", value)
    await post(slack, body, content_type)
    (opened,) = await settle(slack_api, "views.open")
    assert "Your manager sees it in their weekly summary" in str(opened.params["view"])
    submission, content_type = payloads.view_submission(
        opened.params["view"]["callback_id"],
        opened.params["view"]["private_metadata"],
        {"ft-text": {"text": "Court all week"}},
    )
    assert (await post(slack, submission, content_type)).status == 200
    await settle(slack_api, "chat.update", 2)

    now = services.clock.now()
    monday = now.replace(hour=9, minute=30) + timedelta(days=7 - now.weekday())
    result = await services.scheduling().tick(monday)
    assert result.delivered.summaries == 1
    (summary,) = [
        call
        for call in slack_api.calls_to("chat.postMessage")
        if call.params["channel"] == dm_channel("U0MGR")
    ]
    assert "Sam Rivera: “Court all week”" in str(summary.params["blocks"])
    actions = next(b for b in summary.params["blocks"] if b["type"] == "actions")
    (follow_up,) = actions["elements"]
    assert follow_up["text"]["text"] == "Follow up: Court and legal"

    pressed, content_type = payloads.block_actions(
        follow_up["action_id"],
        follow_up["value"],
        user_id="U0MGR",
        channel_id=dm_channel("U0MGR"),
        message_blocks=summary.params["blocks"],
    )
    before = len(slack_api.calls_to("chat.postEphemeral"))
    assert (await post(slack, pressed, content_type)).status == 200
    said = (await settle(slack_api, "chat.postEphemeral", before + 1))[-1]
    assert said.params["text"].startswith("Noted: you followed up on 1 barrier")
    forged, content_type = payloads.block_actions(
        follow_up["action_id"],
        follow_up["value"],
        user_id=LEADER,
        channel_id=dm_channel(LEADER),
        message_blocks=summary.params["blocks"],
    )
    assert (await post(slack, forged, content_type)).status == 200
    refused = (await settle(slack_api, "chat.postEphemeral", before + 2))[-1]
    assert "That summary isn't yours" in refused.params["text"]
    (support,) = rows(services, Support)
    (record,) = rows(services, Record)
    assert support.record_id == record.id


async def test_a_note_through_the_modal_waits_for_the_outcome_then_goes_on_the_record(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    _, value = await prompt_for_sam(slack, services)
    body, content_type = payloads.block_actions("ft:note", value)
    await post(slack, body, content_type)
    (opened,) = await settle(slack_api, "views.open")
    assert rows(services, Record) == []
    submission, content_type = payloads.view_submission(
        opened.params["view"]["callback_id"],
        opened.params["view"]["private_metadata"],
        {"ft-text": {"text": "Named three wins at huddle"}},
    )
    await post(slack, submission, content_type)
    (redrawn,) = await settle(slack_api, "chat.update")
    assert "Your note (not recorded yet)" in str(redrawn.params["blocks"])
    assert rows(services, Record) == []  # a note alone is no answer
    body, content_type = payloads.block_actions("ft:answer.done", value)
    await post(slack, body, content_type)
    await settle(slack_api, "chat.update", 2)
    (record,) = rows(services, Record)
    assert (record.outcome, record.note) == ("done", "Named three wins at huddle")


async def test_share_counts_at_once_and_the_modal_only_asks_what_to_share(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    _, value = await prompt_for_sam(slack, services)
    body, content_type = payloads.block_actions("ft:share", value)
    await post(slack, body, content_type)
    (opened,) = await settle(slack_api, "views.open")
    assert opened.params["view"]["blocks"][0]["optional"] is True
    (prompt,) = rows(services, Prompt)
    assert prompt.draft_shared  # the tap counted before any words
    assert rows(services, Record) == []  # and is no answer by itself


async def test_free_text_in_the_dm_is_a_note_and_a_retried_event_is_not_doubled(
    slack: TestClient,
    services: Services,
    slack_api: MockSlackWebAPI,
    handled: list[AsyncBoltRequest],
) -> None:
    await prompt_for_sam(slack, services)
    body, content_type = payloads.event_callback(
        payloads.message_im("Thanked Jo for the backlog push"), event_id="Ev0FREETEXT1"
    )
    assert (await post(slack, body, content_type)).status == 200
    await settle(slack_api, "chat.postMessage", 2)
    retried = await post(
        slack,
        body,
        content_type,
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retried.status == 200
    # Slack gets its 200 before the listener runs, and a skipped retry sends nothing to wait
    # for: wait until Bolt has finished handling the retry, so "nothing more" means something.
    await wait_for(
        lambda: any(r.headers.get("x-slack-retry-num") == ["1"] for r in handled),
        what="Bolt to finish handling the retried event",
    )
    assert rows(services, Record) == []  # free text never chooses an outcome by itself
    (prompt,) = rows(services, Prompt)
    assert prompt.draft_note == "Thanked Jo for the backlog push"
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert len(rows(services, SeenEvent)) == 1
    reply = slack_api.calls_to("chat.postMessage")[-1]
    buttons = [
        element
        for block in reply.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("ft:answer.done", str(prompt.id)),
        ("ft:answer.partly", str(prompt.id)),
        ("ft:answer.not_this_week", str(prompt.id)),
    ]
    channel = dm_channel(LEADER)
    posted_prompt, posted_reply = slack_api.messages(channel)
    body, content_type = payloads.block_actions(
        "ft:answer.partly",
        str(prompt.id),
        message_blocks=posted_reply["blocks"],
        message_ts=posted_reply["ts"],
        channel_id=channel,
    )
    await post(slack, body, content_type)
    await settle(slack_api, "chat.update", 2)
    (record,) = rows(services, Record)
    assert (record.outcome, record.note) == ("partly", "Thanked Jo for the backlog push")
    # The prompt itself shows the answer; the question's buttons have done their work.
    shown_prompt, shown_reply = slack_api.messages(channel)
    assert shown_prompt["ts"] == posted_prompt["ts"]
    assert "Recorded: Partly" in str(shown_prompt["blocks"])
    assert [b["type"] for b in shown_reply["blocks"] if b["type"] == "actions"] == []
    assert "How did it go?" in str(shown_reply["blocks"])


@pytest.mark.parametrize("typed", ["comit 6.a", "history abc", "timezone Mars/Base", "hello"])
async def test_a_dm_after_the_prompt_expired_records_nothing(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI, typed: str
) -> None:
    await prompt_for_sam(slack, services)
    await services.scheduling().tick(services.clock.now() + timedelta(days=3))
    sent = len(slack_api.calls_to("chat.postMessage"))
    body, content_type = payloads.event_callback(payloads.message_im(typed))
    await post(slack, body, content_type)
    *_, reply = await settle(slack_api, "chat.postMessage", sent + 1)
    assert "Got it" not in reply.params["text"]
    assert rows(services, Record) == []


async def test_app_home_shows_commitments_and_the_streak(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    await command(slack, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(slack, "commit 6.a Thank one worker by name")
    body, content_type = payloads.event_callback(payloads.app_home_opened(LEADER))
    await post(slack, body, content_type)
    (published,) = await settle(slack_api, "views.publish")
    assert published.params["user_id"] == LEADER
    home = str(published.params["view"])
    assert "Thank one worker by name" in home
    assert "Drop 6.a" in home
    assert "No streak yet" in home


async def test_app_home_with_several_commitments_drops_the_one_pressed(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    await command(slack, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(slack, "commit 6.a")
    await command(slack, "commit 3.a")
    body, content_type = payloads.event_callback(payloads.app_home_opened(LEADER))
    await post(slack, body, content_type)
    (published,) = await settle(slack_api, "views.publish")
    blocks = published.params["view"]["blocks"]
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    # Slack refuses a block whose buttons share an action_id (the mock does too).
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    drop = next(b for b in buttons if b["text"]["text"] == "Drop 3.a")

    pressed, content_type = payloads.block_actions(
        drop["action_id"], drop["value"], message_blocks=blocks
    )
    assert (await post(slack, pressed, content_type)).status == 200
    await settle(slack_api, "views.publish", 2)

    active = [c.behavior_id for c in rows(services, Commitment) if c.ended_at is None]
    assert active == ["6.a"]


async def test_a_rate_limited_post_is_retried_after_retry_after_and_sent_once(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    await command(slack, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(slack, "commit 6.a")
    await command(slack, "send-now <@U0SUP>", user=ADMIN)
    slack_api.fail("chat.postMessage", times=1, status=429, retry_after=1)
    started = time.monotonic()
    result = await services.scheduling().tick()
    assert time.monotonic() - started >= 1.0
    assert result.delivered.sent == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    (prompt,) = rows(services, Prompt)
    assert prompt.status == "sent"


async def test_a_send_slack_keeps_limiting_is_tried_by_the_outbox_alone(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    """One retry layer: the outbox's in-process attempts, not slack_sdk's retries inside
    each of them as well."""
    await command(slack, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(slack, "commit 6.a")
    await command(slack, "send-now <@U0SUP>", user=ADMIN)
    slack_api.fail("chat.postMessage", times=20, status=429, retry_after=1)
    scheduling = services.scheduling()

    result = await scheduling.tick()

    assert result.delivered.sent == 0
    attempts = scheduling.outbox.in_process_attempts
    assert len(slack_api.calls_to("chat.postMessage")) == attempts


async def test_sends_to_one_workspace_share_one_client(
    slack: TestClient, services: Services
) -> None:
    await command(slack, "help")
    (workspace,) = rows(services, Workspace)
    channel = services.channels["slack"]
    assert isinstance(channel, SlackChannel)

    first = await channel.client_for(workspace.id)
    second = await channel.client_for(workspace.id)

    assert first is not None
    assert first is second


async def test_uninstalling_stops_sends_to_that_workspace(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    await command(slack, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(slack, "commit 6.a")
    await command(slack, "send-now <@U0SUP>", user=ADMIN)
    body, content_type = payloads.event_callback(payloads.app_uninstalled())
    assert (await post(slack, body, content_type)).status == 200
    await wait_for(
        lambda: [w.active for w in rows(services, Workspace)] == [False],
        what="the uninstalled workspace to be marked inactive",
    )
    assert (await services.scheduling().tick()).delivered.sent == 0
    assert slack_api.calls_to("chat.postMessage") == []


async def test_a_command_after_reinstalling_starts_sends_again_even_help_from_someone_remembered(
    slack: TestClient, services: Services
) -> None:
    for _ in range(2):
        await command(slack, "help")  # Sam is remembered after the second
    body, content_type = payloads.event_callback(payloads.app_uninstalled())
    assert (await post(slack, body, content_type)).status == 200
    await wait_for(
        lambda: [w.active for w in rows(services, Workspace)] == [False],
        what="the uninstalled workspace to be marked inactive",
    )

    await command(slack, "help")

    assert [w.active for w in rows(services, Workspace)] == [True]


def test_the_manifest_asks_for_the_scopes_the_app_uses() -> None:
    for name in ("manifest.yaml", "manifest-socket-mode.yaml"):
        manifest = yaml.safe_load((Path("deploy/slack") / name).read_text())
        assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
        (slash,) = manifest["features"]["slash_commands"]
        assert slash["command"] == "/followthrough"
        assert slash["should_escape"] is True
        events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
        assert {"message.im", "app_home_opened", "app_uninstalled", "tokens_revoked"} <= events
        assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert (
        yaml.safe_load(Path("deploy/slack/manifest-socket-mode.yaml").read_text())["settings"][
            "socket_mode_enabled"
        ]
        is True
    )


async def test_a_digest_joins_the_teams_public_channel_if_it_must(
    slack: TestClient, services: Services, slack_api: MockSlackWebAPI
) -> None:
    await command(slack, "team add North <#C0NORTH|north-impl>", user=ADMIN)
    await command(slack, "leader add <@U0SUP> role=supervisor team=North", user=ADMIN)
    assert "Queued the digest" in (await command(slack, "digest send North", user=ADMIN))["text"]
    slack_api.fail("chat.postMessage", error="not_in_channel")
    result = await services.scheduling().tick()
    assert result.delivered.digests == 1
    (joined,) = slack_api.calls_to("conversations.join")
    assert joined.params["channel"] == "C0NORTH"
    posted = slack_api.calls_to("chat.postMessage")
    assert [call.params["channel"] for call in posted] == ["C0NORTH", "C0NORTH"]
    assert "North digest" in str(posted[-1].params["blocks"])


async def test_the_grammar_reads_slack_markup_as_neutral_mentions(
    slack: TestClient, grammar_reads: list[str]
) -> None:
    answer = await command(slack, f"leader add <@{LEADER}|sam> role=supervisor", user=ADMIN)
    await command(slack, "team add North <#C0NORTH|impl-north>", user=ADMIN)

    assert "Enrolled Sam Rivera" in answer["text"]
    assert grammar_reads == [
        f"leader add @[sam]({LEADER}) role=supervisor",
        "team add North #[impl-north](C0NORTH)",
    ]


async def test_audit_answers_an_admin_and_refuses_a_leader(slack: TestClient) -> None:
    enrolled = await command(
        slack, "leader add <mailto:sam@agency.org|sam@agency.org> role=supervisor", user=ADMIN
    )
    assert "Enrolled Sam Rivera" in enrolled["text"]

    answer = await command(slack, "audit", user=ADMIN)

    assert answer["response_type"] == "ephemeral"
    shown = answer["text"] + str(answer["blocks"])
    assert "1 change, newest first (America/Chicago)" in shown
    assert "Avery Admin (admin) enrolled Sam Rivera as a supervisor" in shown
    refused = await command(slack, "audit")
    assert "for Follow-Through admins" in refused["text"]
    malformed = await command(slack, "audit since someday", user=ADMIN)
    assert "`someday` is not a date: use YYYY-MM-DD." in malformed["text"]
