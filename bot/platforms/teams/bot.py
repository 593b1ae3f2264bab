"""The Teams activity handler: remembers how to reach every person and channel it sees,
records team rosters, and runs commands, card actions and free text through the core."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
)
from sqlalchemy import select

from bot.core import mentions
from bot.core.messages import Attachment as FileAttachment
from bot.core.messages import Message
from bot.handlers.context import Context, PlatformUser
from bot.handlers.dispatch import handle_action, handle_text, once
from bot.handlers.people import Stranger
from bot.handlers.replies import AnswerResult
from bot.platforms.edge import OUTAGE, NotSaved, not_saved, run_in_core, unavailable
from bot.platforms.teams.cards import CARD_TYPE, render_card
from bot.platforms.teams.references import PLATFORM, remember, tenant_of
from bot.services import Services
from bot.store.models import Person
from bot.store.workspaces import get_workspace

log = logging.getLogger(__name__)
T = TypeVar("T")
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"  # an invoke answer in words
INLINE_FILE_LIMIT = 20_000  # characters; a Teams message holds about 28 KB


class TeamsDirectory:
    """Teams tells us who people are through rosters we record; nothing to look up live."""

    def lookup(self, ref: object) -> PlatformUser | None:
        return None


class FollowThroughTeamsBot(TeamsActivityHandler):  # type: ignore[misc]
    def __init__(self, services: Services) -> None:
        self.services = services

    # -- the way into the core ----------------------------------------------------------------

    async def run(self, turn_context: TurnContext, work: Callable[[Context], T]) -> T:
        """Run `work` as the sender; Teams is asked who they are (the roster) only the first
        time we meet them."""
        activity = turn_context.activity
        sender = activity.from_property

        async def as_(user: PlatformUser, *, strangers: bool) -> T:
            return await run_in_core(
                self.services,
                platform=PLATFORM,
                workspace=tenant_of(activity),
                user=user,
                directory=TeamsDirectory(),
                work=work,
                strangers=strangers,
            )

        try:
            return await as_(
                PlatformUser(user_id=sender.id, display_name=sender.name or ""), strangers=False
            )
        except Stranger:
            return await as_(await self._meet(turn_context), strangers=True)

    async def _meet(self, turn_context: TurnContext) -> PlatformUser:
        """Who someone new is: their name, and in a personal chat their email from the roster."""
        sender = turn_context.activity.from_property
        email = None
        if turn_context.activity.conversation.conversation_type == "personal":
            try:
                member = await TeamsInfo.get_member(turn_context, sender.id)
                email = getattr(member, "email", None) or getattr(
                    member, "user_principal_name", None
                )
            except Exception as error:  # the roster is a nicety; the message still counts
                log.warning("Teams member lookup failed: %r", error)
        return PlatformUser(user_id=sender.id, display_name=sender.name or "", email=email)

    async def _remember(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        reference = TurnContext.get_conversation_reference(activity)
        kind = "dm" if activity.conversation.conversation_type == "personal" else "channel"
        key = activity.from_property.id if kind == "dm" else activity.conversation.id

        def store() -> None:
            with self.services.sessions.begin() as session:
                now = self.services.clock.now()
                workspace = get_workspace(
                    session, platform=PLATFORM, external_id=tenant_of(activity), now=now
                )
                remember(session, workspace.id, kind, key, reference, now=now)
                remember(session, workspace.id, "tenant", workspace.external_id, reference, now=now)

        try:
            await asyncio.to_thread(store)
        except OUTAGE as error:
            raise NotSaved from unavailable(error)

    # -- activities ---------------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Every activity. While the database is out nothing of one is kept, and someone who
        wrote is told so, to try again (Teams does not send a message twice)."""
        try:
            await super().on_turn(turn_context)
        except NotSaved:
            if turn_context.activity.type == ActivityTypes.message:
                await turn_context.send_activity(_reply(not_saved()))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        await self._remember(turn_context)
        # Seen and handled in one transaction: an activity Teams re-sends after we handled it
        # is skipped, while one whose handling failed is handled again.
        seen = f"{activity.conversation.id}:{activity.id}"
        if isinstance(activity.value, dict) and activity.value.get("ft"):
            data = activity.value
            result = await self.run(
                turn_context,
                once(PLATFORM, seen, lambda ctx: card_action(ctx, data)),
            )
            if result is None:
                return
            pressed = await self._show_answer(turn_context, result)
            if pressed is not None and activity.reply_to_id:
                await turn_context.update_activity(
                    Activity(
                        id=activity.reply_to_id,
                        type=ActivityTypes.message,
                        attachments=[_card(pressed)],
                    )
                )
            if pressed is not result.reply:
                await turn_context.send_activity(_reply(result.reply))
            return
        text = from_teams(
            activity,
            (TurnContext.remove_recipient_mention(activity) or activity.text or "").strip(),
        )
        direct = activity.conversation.conversation_type == "personal"

        reply = await self.run(
            turn_context,
            once(
                PLATFORM,
                seen,
                lambda ctx: handle_text(text, ctx, direct=direct),
            ),
        )
        if reply is None:
            return
        await turn_context.send_activity(_reply(reply))
        if reply.attachment is not None:
            await turn_context.send_activity(_file_as_text(reply.attachment))

    async def _act(self, turn_context: TurnContext, data: dict[str, Any]) -> AnswerResult:
        return await self.run(turn_context, lambda ctx: card_action(ctx, data))

    async def _show_answer(self, turn_context: TurnContext, result: AnswerResult) -> Message | None:
        """Show the prompt as it now stands where the prompt is, and return what the card
        that was pressed should show: the prompt itself, or, when the button was on the reply
        that asked how it went, the confirmation in its place (its buttons have done their
        work). None when nothing changed. A prompt's platform message id is conversation|id."""
        pressed = turn_context.activity.reply_to_id
        posted = (result.posted_as or "").partition("|")[2] or None
        if result.prompt is None or posted is None or posted == pressed:
            return result.prompt
        try:
            await turn_context.update_activity(
                Activity(id=posted, type=ActivityTypes.message, attachments=[_card(result.prompt)])
            )
        except Exception as error:  # the prompt may be gone; the answer is recorded anyway
            log.warning("Teams could not update the prompt's card: %r", error)
        return result.reply

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Action.Execute (adaptiveCard/action): answer, and hand Teams the updated card to
        show in place. Handled here rather than in on_adaptive_card_invoke, whose answer
        botbuilder 4.17 serializes twice under the CloudAdapter (and fails)."""
        if turn_context.activity.name != "adaptiveCard/action":
            response: InvokeResponse = await super().on_invoke_activity(turn_context)
            return response
        value = turn_context.activity.value
        action = value.get("action") if isinstance(value, dict) else None
        data = action.get("data") if isinstance(action, dict) else None
        data = data if isinstance(data, dict) else {}
        try:
            await self._remember(turn_context)
            result = await self._act(turn_context, data)
        except NotSaved:
            # The card stays as it was; Teams shows the words beside it.
            return InvokeResponse(
                status=200,
                body=AdaptiveCardInvokeResponse(
                    status_code=200, type=MESSAGE_TYPE, value=not_saved().text
                ),
            )
        pressed = await self._show_answer(turn_context, result)
        if not result.reply.ok or pressed is None:
            await turn_context.send_activity(_reply(result.reply))
        shown = pressed or result.reply
        return InvokeResponse(
            status=200,
            body=AdaptiveCardInvokeResponse(
                status_code=200, type=CARD_TYPE, value=render_card(shown)
            ),
        )

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        await self._record_roster(turn_context)
        await super().on_conversation_update_activity(turn_context)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        if turn_context.activity.action in ("add", "add-upgrade"):
            await self._record_roster(turn_context)

    async def _record_roster(self, turn_context: TurnContext) -> None:
        """Everyone in the team or chat, page by page, so admins can enroll them by mention or
        email and the bot can open a chat with people who never wrote to it."""
        activity = turn_context.activity
        if activity.conversation.conversation_type == "personal":
            return
        members: list[ChannelAccount] = []
        token = None
        try:
            while True:
                page = await TeamsInfo.get_paged_members(turn_context, token, 100)
                members += page.members or []
                token = page.continuation_token
                if not token:
                    break
        except Exception as error:  # a roster we can't read leaves people to first contact
            log.warning("Teams roster could not be read: %r", error)
            return

        def store() -> None:
            now = self.services.clock.now()
            with self.services.sessions.begin() as session:
                workspace = get_workspace(
                    session, platform=PLATFORM, external_id=tenant_of(activity), now=now
                )
                for member in members:
                    if member.id == activity.recipient.id:
                        continue
                    email = getattr(member, "email", None) or getattr(
                        member, "user_principal_name", None
                    )
                    person = session.scalar(
                        select(Person).filter_by(
                            workspace_id=workspace.id, platform_user_id=member.id
                        )
                    )
                    if person is None:
                        session.add(
                            Person(
                                workspace_id=workspace.id,
                                platform_user_id=member.id,
                                display_name=member.name or "",
                                email=email.lower() if email else None,
                                created_at=now,
                            )
                        )
                    elif email and not person.email:
                        person.email = email.lower()

        await asyncio.to_thread(store)


def _file_as_text(file: FileAttachment) -> Activity:
    """Teams bots can't simply attach a file to a chat, so a small export comes as text (to
    copy into a spreadsheet); a large one points to where it can be downloaded."""
    content = file.data.decode("utf-8", errors="replace")
    if len(content) <= INLINE_FILE_LIMIT:
        return MessageFactory.text(f"{file.filename}:\n```\n{content}\n```")
    return MessageFactory.text(
        f"{file.filename} is too large for a chat message ({len(file.data):,} bytes). "
        "Download it from the dashboard, or run `followthrough export` on the server."
    )


def card_action(ctx: Context, data: dict[str, Any]) -> AnswerResult:
    """A card button's data (and the text typed into the card) as an answer."""
    text = data.get("text")
    return handle_action(
        ctx,
        str(data.get("ft", "")),
        str(data.get("value", "")),
        text if isinstance(text, str) else None,
    )


def _card(message: Message) -> Attachment:
    return Attachment(content_type=CARD_TYPE, content=render_card(message))


def _reply(message: Message) -> Activity:
    """Plain text for a plain answer; a card when there is structure to show."""
    if message.title or message.fields or message.items or message.sections or message.buttons:
        return MessageFactory.attachment(_card(message))
    return MessageFactory.text(message.text)


def from_teams(activity: Activity, text: str) -> str:
    """Teams' text as the core reads it: each `<at>Name</at>` with a mention entity becomes
    a neutral mention of that person (or channel: Teams channel ids start with 19:); one
    without an entity is the name as typed."""
    found: dict[str, str] = {}
    for entity in activity.entities or []:
        # msrest keeps a mention's fields outside its schema in additional_properties.
        data = {"type": entity.type, **(getattr(entity, "additional_properties", None) or {})}
        mentioned = data.get("mentioned") or {}
        if data.get("type") == "mention" and data.get("text") and mentioned.get("id"):
            found[data["text"]] = mentioned["id"]

    def neutral(match: re.Match[str]) -> str:
        target, name = found.get(match.group(0)), match.group(1)
        if target is None:
            return name
        if target.startswith("19:"):
            return mentions.channel(target, name)
        return mentions.person(target, name)

    return re.sub(r"<at>(.*?)</at>", neutral, text, flags=re.IGNORECASE | re.DOTALL)
