"""What an operator sees of Slack work: GET /metrics after a real scheduling pass (a send
rate limited by Slack and retried) and a prompt answered by a button, and the log lines of a
send and of a button press, each carrying what it was about (delivery_key, request_id)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.app import build_web_app
from bot.config import Settings
from bot.core.clock import SetClock
from bot.services import Services, build_services
from bot.store.db import migrate
from bot.store.models import Prompt, Record
from bot.web.metrics import count_pass
from tests.conftest import NOW, FreshDatabase, JsonLog
from tests.platforms.slack import payloads
from tests.platforms.slack.mock_web_api import MockSlackWebAPI
from tests.platforms.slack.signing import signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN, LEADER = "U0ADM", "U0SUP"
# Sam works in Los Angeles, where the default cadence (Monday 09:00) falls an hour after NOW.
DUE = NOW + timedelta(hours=1, minutes=5)
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def clock() -> SetClock:
    return SetClock(NOW)


@pytest.fixture
async def slack(
    databases: FreshDatabase,
    slack_api: MockSlackWebAPI,
    clock: SetClock,
    aiohttp_client: Callable[..., Any],
) -> AsyncIterator[tuple[TestClient, Services]]:
    services = build_services(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=databases.url(),
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=slack_api.url,
            followthrough_admins="avery@agency.org",
            secret_key="x",
        ),
        clock=clock,
    )
    migrate(services.engine)
    slack_api.add_user(ADMIN, name="avery", email="avery@agency.org", tz="America/Chicago")
    slack_api.add_user(LEADER, name="sam", email="sam@agency.org", tz="America/Los_Angeles")
    client: TestClient = await aiohttp_client(build_web_app(services))
    yield client, services
    services.engine.dispose()


async def post(client: TestClient, body: str, content_type: str) -> Any:
    response = await client.post(
        "/slack/events", data=body.encode(), headers=signed_headers(body, content_type, SECRET)
    )
    assert response.status == 200
    return response


async def command(client: TestClient, text: str, user: str = LEADER) -> None:
    await post(client, *payloads.slash_command(text, user_id=user))


async def committed_sam(client: TestClient) -> None:
    await command(client, "leader add <@U0SUP> role=supervisor", user=ADMIN)
    await command(client, "commit 6.a")


async def scrape(client: TestClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def prompt_of(services: Services) -> Prompt:
    with services.sessions() as session:
        (prompt,) = session.scalars(select(Prompt))
        return prompt


async def press(client: TestClient, slack_api: MockSlackWebAPI, action: str, value: str) -> None:
    updates = len(slack_api.calls_to("chat.update"))
    await post(client, *payloads.block_actions(f"ft:answer.{action}", value))
    await asyncio.to_thread(slack_api.wait_for, "chat.update", updates + 1)


async def test_metrics_after_a_rate_limited_pass_and_an_answer(
    slack: tuple[TestClient, Services], slack_api: MockSlackWebAPI, clock: SetClock
) -> None:
    client, services = slack
    await committed_sam(client)
    slack_api.fail("chat.postMessage", times=1, status=429, retry_after=1)
    before = await scrape(client)

    clock.set(DUE)
    scheduling = services.scheduling()
    scheduling.observe = count_pass
    result = await scheduling.tick()
    assert (result.planned.pending, result.delivered.sent) == (1, 1)
    sent = await scrape(client)
    prompt = prompt_of(services)
    clock.set(DUE + timedelta(hours=3))  # Sam answers three hours after the prompt came
    await press(client, slack_api, "done", str(prompt.id))
    await press(client, slack_api, "partly", str(prompt.id))  # an edit, not another answer
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert moved("followthrough_scheduling_outcomes_total", outcome="planned") == 1
    assert moved("followthrough_scheduling_outcomes_total", outcome="sent") == 1
    assert moved("followthrough_scheduling_pass_duration_seconds_count") == 1
    assert moved("followthrough_platform_rate_limited_total", platform="slack") == 1
    assert moved("followthrough_platform_retries_total", platform="slack") == 1
    assert moved("followthrough_prompts_answered_total", outcome="done") == 1
    assert moved("followthrough_prompts_answered_total", outcome="partly") == 0
    assert moved("followthrough_answer_latency_seconds_count") == 1
    assert moved("followthrough_answer_latency_seconds_sum") == 3 * 3600
    assert moved("followthrough_answer_latency_seconds_bucket", le="3600.0") == 0
    assert moved("followthrough_answer_latency_seconds_bucket", le="14400.0") == 1
    assert value(before, "followthrough_outbox_due") == 0
    assert value(sent, "followthrough_outbox_due") == 0
    assert value(after, "followthrough_outbox_oldest_due_seconds") == 0
    with services.sessions() as session:
        (record,) = session.scalars(select(Record))
        assert record.outcome == "partly"


async def test_every_line_of_a_send_carries_its_delivery_key(
    slack: tuple[TestClient, Services],
    slack_api: MockSlackWebAPI,
    clock: SetClock,
    json_log: JsonLog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, services = slack
    await committed_sam(client)
    slack_api.fail("chat.postMessage", times=1, status=429, retry_after=1)
    caplog.set_level(logging.DEBUG, logger="slack_sdk")
    caplog.set_level(logging.INFO, logger="bot.scheduling.runner")
    clock.set(DUE)
    json_log.lines.clear()

    await services.scheduling().tick()

    key = prompt_of(services).delivery_key
    slack_lines = [
        line.entry
        for line in json_log.lines
        if line.entry["logger"].startswith(("slack_sdk", "bot.platforms.slack"))
    ]
    events = [entry["event"] for entry in slack_lines]
    assert (
        sum("Sending a request - url: POST" in e and "chat.postMessage" in e for e in events) == 2
    )
    assert "Slack chat.postMessage failed: ratelimited" in events
    assert {entry.get("delivery_key") for entry in slack_lines} == {key}
    (summary,) = json_log.of(logger="bot.scheduling.runner")
    assert "delivery_key" not in summary.entry  # the pass's own line, after the send


async def test_the_work_bolt_does_after_answering_slack_carries_the_request_id(
    slack: tuple[TestClient, Services],
    slack_api: MockSlackWebAPI,
    clock: SetClock,
    json_log: JsonLog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, services = slack
    await committed_sam(client)
    clock.set(DUE)
    await services.scheduling().tick()
    caplog.set_level(logging.DEBUG, logger="slack_sdk")
    json_log.lines.clear()

    body, content_type = payloads.block_actions("ft:answer.done", str(prompt_of(services).id))
    response = await post(client, body, content_type)
    await asyncio.to_thread(slack_api.wait_for, "chat.update")

    updates = [
        line
        for line in json_log.lines
        if line.entry["logger"].startswith("slack_sdk") and "chat.update" in line.entry["event"]
    ]
    assert updates
    assert {line.entry.get("request_id") for line in updates} == {response.headers["X-Request-Id"]}
