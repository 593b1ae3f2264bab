"""The Slack edge: a slack-bolt AsyncApp on POST /slack/events (events, interactivity and the
slash command at one URL), over HTTP, Socket Mode or multi-workspace OAuth. Each listener
translates a payload to the core, runs it in a worker thread, and renders the reply."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlparse

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.messages import Attachment, Message
from bot.core.prompts import asks_for
from bot.handlers.context import Context, PlatformUser
from bot.handlers.dispatch import handle_action, handle_text, once
from bot.handlers.home import commit_choices, home_sections
from bot.handlers.people import Stranger
from bot.handlers.replies import AnswerResult
from bot.platforms.edge import NotSaved, answer_known_caller, not_saved, run_in_core
from bot.platforms.slack.channel import PLATFORM, SlackChannel, api_error
from bot.platforms.slack.installed import CALLBACK_PAGES
from bot.platforms.slack.logs import bolt_logger
from bot.platforms.slack.people import SlackDirectory, platform_user
from bot.platforms.slack.render import (
    ACTION_PREFIX,
    NOTE_MODAL,
    action_name,
    fallback_text,
    home_view,
    render_blocks,
    text_modal,
)
from bot.platforms.slack.setup import BOT_SCOPES, SlackSetup, slack_setup
from bot.platforms.slack.text import from_slack
from bot.services import Services
from bot.store.workspaces import get_workspace

log = logging.getLogger(__name__)
COMMAND = "/followthrough"
# Named, because without a name Bolt reads the whole call stack (inspect.stack) to find one:
# a tenth of a second of every start.
APP_NAME = "followthrough"
COMMIT_MODAL = "ft:commit"
ACK_WITHIN = 2.0  # seconds; Slack wants an answer within three
T = TypeVar("T")


@dataclass
class SlackEdge:
    services: Services
    setup: SlackSetup
    app: AsyncApp
    background: set[asyncio.Task[None]] = field(default_factory=set)

    # -- the way into the core ----------------------------------------------------------------

    async def meet(self, client: AsyncWebClient, user_id: str) -> PlatformUser:
        """Who someone new is, from users.info (their id alone if Slack can't say)."""
        try:
            answer = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.error("Slack users.info failed: %s", api_error(error))
            return PlatformUser(user_id=user_id)
        return platform_user(answer["user"])

    async def run(
        self, client: AsyncWebClient, team_id: str, user_id: str, work: Callable[[Context], T]
    ) -> T:
        """Run `work` as this person, in one transaction (two the first time: Slack is asked
        who they are in between); NotSaved when the database is out."""
        token = client.token or await self.setup.token_for(team_id) or ""
        directory = SlackDirectory(token=token, base_url=self.setup.settings.slack_api_url)

        async def as_(user: PlatformUser, *, strangers: bool) -> T:
            return await run_in_core(
                self.services,
                platform=PLATFORM,
                workspace=team_id,
                user=user,
                directory=directory,
                work=work,
                strangers=strangers,
            )

        try:
            return await as_(PlatformUser(user_id=user_id), strangers=False)
        except Stranger:
            return await as_(await self.meet(client, user_id), strangers=True)

    async def converse(
        self, client: AsyncWebClient, team_id: str, user_id: str, text: str, *, direct: bool
    ) -> Message:
        """The reply to what someone typed (a command or, directly, a note)."""
        try:
            return await self.run(
                client,
                team_id,
                user_id,
                lambda ctx: handle_text(from_slack(text), ctx, direct=direct),
            )
        except NotSaved:
            return not_saved()

    async def act(
        self,
        client: AsyncWebClient,
        team_id: str,
        user_id: str,
        action: str,
        value: str,
        text: str | None = None,
    ) -> AnswerResult:
        """A button pressed (with the text its form asked for)."""
        try:
            return await self.run(
                client, team_id, user_id, lambda ctx: handle_action(ctx, action, value, text)
            )
        except NotSaved:
            return AnswerResult(None, not_saved())

    # -- replies ------------------------------------------------------------------------------

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Finish `work` after Slack has its answer (kept referenced until it is done)."""
        task = asyncio.create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def upload_if_any(self, client: AsyncWebClient, user_id: str, reply: Message) -> None:
        if reply.attachment is not None:
            await self.upload(client, user_id, reply.attachment)

    async def upload(self, client: AsyncWebClient, user_id: str, attachment: Attachment) -> None:
        """Files (exports) go to the person's direct messages."""
        try:
            opened = await client.conversations_open(users=user_id)
            await client.files_upload_v2(
                channel=opened["channel"]["id"],
                filename=attachment.filename,
                content=attachment.data,
                initial_comment=f"Here is {attachment.filename}.",
            )
        except SlackApiError as error:
            log.error("Slack file upload failed: %s", api_error(error))

    async def publish_home(self, client: AsyncWebClient, team_id: str, user_id: str) -> None:
        """Redraw the person's App Home (left as it was while the database is out)."""
        try:
            sections = await self.run(client, team_id, user_id, home_sections)
        except NotSaved:
            return
        try:
            await client.views_publish(user_id=user_id, view=home_view(sections))
        except SlackApiError as error:
            log.error("Slack views.publish failed: %s", api_error(error))

    async def show_answer(
        self,
        client: AsyncWebClient,
        result: AnswerResult,
        pressed: tuple[str, str],
        pressed_message: dict[str, Any] | None = None,
    ) -> None:
        """Show the prompt as it now stands where the prompt is (its platform message id is
        channel:ts). A button pressed on another message (the reply that asked how it went)
        has done its work: its buttons go."""
        message = result.prompt
        channel, _, ts = (result.posted_as or "").partition(":")
        where = (channel, ts) if channel and ts else None
        if message is None or where is None or where == pressed:
            await self.redraw(client, *pressed, message)
            return
        await self.redraw(client, *where, message)
        channel, ts = pressed
        if pressed_message is not None and channel and ts:
            blocks = [b for b in pressed_message.get("blocks", []) if b.get("type") != "actions"]
            try:
                await client.chat_update(
                    channel=channel, ts=ts, text=pressed_message.get("text", ""), blocks=blocks
                )
            except SlackApiError as error:
                log.error("Slack chat.update failed: %s", api_error(error))

    async def redraw(
        self, client: AsyncWebClient, channel: str, ts: str, message: Message | None
    ) -> None:
        """Update the prompt in place to show the answer."""
        if message is None or not channel or not ts:
            return
        try:
            await client.chat_update(
                channel=channel, ts=ts, text=fallback_text(message), blocks=render_blocks(message)
            )
        except SlackApiError as error:
            log.error("Slack chat.update failed: %s", api_error(error))


@dataclass
class SlackRunning:
    """Slack in one service: the outbox's channel from the start, the Bolt app once the web
    app is built (a `tick` needs no signing secret)."""

    services: Services
    setup: SlackSetup
    channel: SlackChannel

    @classmethod
    def start(cls, services: Services) -> SlackRunning:
        setup = slack_setup(services.settings)
        return cls(services, setup, setup.channel(services.sessions))

    def add_routes(self, app: web.Application) -> None:
        edge = build_slack(self.services, self.setup)
        add_slack_routes(app, edge)
        app.cleanup_ctx.append(slack_lifecycle(edge))


def build_slack(services: Services, setup: SlackSetup) -> SlackEdge:
    """The Bolt app and its listeners. Listeners finish before Slack gets its answer
    (process_before_response): an event is acknowledged only once it is stored, so one
    that could not be (the database out) gets a 500 and Slack sends it again."""
    settings = setup.settings
    if not (settings.slack_signing_secret or settings.slack_app_token):
        raise SystemExit(
            "Slack over HTTP needs SLACK_SIGNING_SECRET to verify requests (or SLACK_APP_TOKEN "
            "for Socket Mode)."
        )
    client = setup.web_client(None if setup.oauth else settings.slack_bot_token)
    if setup.oauth:
        app = AsyncApp(
            name=APP_NAME,
            signing_secret=settings.slack_signing_secret,
            client=client,
            process_before_response=True,
            logger=bolt_logger(),
            oauth_settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=BOT_SCOPES,
                installation_store=setup.installation_store,
                state_store=setup.state_store,
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
                # Straight to Slack's consent page: no interstitial page with Slack's images,
                # which agency networks that block CDNs would show broken.
                install_page_rendering_enabled=False,
                authorization_url=authorization_url(settings.slack_api_url),
                callback_options=CALLBACK_PAGES,
            ),
        )
    else:
        app = AsyncApp(
            name=APP_NAME,
            signing_secret=settings.slack_signing_secret or None,
            client=client,
            logger=bolt_logger(),
            request_verification_enabled=bool(settings.slack_signing_secret),
            process_before_response=True,
        )
    edge = SlackEdge(services, setup, app)
    _listen(edge)
    return edge


def _listen(edge: SlackEdge) -> None:
    """Register every listener on the Bolt app, by what Slack sends."""
    for listen in (_listen_command, _listen_buttons, _listen_views, _listen_events):
        listen(edge, edge.app)


def _listen_command(edge: SlackEdge, app: AsyncApp) -> None:
    """The slash command: answered in the acknowledgement when quick, else through response_url."""

    @app.command(COMMAND)
    async def slash_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        team_id, user_id, text = command["team_id"], command["user_id"], command.get("text", "")
        reply = answer_known_caller(
            edge.services, platform=PLATFORM, workspace=team_id, user_id=user_id, text=text
        )
        if reply is None:
            reply = await _within_ack(edge, ack, respond, client, team_id, user_id, text)
            if reply is None:
                return
        await ack(response_type="ephemeral", text=fallback_text(reply), blocks=render_blocks(reply))
        await edge.upload_if_any(client, user_id, reply)


async def _within_ack(
    edge: SlackEdge,
    ack: AsyncAck,
    respond: AsyncRespond,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    text: str,
) -> Message | None:
    """The reply to a command when it is ready within ACK_WITHIN; else None, once Slack has
    been told it is under way (it hears back only when the listener returns: its
    acknowledgement waits for the work everywhere else), the reply to follow through
    response_url."""
    work = asyncio.create_task(edge.converse(client, team_id, user_id, text, direct=False))
    done, _ = await asyncio.wait({work}, timeout=ACK_WITHIN)
    if work in done:
        return work.result()
    await ack(response_type="ephemeral", text="Working on it…")

    async def finish() -> None:
        reply = await work
        await respond(
            response_type="ephemeral",
            text=fallback_text(reply),
            blocks=render_blocks(reply),
            replace_original=True,
        )
        await edge.upload_if_any(client, user_id, reply)

    edge.in_background(finish())
    return None


def _listen_buttons(edge: SlackEdge, app: AsyncApp) -> None:
    """Buttons on App Home and on prompts."""

    @app.action(re.compile(f"^{ACTION_PREFIX}home\\."))
    async def home_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        team_id, user_id, name = _pressed(body, action)
        if name == "home.add":
            try:
                role = await edge.run(client, team_id, user_id, lambda ctx: ctx.caller.role)
            except NotSaved:
                role = None  # every item on offer; committing says if the database is back
            await client.views_open(
                trigger_id=body["trigger_id"],
                view=commit_modal(commit_choices(edge.services.catalog, role)),
            )
            return
        command = {"home.drop": f"drop {action.get('value', '')}", "home.dashboard": "dashboard"}
        reply = await edge.converse(client, team_id, user_id, command.get(name, name), direct=False)
        if name == "home.dashboard" or not reply.ok:
            opened = await client.conversations_open(users=user_id)
            await client.chat_postMessage(
                channel=opened["channel"]["id"],
                text=fallback_text(reply),
                blocks=render_blocks(reply),
            )
        await edge.publish_home(client, team_id, user_id)

    @app.action(re.compile(f"^{ACTION_PREFIX}(?!home\\.)"))
    async def prompt_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        team_id, user_id, name = _pressed(body, action)
        value = action.get("value", "")
        container = body.get("container") or {}
        channel, ts = container.get("channel_id", ""), container.get("message_ts", "")
        # Words a button requires are asked for first; optional ones once it has acted.
        asks = asks_for(name)
        ask = text_modal(name, asks, value, channel=channel, ts=ts) if asks else None
        if ask is not None and asks is not None and asks.required:
            await client.views_open(trigger_id=body["trigger_id"], view=ask)
            return
        result = await edge.act(client, team_id, user_id, name, value)
        await edge.show_answer(client, result, (channel, ts), body.get("message"))
        if ask is not None and result.reply.ok:
            await client.views_open(trigger_id=body["trigger_id"], view=ask)
        elif channel:
            await client.chat_postEphemeral(
                channel=channel,
                user=user_id,
                text=fallback_text(result.reply),
                blocks=render_blocks(result.reply),
            )


def _listen_views(edge: SlackEdge, app: AsyncApp) -> None:
    """Modals submitted: a note, barrier or share text; a new commitment."""

    @app.view(NOTE_MODAL)
    async def text_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        text = view["state"]["values"].get("ft-text", {}).get("text", {}).get("value") or ""
        result = await edge.act(
            client,
            _team(body),
            body["user"]["id"],
            meta.get("action", ""),
            str(meta.get("prompt", "")),
            text.strip() or None,
        )
        await edge.show_answer(client, result, (meta.get("channel", ""), meta.get("ts", "")))
        if meta.get("channel"):
            await client.chat_postEphemeral(
                channel=meta["channel"], user=body["user"]["id"], text=fallback_text(result.reply)
            )

    @app.view(COMMIT_MODAL)
    async def commit_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        values = view["state"]["values"]
        chosen = (
            values.get("ft-behavior", {}).get("behavior", {}).get("selected_option") or {}
        ).get("value", "")
        goal = values.get("ft-goal", {}).get("goal", {}).get("value") or ""
        team_id, user_id = _team(body), body["user"]["id"]
        reply = await edge.converse(
            client, team_id, user_id, f"commit {chosen} {goal}".strip(), direct=False
        )
        if not reply.ok:
            await ack(response_action="errors", errors={"ft-behavior": reply.text[:150]})
            return
        await ack()
        await edge.publish_home(client, team_id, user_id)


def _listen_events(edge: SlackEdge, app: AsyncApp) -> None:
    """Direct messages, App Home opened, uninstalls, and listener failures."""

    @app.event("message")
    async def direct_message(
        event: dict[str, Any], body: dict[str, Any], say: AsyncSay, client: AsyncWebClient
    ) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        event_id = body.get("event_id") or event.get("client_msg_id", "")
        text = from_slack(event.get("text", ""))

        reply = await edge.run(
            client,
            _team(body),
            event["user"],
            once(PLATFORM, event_id, lambda ctx: handle_text(text, ctx, direct=True)),
        )
        if reply is None:
            return
        await say(text=fallback_text(reply), blocks=render_blocks(reply))
        await edge.upload_if_any(client, event["user"], reply)

    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") == "home":
            await edge.publish_home(client, _team(body), event["user"])

    @app.event("tokens_revoked")
    @app.event("app_uninstalled")
    async def uninstalled(body: dict[str, Any]) -> None:
        """Stop sending to a workspace that removed the app or revoked its tokens."""

        def deactivate() -> None:
            with edge.services.sessions.begin() as session:
                get_workspace(
                    session,
                    platform=PLATFORM,
                    external_id=_team(body),
                    now=edge.services.clock.now(),
                ).active = False

        await asyncio.to_thread(deactivate)
        edge.services.callers.forget(PLATFORM, _team(body))
        store = edge.setup.installation_store
        if store is not None:  # OAuth: forget the workspace's tokens, as bolt's own listener does
            await store.async_delete_all(enterprise_id=None, team_id=_team(body))
        log.warning("Slack workspace %s uninstalled or revoked: sends stopped", _team(body))

    @app.error
    async def failed(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed on %s: %r", body.get("type"), error, exc_info=error)


def authorization_url(api_url: str) -> str:
    """Slack's consent page on the same host as the Web API (slack.com, GovSlack, a proxy)."""
    parsed = urlparse(api_url)
    return f"{parsed.scheme}://{parsed.netloc}/oauth/v2/authorize"


def _pressed(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, str, str]:
    """Where a button was pressed, by whom, and which (our name for it)."""
    return _team(body), body["user"]["id"], action_name(action["action_id"])


def _team(body: dict[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    return str(team or (body.get("user") or {}).get("team_id") or "")


def commit_modal(groups: list[tuple[str, list[tuple[str, str]]]]) -> dict[str, Any]:
    """Choose a behavior (grouped by domain) and an optional goal."""
    option_groups = [
        {
            "label": {"type": "plain_text", "text": name[:75]},
            "options": [
                {
                    "text": {"type": "plain_text", "text": f"{entry_id} {text}"[:75]},
                    "value": entry_id,
                }
                for entry_id, text in options
            ],
        }
        for name, options in groups
        if options
    ]
    return {
        "type": "modal",
        "callback_id": COMMIT_MODAL,
        "title": {"type": "plain_text", "text": "Add a commitment"},
        "submit": {"type": "plain_text", "text": "Commit"},
        "blocks": [
            {
                "type": "input",
                "block_id": "ft-behavior",
                "label": {"type": "plain_text", "text": "Behavior"},
                "element": {
                    "type": "static_select",
                    "action_id": "behavior",
                    "option_groups": option_groups,
                },
            },
            {
                "type": "input",
                "block_id": "ft-goal",
                "optional": True,
                "label": {"type": "plain_text", "text": "Your goal"},
                "element": {"type": "plain_text_input", "action_id": "goal", "max_length": 500},
            },
        ],
    }


def add_slack_routes(web_app: web.Application, edge: SlackEdge) -> None:
    """Mount Slack's HTTP endpoints; with Socket Mode and no signing secret there are none,
    since nothing could tell a forged request from Slack's."""
    if not edge.setup.settings.slack_signing_secret:
        return

    async def events(request: web.Request) -> web.Response:
        bolt_response = await edge.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    web_app.router.add_post("/slack/events", events)
    flow = edge.app.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_installation(await to_bolt_request(request))
            )

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_callback(await to_bolt_request(request))
            )

        web_app.router.add_get("/slack/install", install)
        web_app.router.add_get("/slack/oauth_redirect", redirect)


def slack_lifecycle(edge: SlackEdge) -> Callable[[web.Application], AsyncIterator[None]]:
    """Create the OAuth tables, and hold the Socket Mode connection open, while serving."""

    async def run(web_app: web.Application) -> AsyncIterator[None]:
        await edge.setup.prepare()
        handler = None
        if edge.setup.settings.slack_app_token:
            handler = AsyncSocketModeHandler(edge.app, edge.setup.settings.slack_app_token)
            await handler.connect_async()  # type: ignore[no-untyped-call]
        yield
        if handler is not None:
            await handler.close_async()  # type: ignore[no-untyped-call]

    return run
