"""Slack's other ways in: Socket Mode, multi-workspace OAuth installs, slow commands, and
editing an answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import build_web_app
from bot.config import Settings
from bot.platforms.slack import app as slack_app
from bot.platforms.slack.app import SlackRunning
from bot.platforms.slack.setup import SlackSetup
from bot.services import Services, build_services
from bot.store.db import migrate
from bot.store.models import Record, Workspace
from tests.conftest import FreshDatabase
from tests.platforms.polling import wait_for
from tests.platforms.slack import payloads
from tests.platforms.slack.mock_socket_mode import MockSocketModeServer
from tests.platforms.slack.mock_web_api import MockSlackWebAPI
from tests.platforms.slack.signing import signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ClientMaker = Callable[..., Any]


def make_services(url: str, slack_api: MockSlackWebAPI, **slack: str) -> Services:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        slack_api_url=slack_api.url,
        followthrough_admins="avery@agency.org",
        secret_key="x",
        **slack,
    )
    services = build_services(settings)
    migrate(services.engine)
    slack_api.add_user("U0ADM", name="avery", real_name="Avery Admin", email="avery@agency.org")
    slack_api.add_user("U0SUP", name="sam", real_name="Sam Rivera", email="sam@agency.org")
    return services


async def post(client: TestClient, body: str, content_type: str) -> Any:
    return await client.post(
        "/slack/events", data=body.encode(), headers=signed_headers(body, content_type, SECRET)
    )


async def test_socket_mode_runs_the_slash_command_and_acks_with_the_reply(
    aiohttp_client: ClientMaker,
    databases: FreshDatabase,
    slack_api: MockSlackWebAPI,
    slack_socket_mode: MockSocketModeServer,
) -> None:
    services = make_services(
        databases.url(), slack_api, slack_bot_token="xoxb-test", slack_app_token="xapp-1-test"
    )
    await aiohttp_client(build_web_app(services))
    await asyncio.to_thread(slack_socket_mode.wait_for_connection)
    assert slack_api.calls_to("apps.connections.open")
    body, content_type = payloads.slash_command("help")
    envelope = slack_socket_mode.send_envelope(
        "slash_commands", payloads.socket_mode_payload(body, content_type)
    )
    ack = await asyncio.to_thread(slack_socket_mode.wait_for_ack, envelope)
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "Follow-Through help" in str(ack["payload"]["blocks"])
    services.engine.dispose()


async def test_oauth_install_stores_the_workspace_and_its_token_is_used(
    aiohttp_client: ClientMaker, databases: FreshDatabase, slack_api: MockSlackWebAPI
) -> None:
    services = make_services(
        databases.url(),
        slack_api,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
        slack_signing_secret=SECRET,
    )
    client: TestClient = await aiohttp_client(build_web_app(services))
    install = await client.get("/slack/install", allow_redirects=False)
    assert install.status == 302
    link = urlparse(install.headers["Location"])
    assert link.geturl().startswith(slack_api.root.rstrip("/") + "/oauth/v2/authorize")
    query = parse_qs(link.query)
    assert query["client_id"] == ["1111.2222"]
    assert "chat:write" in query["scope"][0]
    cookie = install.headers["Set-Cookie"].split(";")[0]
    callback = await client.get(
        f"/slack/oauth_redirect?code=install-code&state={query['state'][0]}",
        headers={"Cookie": cookie},
    )
    assert callback.status == 200, await callback.text()
    page = await callback.text()
    assert '<html lang="en">' in page
    assert "<title>Follow-Through is installed</title>" in page
    assert "/followthrough help" in page
    assert "oauth-state=deleted" in callback.headers["Set-Cookie"]
    assert slack_api.calls_to("oauth.v2.access")
    assert await _setup(services).token_for("T0001") == "xoxb-installed"

    refused = await client.get("/slack/oauth_redirect?error=access_denied")
    page = await refused.text()
    assert refused.status == 200
    assert "<title>Follow-Through was not installed</title>" in page
    assert "access_denied" in page
    assert 'href="/slack/install"' in page

    body, content_type = payloads.slash_command("help", user_id="U0SUP")
    answer = await post(client, body, content_type)
    assert "Follow-Through help" in str(await answer.json())
    (lookup,) = slack_api.calls_to("users.info")
    assert lookup.headers["Authorization"] == "Bearer xoxb-installed"
    services.engine.dispose()


@pytest.fixture
async def http_slack(
    aiohttp_client: ClientMaker, databases: FreshDatabase, slack_api: MockSlackWebAPI
) -> Any:
    services = make_services(
        databases.url(), slack_api, slack_bot_token="xoxb-test", slack_signing_secret=SECRET
    )
    client = await aiohttp_client(build_web_app(services))
    yield client, services
    services.engine.dispose()


async def test_slow_work_is_acknowledged_at_once_and_answered_through_response_url(
    http_slack: Any, slack_api: MockSlackWebAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = http_slack
    monkeypatch.setattr(slack_app, "ACK_WITHIN", 0.0)
    body, content_type = payloads.slash_command(
        "help", response_url=slack_api.response_url("slow-1")
    )
    answer = await post(client, body, content_type)
    assert (await answer.json())["text"] == "Working on it…"
    (later,) = await asyncio.to_thread(slack_api.wait_for, "response_url")
    assert later.params["response_type"] == "ephemeral"
    assert "Follow-Through help" in str(later.params["blocks"])


async def prompt_sam(client: Any, services: Services, slack_api: MockSlackWebAPI) -> str:
    """Enroll Sam, commit to 6.a and send the prompt; its buttons' value (the prompt id)."""
    for text, user in (
        ("leader add <@U0SUP> role=supervisor", "U0ADM"),
        ("commit 6.a", "U0SUP"),
        ("send-now <@U0SUP>", "U0ADM"),
    ):
        body, content_type = payloads.slash_command(text, user_id=user)
        await post(client, body, content_type)
    await services.scheduling().tick()
    (posted,) = slack_api.calls_to("chat.postMessage")
    return str(posted.params["blocks"][-1]["elements"][0]["value"])


async def test_pressing_another_answer_edits_the_record(
    http_slack: Any, slack_api: MockSlackWebAPI
) -> None:
    client, services = http_slack
    value = await prompt_sam(client, services, slack_api)
    for presses, action in enumerate(("ft:answer.done", "ft:answer.partly"), start=1):
        body, content_type = payloads.block_actions(action, value)
        await post(client, body, content_type)
        await asyncio.to_thread(slack_api.wait_for, "chat.update", presses)
    with services.sessions() as session:
        (record,) = session.scalars(select(Record))
    assert record.outcome == "partly"
    assert record.edited_at is not None


async def test_two_presses_at_once_make_one_record_and_no_error(
    http_slack: Any, slack_api: MockSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client, services = http_slack
    value = await prompt_sam(client, services, slack_api)
    presses = [payloads.block_actions(a, value) for a in ("ft:answer.done", "ft:answer.partly")]
    await asyncio.gather(*(post(client, body, kind) for body, kind in presses))
    await asyncio.to_thread(slack_api.wait_for, "chat.update", 2)
    with services.sessions() as session:
        (record,) = session.scalars(select(Record))
    assert record.outcome in ("done", "partly")
    assert "listener failed" not in caplog.text


async def test_socket_mode_without_a_signing_secret_serves_no_http_endpoint(
    aiohttp_client: ClientMaker,
    databases: FreshDatabase,
    slack_api: MockSlackWebAPI,
    slack_socket_mode: MockSocketModeServer,
) -> None:
    services = make_services(
        databases.url(), slack_api, slack_bot_token="xoxb-test", slack_app_token="xapp-1-test"
    )
    client: TestClient = await aiohttp_client(build_web_app(services))
    body, content_type = payloads.slash_command("admin add <@U0SUP>", user_id="U0ADM")
    forged = await client.post(
        "/slack/events", data=body.encode(), headers={"Content-Type": content_type}
    )
    assert forged.status == 404
    assert slack_api.calls_to("users.info") == []
    services.engine.dispose()


async def test_uninstalling_in_oauth_mode_forgets_the_token_and_stops_sends(
    aiohttp_client: ClientMaker, databases: FreshDatabase, slack_api: MockSlackWebAPI
) -> None:
    services = make_services(
        databases.url(),
        slack_api,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
        slack_signing_secret=SECRET,
    )
    client: TestClient = await aiohttp_client(build_web_app(services))
    install = await client.get("/slack/install", allow_redirects=False)
    state = parse_qs(urlparse(install.headers["Location"]).query)["state"][0]
    await client.get(
        f"/slack/oauth_redirect?code=install-code&state={state}",
        headers={"Cookie": install.headers["Set-Cookie"].split(";")[0]},
    )
    setup = _setup(services)
    assert await setup.token_for("T0001") == "xoxb-installed"
    body, content_type = payloads.event_callback(payloads.app_uninstalled())
    assert (await post(client, body, content_type)).status == 200

    async def token_forgotten() -> bool:
        return await setup.token_for("T0001") is None

    await wait_for(token_forgotten, what="the uninstalled workspace's token to be forgotten")
    with services.sessions() as session:
        assert [w.active for w in session.scalars(select(Workspace))] == [False]
    services.engine.dispose()


def _setup(services: Services) -> SlackSetup:
    """The running service's Slack credentials (its OAuth installations)."""
    running = services.edges["slack"]
    assert isinstance(running, SlackRunning)
    return running.setup
