"""The Slack test harness itself: the real slack_sdk and Bolt clients accept what it serves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from tests.platforms.slack import payloads
from tests.platforms.slack.mock_socket_mode import MockSocketModeServer
from tests.platforms.slack.mock_web_api import MockSlackWebAPI
from tests.platforms.slack.signing import sign, signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def bolt_request(body: str, content_type: str) -> BoltRequest:
    """The request Bolt sees when Slack POSTs this signed body to /slack/events."""
    headers: dict[str, str | Sequence[str]] = {**signed_headers(body, content_type, SECRET)}
    return BoltRequest(body=body, headers=headers)


METADATA = {"event_type": "followthrough_prompt", "event_payload": {"prompt_id": 7}}


@pytest.fixture
def web(slack_api: MockSlackWebAPI) -> WebClient:
    slack_api.add_user("U0SUP", name="sam", real_name="Sam Rivera", email="sam@agency.org")
    return WebClient(token="xoxb-test", base_url=slack_api.url)


def test_sync_client_posts_looks_up_and_reads_history(
    slack_api: MockSlackWebAPI, web: WebClient
) -> None:
    first = web.chat_postMessage(
        channel="U0SUP", text="Recognize a staff success", metadata=METADATA
    )
    second = web.chat_postMessage(channel=first["channel"], text="Update the team")
    user = web.users_lookupByEmail(email="sam@agency.org")["user"]
    history = web.conversations_history(channel="D0SUP", include_all_metadata=True, limit=10)

    assert first["channel"] == "D0SUP"
    assert first["ts"] < second["ts"]
    assert first["message"]["metadata"] == METADATA
    assert user["id"] == "U0SUP"
    assert user["profile"]["email"] == "sam@agency.org"
    assert [m["text"] for m in history["messages"]] == [
        "Update the team",
        "Recognize a staff success",
    ]
    assert history["messages"][1]["metadata"] == METADATA
    [call] = slack_api.calls_to("users.lookupByEmail")
    assert call.params == {"email": "sam@agency.org"}
    assert call.headers["Authorization"] == "Bearer xoxb-test"


@pytest.mark.waits_out_a_timeout
def test_history_honours_oldest_limit_and_metadata_flag(
    slack_api: MockSlackWebAPI, web: WebClient
) -> None:
    posted = [
        web.chat_postMessage(channel="D0SUP", text=str(n), metadata=METADATA) for n in range(3)
    ]

    newer = web.conversations_history(channel="D0SUP", oldest=posted[0]["ts"])
    latest = web.conversations_history(channel="D0SUP", limit=1)

    assert [m["text"] for m in newer["messages"]] == ["2", "1"]
    assert all("metadata" not in m for m in newer["messages"])
    assert [m["text"] for m in latest["messages"]] == ["2"]
    assert latest["has_more"] is True

    slack_api.reset()
    assert slack_api.calls == []
    assert web.conversations_history(channel="D0SUP")["messages"] == []
    with pytest.raises(AssertionError, match="expected 1 call"):
        slack_api.wait_for("chat.postMessage", timeout=0.05)


def test_unknown_users_get_slacks_errors(web: WebClient) -> None:
    with pytest.raises(SlackApiError) as by_id:
        web.users_info(user="U0NOBODY")
    with pytest.raises(SlackApiError) as by_email:
        web.users_lookupByEmail(email="nobody@agency.org")

    assert by_id.value.response["error"] == "user_not_found"
    assert by_email.value.response["error"] == "users_not_found"


async def test_async_client_sees_the_same_api(slack_api: MockSlackWebAPI) -> None:
    slack_api.add_user(
        "U0MGR", real_name="Morgan Lee", email="morgan@agency.org", tz="Europe/Paris"
    )
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)

    user = (await client.users_info(user="U0MGR"))["user"]
    dm = (await client.conversations_open(users="U0MGR"))["channel"]["id"]
    posted = await client.chat_postMessage(
        channel=dm, text="Prompt", blocks=[{"type": "divider"}], metadata=METADATA
    )
    history = await client.conversations_history(channel=dm, include_all_metadata=True)

    assert (user["tz"], user["real_name"]) == ("Europe/Paris", "Morgan Lee")
    assert dm == "D0MGR"
    assert history["messages"][0]["ts"] == posted["ts"]
    assert history["messages"][0]["metadata"] == METADATA
    [call] = slack_api.calls_to("chat.postMessage")
    assert call.params["blocks"] == [{"type": "divider"}]


def test_rate_limit_answers_429_with_retry_after(
    slack_api: MockSlackWebAPI, web: WebClient
) -> None:
    slack_api.fail("chat.postMessage", retry_after=1)

    with pytest.raises(SlackApiError) as limited:
        web.chat_postMessage(channel="D0SUP", text="hi")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert limited.value.response["error"] == "ratelimited"
    assert web.chat_postMessage(channel="D0SUP", text="hi")["ok"] is True


async def test_async_retry_handler_waits_out_the_rate_limit(slack_api: MockSlackWebAPI) -> None:
    slack_api.fail("chat.postMessage", times=2, retry_after=0)
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=slack_api.url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )

    response = await client.chat_postMessage(channel="D0SUP", text="hi")

    assert response["ok"] is True
    assert len(slack_api.calls_to("chat.postMessage")) == 3


def test_error_and_server_failures(slack_api: MockSlackWebAPI, web: WebClient) -> None:
    slack_api.fail("chat.postMessage", error="account_inactive")
    slack_api.fail("views.publish", status=503)

    with pytest.raises(SlackApiError) as inactive:
        web.chat_postMessage(channel="D0SUP", text="hi")
    with pytest.raises(SlackApiError) as down:
        web.views_publish(user_id="U0SUP", view={"type": "home", "blocks": []})

    assert (inactive.value.response.status_code, inactive.value.response["error"]) == (
        200,
        "account_inactive",
    )
    assert down.value.response.status_code == 503


def test_views_and_response_url(slack_api: MockSlackWebAPI, web: WebClient) -> None:
    view = {
        "type": "modal",
        "callback_id": "add_note",
        "title": {"type": "plain_text", "text": "Note"},
    }
    opened = web.views_open(trigger_id="1.2.3", view=view)["view"]
    WebhookClient(slack_api.response_url("T0001-9")).send(text="Saved", replace_original=False)

    assert opened["callback_id"] == "add_note"
    assert opened["id"].startswith("V")
    [reply] = slack_api.wait_for("response_url")
    assert reply.params == {"text": "Saved", "replace_original": False}
    assert reply.path == "/response_url/T0001-9"


def test_sync_files_upload_v2(slack_api: MockSlackWebAPI, web: WebClient) -> None:
    response = web.files_upload_v2(channel="C0TEAM", filename="export.csv", content="a,b\n1,2\n")

    [upload] = slack_api.calls_to("upload")
    [complete] = slack_api.calls_to("files.completeUploadExternal")
    assert upload.params["data"] == b"a,b\n1,2\n"
    assert complete.params["channel_id"] == "C0TEAM"
    assert response["file"]["id"] == upload.params["file_id"]
    assert response["file"]["name"] == "export.csv"


async def test_async_files_upload_v2(slack_api: MockSlackWebAPI) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)

    response = await client.files_upload_v2(channel="C0TEAM", filename="d.txt", content="digest")

    assert response["file"]["size"] == len("digest")
    assert slack_api.calls_to("upload")[0].params["data"] == b"digest"


def test_signature_verifies_with_slack_sdk() -> None:
    body, content_type = payloads.slash_command("help")
    headers = signed_headers(body, content_type, SECRET)
    verifier = SignatureVerifier(SECRET)

    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body, sign(body, "another-secret"))
    assert not verifier.is_valid_request(body, sign(body, SECRET, timestamp=int(time.time()) - 600))


@pytest.mark.parametrize(
    ("request_body", "register"),
    [
        (payloads.slash_command("help"), lambda app, seen: app.command("/followthrough")(seen)),
        (payloads.block_actions("done", "42"), lambda app, seen: app.action("done")(seen)),
        (
            payloads.view_submission("add_note", "42", {"note": {"note": "Thanked Maria"}}),
            lambda app, seen: app.view("add_note")(seen),
        ),
        (payloads.event_callback(payloads.message_im("hi")), lambda app, seen: app.message()(seen)),
        (
            payloads.event_callback(payloads.app_home_opened()),
            lambda app, seen: app.event("app_home_opened")(seen),
        ),
        (
            payloads.event_callback(payloads.tokens_revoked()),
            lambda app, seen: app.event("tokens_revoked")(seen),
        ),
        (
            payloads.event_callback(payloads.app_uninstalled()),
            lambda app, seen: app.event("app_uninstalled")(seen),
        ),
    ],
    ids=["command", "action", "view", "message_im", "home", "tokens_revoked", "uninstalled"],
)
def test_bolt_routes_each_payload(
    slack_api: MockSlackWebAPI, request_body: tuple[str, str], register: Any
) -> None:
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=slack_api.url))
    seen: list[dict[str, Any]] = []

    def listener(ack: Any, body: dict[str, Any]) -> None:
        ack()
        seen.append(body)

    register(app, listener)
    body, content_type = request_body
    response = app.dispatch(bolt_request(body, content_type))

    assert response.status == 200
    assert len(seen) == 1
    assert seen[0] == payloads.socket_mode_payload(body, content_type)


def test_bolt_answers_url_verification(slack_api: MockSlackWebAPI) -> None:
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=slack_api.url))
    body, content_type = payloads.url_verification("ch4llenge")

    response = app.dispatch(bolt_request(body, content_type))

    assert response.status == 200
    assert "ch4llenge" in response.body


async def test_socket_mode_client_connects_receives_and_acks(
    slack_api: MockSlackWebAPI, slack_socket_mode: MockSocketModeServer
) -> None:
    client = SocketModeClient(
        app_token="xapp-1-A0001-1-abc",
        web_client=AsyncWebClient(base_url=slack_api.url),
        auto_reconnect_enabled=False,
    )
    received: list[SocketModeRequest] = []

    async def on_request(socket: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        await socket.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload={"text": "Got it"})
        )

    client.socket_mode_request_listeners.append(on_request)
    await client.connect()  # type: ignore[no-untyped-call]
    try:
        await asyncio.to_thread(slack_socket_mode.wait_for_connection)
        body, content_type = payloads.slash_command("commitments")
        envelope_id = slack_socket_mode.send_envelope(
            "slash_commands", payloads.socket_mode_payload(body, content_type)
        )
        ack = await asyncio.to_thread(slack_socket_mode.wait_for_ack, envelope_id)
    finally:
        await client.close()  # type: ignore[no-untyped-call]

    assert (
        slack_api.calls_to("apps.connections.open")[0]
        .headers["Authorization"]
        .startswith("Bearer xapp-")
    )
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "Got it"}}
    assert received[0].type == "slash_commands"
    assert received[0].accepts_response_payload is True
    assert received[0].payload["text"] == "commitments"


def test_oauth_install_answers_for_the_agency_workspace(slack_api: MockSlackWebAPI) -> None:
    client = WebClient(base_url=slack_api.url)

    installed = client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="c0de")
    bot = WebClient(token=installed["access_token"], base_url=slack_api.url).auth_test()

    assert installed["team"] == {"id": "T0001", "name": "Agency"}
    assert installed["access_token"] == "xoxb-installed"
    assert (bot["bot_id"], bot["user_id"]) == ("BBOT", "UBOT")
    assert slack_api.calls_to("oauth.v2.access")[0].params["code"] == "c0de"
