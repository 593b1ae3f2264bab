"""A database outage of 30 seconds, on a PostgreSQL server of the test's own: nothing Slack
was told we have is lost. Direct messages are answered 500 (so Slack sends them again) until
they can be stored; commands and buttons say "couldn't save that, try again"; a scheduling
pass during the outage sends nothing, and the one after sends each prompt once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import build_web_app
from bot.config import Settings
from bot.core.states import PromptStatus
from bot.platforms.edge import OUTAGE
from bot.services import Services, build_services
from bot.store.db import migrate
from bot.store.models import Prompt, Record
from tests.platforms.slack import payloads
from tests.platforms.slack.mock_web_api import MockSlackWebAPI, dm_channel
from tests.platforms.slack.signing import signed_headers
from tests.private_postgres import PrivatePostgres, private_postgres

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN, LEADER = "U0ADM", "U0SUP"
OUTAGE_SECONDS = 30
NOT_SAVED = "couldn't save that"


@pytest.fixture
def server() -> Any:
    with private_postgres() as running:
        yield running


@pytest.fixture
async def slack(
    server: PrivatePostgres,
    slack_api: MockSlackWebAPI,
    aiohttp_client: Callable[..., Any],
) -> AsyncIterator[tuple[TestClient, Services]]:
    settings = Settings(
        _env_file=None,
        database_url=server.url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=slack_api.url,
        followthrough_admins="avery@agency.org",
        secret_key="x" * 32,
    )
    services = build_services(settings)
    migrate(services.engine)
    slack_api.add_user(ADMIN, name="avery", real_name="Avery Admin", email="avery@agency.org")
    slack_api.add_user(LEADER, name="sam", real_name="Sam Rivera", email="sam@agency.org")
    client: TestClient = await aiohttp_client(build_web_app(services))
    yield client, services
    services.engine.dispose()


async def post(client: TestClient, body: str, content_type: str, **headers: str) -> int:
    response = await client.post(
        "/slack/events",
        data=body.encode(),
        headers={**signed_headers(body, content_type, SECRET), **headers},
    )
    return response.status


async def command(client: TestClient, text: str, user: str = LEADER) -> str:
    body, content_type = payloads.slash_command(text, user_id=user)
    response = await client.post(
        "/slack/events", data=body.encode(), headers=signed_headers(body, content_type, SECRET)
    )
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return str(answer["text"])


def count(services: Services, model: type) -> int:
    with services.sessions() as session:
        return len(list(session.scalars(select(model))))


async def test_nothing_acknowledged_is_lost_in_a_30_second_outage(
    server: PrivatePostgres,
    slack: tuple[TestClient, Services],
    slack_api: MockSlackWebAPI,
) -> None:
    client, services = slack
    await command(client, f"leader add <@{LEADER}> role=supervisor", user=ADMIN)
    await command(client, "commit 6.a")
    await command(client, "commit 1.a")
    await command(client, f"send-now <@{LEADER}> 6.a", user=ADMIN)
    assert (await services.scheduling().tick()).delivered.sent == 1
    (posted,) = slack_api.calls_to("chat.postMessage")
    (sent,) = [p for p in _prompts(services) if p.status == PromptStatus.SENT]
    await command(client, f"send-now <@{LEADER}> 1.a", user=ADMIN)

    server.stop()
    stopped = time.monotonic()
    messages = [
        payloads.event_callback(
            payloads.message_im(f"log 6.a visit {n}", user_id=LEADER), event_id=f"EvOUT{n:04}"
        )
        for n in range(30)
    ]
    during = [await post(client, body, content_type) for body, content_type in messages]
    typed = await command(client, "log 1.a typed during the outage")
    pressed = payloads.block_actions(
        "ft:answer.done",
        str(sent.id),
        user_id=LEADER,
        channel_id=dm_channel(LEADER),
        message_ts=str(posted.params.get("ts", "1700000000.000100")),
    )
    button = await post(client, *pressed)
    with pytest.raises(OUTAGE):
        await services.scheduling().tick()
    await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
    server.start()

    # Slack sends each unacknowledged event again, marked as a retry.
    after = [
        await post(client, body, content_type, **{"X-Slack-Retry-Num": "1"})
        for body, content_type in messages
    ]
    result = await services.scheduling().tick()

    assert all(status >= 500 for status in during), during
    assert NOT_SAVED in typed
    assert button == 200
    ephemeral = [str(c.params.get("text")) for c in slack_api.calls_to("chat.postEphemeral")]
    assert any(NOT_SAVED in text for text in ephemeral)
    assert after == [200] * 30
    with services.sessions() as session:
        notes = sorted(session.scalars(select(Record.note).where(Record.behavior_id == "6.a")))
    assert notes == sorted(f"visit {n}" for n in range(30))
    assert count(services, Record) == 30  # neither the command nor the button was kept
    assert result.delivered.sent == 1
    prompts = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("metadata")]
    assert len(prompts) == 2  # 6.a before the outage, 1.a after it: each once
    assert [p.status for p in _prompts(services)] == [PromptStatus.SENT, PromptStatus.SENT]


def _prompts(services: Services) -> list[Prompt]:
    with services.sessions() as session:
        return list(session.scalars(select(Prompt).order_by(Prompt.id)))
