"""The Teams test harness itself: botbuilder's own clients accept what MockConnector serves,
its TeamsActivityHandler reads the activity builders as Teams activities, and
botframework-connector's token validation accepts make_token() tokens and nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import pytest
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    ChannelAccount,
    ConversationParameters,
)
from botbuilder.schema.teams import TeamInfo, TeamsChannelAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    ChannelValidation,
    JwtTokenValidation,
    MicrosoftAppCredentials,
    SimpleCredentialProvider,
)
from botframework.connector.models import ErrorResponseException

from tests.platforms.teams import activities
from tests.platforms.teams.activities import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    TEAM_ID,
    sender,
    teams_member,
)
from tests.platforms.teams.jwt_keys import (
    SigningKey,
    channel_auth_configuration,
    default_key,
    make_token,
    publish_keys,
)
from tests.platforms.teams.mock_connector import MockConnector

CARD = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Recognize a staff success this week"}],
    "actions": [{"type": "Action.Execute", "title": "Done", "verb": "answer"}],
}
ROSTER = [
    teams_member(name) for name in ("Sam Rivera", "Ana Lopez", "Lee Chen", "Kim Park", "Jo Ray")
]


@pytest.fixture
def client(connector: MockConnector) -> ConnectorClient:
    """The client botbuilder makes for a serviceUrl when auth is off (no app id)."""
    return ConnectorClient(MicrosoftAppCredentials.empty(), base_url=connector.url)


class AuthOff:
    APP_ID = ""
    APP_PASSWORD = ""


@pytest.fixture
def adapter() -> CloudAdapter:
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(AuthOff()))


Logic = Callable[[TurnContext], Awaitable[None]]


async def run_turn(adapter: CloudAdapter, activity: dict[str, Any], logic: Logic) -> Any:
    """What CloudAdapter.process does with a POST to /api/messages without Authorization."""
    return await adapter.process_activity("", Activity().deserialize(activity), logic)


# -- the Bot Connector API -------------------------------------------------------------------


async def test_creates_a_personal_chat_then_sends_replies_and_updates_a_card(
    connector: MockConnector, client: ConnectorClient
) -> None:
    sam = ROSTER[0]
    chat = await client.conversations.create_conversation(
        ConversationParameters(
            bot=ChannelAccount(id=BOT_ID, name=BOT_NAME),
            members=[ChannelAccount(id=sam["id"])],
            tenant_id="tenant-1",
            channel_data={"tenant": {"id": "tenant-1"}},
            is_group=False,
        )
    )
    card = MessageFactory.attachment(CardFactory.adaptive_card(CARD))
    sent = await client.conversations.send_to_conversation(chat.id, card)
    reply = await client.conversations.reply_to_activity(
        chat.id, sent.id, MessageFactory.text("Noted.")
    )
    answered = {**CARD, "actions": [], "body": [{"type": "TextBlock", "text": "Done"}]}
    update = MessageFactory.attachment(CardFactory.adaptive_card(answered))
    update.id = sent.id
    updated = await client.conversations.update_activity(chat.id, sent.id, update)

    assert chat.id == activities.personal_conversation_id(sam["id"])
    assert int(sent.id) < int(reply.id)
    assert updated.id == sent.id
    transcript = connector.sent(chat.id)
    assert [s.id for s in transcript] == [sent.id, reply.id]
    assert transcript[0].cards == [answered]
    assert transcript[0].versions[0]["attachments"][0]["content"] == CARD
    assert transcript[1].reply_to_id == sent.id
    assert transcript[1].text == "Noted."
    create = connector.calls_to("POST", r"^/v3/conversations$")[0]
    assert create.status == 201
    assert create.json["members"] == [{"id": sam["id"]}]
    # With no app id botframework-connector sends no Authorization header at all.
    assert all("Authorization" not in call.headers for call in connector.calls)


async def test_members_come_in_pages_and_one_by_id_or_entra_object_id(
    connector: MockConnector, client: ConnectorClient
) -> None:
    connector.set_roster(TEAM_ID, ROSTER, page_size=2)
    thread = f"{TEAM_ID};messageid=1795442405123"

    names: list[str] = []
    token = None
    while True:
        page = await client.conversations.get_teams_conversation_paged_members(thread, 500, token)
        names += [m.name for m in page.members]
        token = page.continuation_token
        if not token:
            break
    by_id = await client.conversations.get_conversation_member(TEAM_ID, ROSTER[1]["id"])
    by_aad = await client.conversations.get_conversation_member(TEAM_ID, ROSTER[1]["aadObjectId"])

    assert names == [m["name"] for m in ROSTER]
    assert len(connector.calls_to("GET", "/pagedmembers$")) == 3
    assert connector.calls_to("GET", "/pagedmembers$")[0].query == {"pageSize": "500"}
    assert by_id.name == by_aad.name == "Ana Lopez"
    assert by_id.additional_properties["email"] == "ana.lopez@agency.org"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, "ConversationBlockedByUser"),
        (404, "ConversationNotFound"),
        (412, "PreconditionFailed"),
        (429, "Throttled"),
        (502, "ServiceError"),
        (504, "GatewayTimeout"),
    ],
)
async def test_an_injected_failure_reaches_the_bot_with_its_status_and_code(
    connector: MockConnector, client: ConnectorClient, status: int, code: str
) -> None:
    connector.fail(r"/activities$", status=status, retry_after=7)

    with pytest.raises(ErrorResponseException) as failed:
        await client.conversations.send_to_conversation("a:1x", MessageFactory.text("hi"))
    sent = await client.conversations.send_to_conversation("a:1x", MessageFactory.text("again"))

    assert failed.value.response.status_code == status
    assert failed.value.error.error.code == code
    assert failed.value.response.headers.get("Retry-After") == ("7" if status == 429 else None)
    assert [c.status for c in connector.calls] == [status, 200]
    assert [s.id for s in connector.sent("a:1x")] == [sent.id]


async def test_a_code_can_be_named_and_failures_repeat(
    connector: MockConnector, client: ConnectorClient
) -> None:
    connector.fail("/activities", status=403, code="BotNotInConversationRoster", times=2)

    for _ in range(2):
        with pytest.raises(ErrorResponseException) as failed:
            await client.conversations.send_to_conversation("a:1x", MessageFactory.text("hi"))
        assert failed.value.error.error.code == "BotNotInConversationRoster"
    await client.conversations.send_to_conversation("a:1x", MessageFactory.text("hi"))


async def test_msrest_itself_retries_a_get_that_failed_with_5xx(
    connector: MockConnector, client: ConnectorClient
) -> None:
    """urllib3 retries GET and PUT (not POST) on 5xx, up to 3 times: a test that wants the bot
    to see a failing GET must fail it 4 times (and wait out about 5 s of backoff)."""
    connector.set_roster("a:1x", ROSTER)
    connector.fail("pagedmembers", status=502)

    page = await client.conversations.get_conversation_paged_members("a:1x")

    assert len(page.members) == 2
    assert [c.status for c in connector.calls] == [502, 200]


@pytest.mark.waits_out_a_timeout
async def test_wait_for_lets_the_bot_run_and_says_what_never_came(
    connector: MockConnector, client: ConnectorClient
) -> None:
    waiting = asyncio.create_task(asyncio.to_thread(connector.wait_for, "POST", "/activities$", 2))
    for text in ("one", "two"):
        await client.conversations.send_to_conversation("a:1x", MessageFactory.text(text))

    assert [call.json["text"] for call in await waiting] == ["one", "two"]
    connector.reset()
    assert connector.calls == []
    assert connector.sent() == []
    with pytest.raises(AssertionError, match="expected 1 POST /activities"):
        connector.wait_for("POST", "/activities", timeout=0.1)


# -- CloudAdapter and TeamsActivityHandler, auth off -----------------------------------------


class RecordingBot(TeamsActivityHandler):  # type: ignore[misc]
    """Records which handler botbuilder picked for an activity, and with what."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None:
            self.seen.append(("submit", (activity.value, activity.from_property.name)))
        else:
            self.seen.append(("text", TurnContext.remove_recipient_mention(activity).strip()))
        await turn_context.send_activity("ok")

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        # botbuilder leaves the action a plain dict (and warns that it ignores "trigger").
        action = invoke_value.action
        self.seen.append(("execute", (action["verb"], action["data"])))
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=CARD
        )

    async def on_teams_members_added(
        self,
        teams_members_added: list[TeamsChannelAccount],
        team_info: TeamInfo,
        turn_context: TurnContext,
    ) -> None:
        self.seen.append(("added", ([m.id for m in teams_members_added], team_info.name)))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        self.seen.append(("installed", turn_context.activity.conversation.conversation_type))

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        self.seen.append(("uninstalled", turn_context.activity.conversation.conversation_type))


async def test_botbuilder_reads_every_builder_as_the_teams_activity_it_imitates(
    connector: MockConnector, adapter: CloudAdapter
) -> None:
    bot = RecordingBot()
    url = connector.url
    inbound = [
        activities.message("commitments", service_url=url),
        activities.message(
            "digest preview North",
            conversation_type="channel",
            mentions=[(BOT_ID, BOT_NAME)],
            service_url=url,
        ),
        activities.message_with_value(
            {"outcome": "done"}, reply_to_id="1", service_url=url, **sender(ROSTER[1])
        ),
        activities.invoke_adaptive_card_action("answer", {"outcome": "partly"}, reply_to_id="1"),
        activities.conversation_update_members_added([BOT_ID, "29:1ana"], service_url=url),
        activities.installation_update("add", conversation_type="personal", service_url=url),
        activities.installation_update("remove", service_url=url),
    ]

    responses = [await run_turn(adapter, activity, bot.on_turn) for activity in inbound]

    assert bot.seen == [
        ("text", "commitments"),
        ("text", "digest preview North"),
        ("submit", ({"outcome": "done"}, "Ana Lopez")),
        ("execute", ("answer", {"outcome": "partly"})),
        ("added", ([BOT_ID, "29:1ana"], activities.TEAM_NAME)),
        ("installed", "personal"),
        ("uninstalled", "channel"),
    ]
    assert responses[3].status == 200
    assert responses[3].body["value"] == CARD
    # The replies went to the serviceUrl of the activity: the mock.
    replied = [c.path for c in connector.calls_to("POST", "/activities/")]
    assert replied[0].startswith(f"/v3/conversations/{inbound[0]['conversation']['id']}/")
    assert (
        replied[1]
        == f"/v3/conversations/{TEAM_ID};messageid={inbound[1]['id']}/activities/{inbound[1]['id']}"
    )


async def test_teams_info_and_proactive_messages_go_through_the_mock(
    connector: MockConnector, adapter: CloudAdapter
) -> None:
    connector.set_roster(TEAM_ID, ROSTER, page_size=2)
    connector.set_team(
        TEAM_ID, name=activities.TEAM_NAME, channels=[("19:digests@thread.tacv2", "Digests")]
    )
    seen: dict[str, Any] = {}

    async def logic(turn: TurnContext) -> None:
        page = await TeamsInfo.get_paged_members(turn, page_size=100)
        seen["first_page"] = [m.name for m in page.members]
        seen["token"] = page.continuation_token
        seen["ana"] = (await TeamsInfo.get_member(turn, ROSTER[1]["id"])).email
        seen["channels"] = [c.name for c in await TeamsInfo.get_team_channels(turn)]
        # With auth off the app id is empty, and an empty bot_app_id sends TeamsInfo down its
        # legacy BotFrameworkAdapter path: name the app id even though no token is used.
        seen["post"] = await TeamsInfo.send_message_to_teams_channel(
            turn,
            MessageFactory.text("This week's digest"),
            "19:digests@thread.tacv2",
            bot_app_id=APP_ID,
        )

    await run_turn(
        adapter,
        activities.message(
            "digest send North", conversation_type="channel", service_url=connector.url
        ),
        logic,
    )
    reference, post_id = seen["post"]
    await adapter.continue_conversation(
        reference, lambda turn: turn.send_activity("Reply in the digest thread"), APP_ID
    )

    assert seen["first_page"] == ["Sam Rivera", "Ana Lopez"]
    assert seen["token"] == "ct-2"
    assert seen["ana"] == "ana.lopez@agency.org"
    assert seen["channels"] == [None, "Digests"]
    thread = connector.sent("19:digests@thread.tacv2")
    assert [s.text for s in thread] == ["This week's digest", "Reply in the digest thread"]
    assert thread[0].id == post_id
    assert thread[1].conversation_id == f"19:digests@thread.tacv2;messageid={post_id}"


# -- tokens ----------------------------------------------------------------------------------


@pytest.fixture
def metadata_url(connector: MockConnector) -> str:
    return publish_keys(connector)


async def authenticate(
    metadata_url: str, token: str, *, service_url: str, app_id: str = APP_ID
) -> Any:
    auth = ConfigurationBotFrameworkAuthentication(
        channel_auth_configuration(metadata_url, app_id=app_id)
    )
    activity = Activity().deserialize(activities.message("help", service_url=service_url))
    return await auth.authenticate_request(activity, f"Bearer {token}")


async def test_a_channel_token_signed_with_the_published_key_is_accepted(
    connector: MockConnector, metadata_url: str
) -> None:
    token = make_token(APP_ID, service_url=connector.url)

    result = await authenticate(metadata_url, token, service_url=connector.url)

    assert result.claims_identity.is_authenticated
    assert result.claims_identity.claims["aud"] == APP_ID
    assert [c.path for c in connector.calls] == [
        "/v1/.well-known/openidconfiguration",
        "/v1/.well-known/keys",
    ]


async def test_jwt_token_validation_accepts_it_too(
    connector: MockConnector, metadata_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", metadata_url)
    activity = Activity().deserialize(activities.message("help", service_url=connector.url))
    token = make_token(APP_ID, service_url=connector.url)

    identity = await JwtTokenValidation.authenticate_request(
        activity, f"Bearer {token}", SimpleCredentialProvider(APP_ID, "secret")
    )

    assert identity.claims["serviceurl"] == connector.url


def _tampered(token: str) -> str:
    header, claims, signature = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(claims).replace(b'"bot-app-id"', b'"other-app"')
    ).decode()
    return ".".join((header, forged, signature))


@pytest.mark.parametrize(
    ("case", "rejection"),
    [
        ("expired", jwt.ExpiredSignatureError),
        ("tampered", jwt.InvalidSignatureError),
        # Same kid as the published key, different private key.
        ("wrong key", jwt.InvalidSignatureError),
        # A kid the key set does not list: botframework-connector fails on an empty list.
        ("unknown key", IndexError),
        ("key not endorsed for msteams", Exception),
        ("other issuer", PermissionError),
        ("other app", PermissionError),
        ("other serviceUrl", PermissionError),
        ("auth off", PermissionError),
    ],
)
async def test_any_other_token_is_rejected(
    connector: MockConnector, case: str, rejection: type[Exception]
) -> None:
    key = default_key()
    published = [key]
    app_id = APP_ID
    url = connector.url
    token = make_token(APP_ID, service_url=url, expired=case == "expired")
    if case == "tampered":
        token = _tampered(token)
    elif case == "wrong key":
        impostor = SigningKey(SigningKey.generate().private_key, key.certificate)
        token = make_token(APP_ID, service_url=url, key=impostor)
    elif case == "unknown key":
        token = make_token(APP_ID, service_url=url, key=SigningKey.generate())
    elif case == "key not endorsed for msteams":
        published = [SigningKey(key.private_key, key.certificate, endorsements=("webchat",))]
    elif case == "other issuer":
        token = make_token(APP_ID, service_url=url, issuer="https://sts.example.com/")
    elif case == "other app":
        token = make_token(APP_ID, service_url=url, audience="someone-else")
    elif case == "other serviceUrl":
        token = make_token(APP_ID, service_url="https://smba.trafficmanager.net/amer/")
    elif case == "auth off":
        app_id = ""  # a bot without an app id still checks a token it is sent, and fails it

    with pytest.raises(rejection) as rejected:
        await authenticate(
            publish_keys(connector, *published), token, service_url=url, app_id=app_id
        )
    if case == "key not endorsed for msteams":
        assert "endorsement" in str(rejected.value)
