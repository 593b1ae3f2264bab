"""The local chat's web edge: a page at /local where one acts as any person, and the JSON
routes it calls. It is a real platform of the core: the same handlers and the same outbox."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.messages import Message, message_to_dict
from bot.handlers.context import Context
from bot.handlers.dispatch import enter, handle_action, handle_text
from bot.handlers.people import current_teams, identify
from bot.handlers.replies import OUTCOME_LABELS
from bot.platforms.edge import OUTAGE, not_saved, unavailable
from bot.platforms.local.channel import LocalChannel, dm_conversation, post, team_conversation
from bot.platforms.local.directory import (
    LOCAL_PLATFORM,
    LocalDirectory,
    from_local,
    local_user,
    local_workspace,
)
from bot.services import SERVICES_KEY, Services
from bot.store.models import LocalMessage, Person, Record, Team
from bot.web.guard import same_site

PAGE = Path(__file__).resolve().parent / "static" / "index.html"


def _page_headers(page: str) -> dict[str, str]:
    """The page may run its own script and nothing else (not a handler slipped into some
    text), talk only to this server, and not be framed."""
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
            "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    }


_PAGE_TEXT = PAGE.read_text(encoding="utf-8")
_PAGE_HEADERS = _page_headers(_PAGE_TEXT)


def _services(request: web.Request) -> Services:
    return request.app[SERVICES_KEY]


def _row(message: LocalMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "sender": message.sender,
        "kind": message.body.get("kind"),
        "message": message.body.get("message"),
        "at": message.created_at.isoformat(),
    }


async def page(request: web.Request) -> web.Response:
    return web.Response(text=_PAGE_TEXT, content_type="text/html", headers=_PAGE_HEADERS)


async def people(request: web.Request) -> web.Response:
    def load() -> dict[str, Any]:
        services = _services(request)
        with services.sessions.begin() as session:
            workspace = local_workspace(session, services.clock.now())
            persons = session.scalars(
                select(Person).filter_by(workspace_id=workspace.id).order_by(Person.display_name)
            )
            teams = session.scalars(
                select(Team).filter_by(workspace_id=workspace.id).order_by(Team.name)
            )
            return {
                "people": [
                    {
                        "id": p.id,
                        "user_id": p.platform_user_id,
                        "name": p.name,
                        "role": p.role if p.is_leader else None,
                        "admin": p.is_admin,
                    }
                    for p in persons
                ],
                "teams": [
                    {"id": t.id, "name": t.name, "channel": t.channel_name or t.channel_ref}
                    for t in teams
                ],
                # Who FOLLOWTHROUGH_ADMINS names: the empty page tells a newcomer to join as one.
                "admins": sorted(services.settings.bootstrap_admins),
            }

    return web.json_response(await asyncio.to_thread(load))


async def join(request: web.Request) -> web.Response:
    """Start a conversation as someone new, by email or a short id."""
    body = await _json(request)
    who = body.get("user")
    who = who.strip() if isinstance(who, str) else ""
    if not who or len(who) > 200 or any(c.isspace() for c in who):
        raise web.HTTPBadRequest(text="Give an email address or an id without spaces.")

    def create() -> int:
        services = _services(request)
        now = services.clock.now()
        with services.sessions.begin() as session:
            person = identify(
                session,
                workspace=local_workspace(session, now),
                user=local_user(who),
                settings=services.settings,
                now=now,
            )
            return person.id

    return web.json_response({"id": await asyncio.to_thread(create)})


async def conversation(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    after = request.query.get("after", "0")
    if not after.isdigit():
        raise web.HTTPBadRequest(text="`after` must be a message id.")

    def load() -> list[dict[str, Any]]:
        with _services(request).sessions() as session:
            rows = session.scalars(
                select(LocalMessage)
                .where(LocalMessage.conversation == name)
                .order_by(LocalMessage.id)
            )
            # Messages edited in place (an answered prompt) come back too, so the page redraws.
            return [_row(r) for r in rows if r.id > int(after) or r.updated_at is not None]

    return web.json_response({"messages": await asyncio.to_thread(load)})


async def say(request: web.Request) -> web.Response:
    body = await _json(request)
    person_id, text = _id(body, "person"), body.get("text")
    if person_id is None or not isinstance(text, str) or not text.strip() or len(text) > 4000:
        raise web.HTTPBadRequest(text="Send a person id and some text.")

    def run(ctx: Context, conversation: str) -> bool:
        post(ctx.session, conversation, "person", Message(text=text), now=ctx.now)
        reply = handle_text(from_local(text), ctx, direct=True)
        post(ctx.session, conversation, "bot", reply, kind="reply", now=ctx.now)
        return reply.ok

    return await _as_person(request, person_id, run)


async def press(request: web.Request) -> web.Response:
    body = await _json(request)
    person_id, message_id = _id(body, "person"), _id(body, "message")
    action, value = str(body.get("action", "")), str(body.get("value", ""))
    text = body.get("text")
    if person_id is None or message_id is None:
        raise web.HTTPBadRequest(text="Send the person and the message the button is on.")
    if text is not None and (not isinstance(text, str) or len(text) > 2000):
        raise web.HTTPBadRequest(text="The note must be text, at most 2,000 characters.")

    def run(ctx: Context, conversation: str) -> bool:
        shown = ctx.session.get(LocalMessage, message_id)
        if shown is None or shown.conversation != conversation:
            raise web.HTTPNotFound(text="No such message in this conversation.")
        result = handle_action(ctx, action, value, text)
        if result.prompt is not None:
            _redraw(ctx.session, shown, int(value), result.prompt, ctx.now)
            _show_shared(ctx, int(value))
        post(ctx.session, conversation, "bot", result.reply, kind="reply", now=ctx.now)
        return result.reply.ok

    return await _as_person(request, person_id, run)


async def _as_person(
    request: web.Request, person_id: int, work: Callable[[Context, str], bool]
) -> web.Response:
    """Run `work` as a person of the local chat, in their conversation, in one transaction,
    and answer whether it went through (503, nothing kept, while the database is out)."""

    def run() -> dict[str, Any]:
        services = _services(request)
        now = services.clock.now()
        with services.sessions.begin() as session:
            person = _person(session, person_id)
            ctx = enter(
                session,
                settings=services.settings,
                catalog=services.catalog,
                workspace=person.workspace,
                user=local_user(person.platform_user_id),
                directory=LocalDirectory(),
                now=now,
            )
            return {"ok": work(ctx, dm_conversation(person.id))}

    try:
        return web.json_response(await asyncio.to_thread(run))
    except OUTAGE as error:
        unavailable(error)
        return web.json_response({"ok": False, "error": not_saved().text}, status=503)


def _redraw(
    session: Session, pressed: LocalMessage, prompt_id: int, prompt: Message, now: datetime
) -> None:
    """Show the prompt as it now stands where the prompt is. A button pressed on another
    message (the reply that asked how it went) has done its work: its buttons go."""
    cards = session.scalars(
        select(LocalMessage).where(
            LocalMessage.conversation == pressed.conversation,
            LocalMessage.prompt_id == prompt_id,
        )
    ).all()
    for card in cards or [pressed]:
        card.body = {**card.body, "message": message_to_dict(prompt)}
        card.updated_at = now
    if cards and pressed not in cards:
        pressed.body = {**pressed.body, "message": {**pressed.body["message"], "buttons": []}}
        pressed.updated_at = now


def _show_shared(ctx: Context, prompt_id: int) -> None:
    """A note shared with the implementation team shows in the leader's team channels at
    once, as well as in the week's digest: one message a prompt, redrawn when it changes."""
    record = ctx.session.scalar(select(Record).filter_by(prompt_id=prompt_id))
    if record is None or not record.shared or not record.note:
        return
    entry = ctx.catalog.find(record.behavior_id)
    behavior = f"{entry.title} ({entry.id})" if entry else record.behavior_id
    message = Message(
        title=f"{ctx.caller.name} shared a note",
        text=record.note,
        fields=(
            ("Behavior", behavior),
            ("Answer", OUTCOME_LABELS.get(record.outcome, record.outcome)),
        ),
    )
    for team in current_teams(ctx.session, ctx.caller):
        conversation = team_conversation(team.id)
        shown = ctx.session.scalar(
            select(LocalMessage).where(
                LocalMessage.conversation == conversation, LocalMessage.prompt_id == prompt_id
            )
        )
        if shown is None:
            post(
                ctx.session,
                conversation,
                "bot",
                message,
                kind="shared",
                prompt_id=prompt_id,
                now=ctx.now,
            )
        elif shown.body.get("message") != message_to_dict(message):
            shown.body = {**shown.body, "message": message_to_dict(message)}
            shown.updated_at = ctx.now


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.workspace.platform != LOCAL_PLATFORM:
        raise web.HTTPNotFound(text="No such person in the local chat.")
    return person


def _id(body: dict[str, Any], key: str) -> int | None:
    """An integer id from a JSON body (JSON's true and false are not ids)."""
    value = body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="Send JSON.") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="Send a JSON object.")
    return body


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/local")


def add_local_routes(app: web.Application) -> None:
    """The page and its API answer only this machine's own page (`same_site`): whoever uses
    them acts as anyone, so no other site may send them requests or frame the page."""
    app.router.add_get("/", home)
    app.router.add_get("/local", same_site(page))
    app.router.add_get("/local/api/people", same_site(people))
    app.router.add_post("/local/api/people", same_site(join))
    app.router.add_get("/local/api/conversations/{name}", same_site(conversation))
    app.router.add_post("/local/api/say", same_site(say))
    app.router.add_post("/local/api/press", same_site(press))


@dataclass
class LocalRunning:
    """The local chat in one service: prompts land in the database, the page reads them."""

    channel: LocalChannel

    @classmethod
    def start(cls, services: Services) -> LocalRunning:
        return cls(LocalChannel(services.sessions, services.clock))

    def add_routes(self, app: web.Application) -> None:
        add_local_routes(app)
