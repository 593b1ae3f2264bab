"""A local Bot Connector API v3 over real HTTP, standing in for a Teams channel's serviceUrl: it
records every request and answers like Teams does, so the bot's Teams edge can be tested with
the real botframework-connector clients (activities carry serviceUrl=connector.url)."""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.platforms.slack.background import BackgroundServer
from tests.platforms.teams.activities import next_message_id, personal_conversation_id

# The codes Teams documents for each status ("Status codes from bot conversational APIs").
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadArgument", "Invalid request payload."),
    401: ("BotNotRegistered", "No registration found for this bot."),
    403: ("ConversationBlockedByUser", "User blocked the conversation with the bot."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    413: ("MessageSizeTooBig", "Message size too large."),
    429: ("Throttled", "Too many requests."),
    500: ("ServiceError", "Internal server error."),
    502: ("ServiceError", "Service dependency issue."),
    503: ("ServiceUnavailable", "Service is unavailable."),
    504: ("GatewayTimeout", "Gateway Timeout."),
}
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

Json = dict[str, Any]
Answer = tuple[int, Any]


@dataclass(frozen=True)
class Call:
    """One request the mock received. `path` is decoded: /v3/conversations/a:1xyz/activities."""

    method: str
    path: str
    json: Any
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass
class SentActivity:
    """An activity the bot posted to a conversation, as it stands after any updates."""

    conversation_id: str
    id: str
    activity: Json
    reply_to_id: str | None = None
    versions: list[Json] = field(default_factory=list)  # every body PUT or POSTed, oldest first
    deleted: bool = False

    @property
    def type(self) -> str:
        return str(self.activity.get("type", "message"))

    @property
    def text(self) -> str | None:
        return self.activity.get("text")

    @property
    def attachments(self) -> list[Json]:
        return list(self.activity.get("attachments") or [])

    @property
    def cards(self) -> list[Json]:
        """The contents of the Adaptive Cards attached."""
        return [a["content"] for a in self.attachments if a.get("contentType") == ADAPTIVE_CARD]


@dataclass
class _Failure:
    pattern: re.Pattern[str]
    method: str | None
    status: int
    code: str
    message: str
    retry_after: int
    times: int

    def matches(self, method: str, path: str) -> bool:
        return (self.method in (None, method)) and bool(self.pattern.search(path))


@dataclass
class _Roster:
    members: list[Json]
    page_size: int


def error(status: int, code: str | None = None, message: str | None = None) -> Answer:
    """A Bot Framework error answer: {"error": {"code": ..., "message": ...}}."""
    default_code, default_message = ERRORS.get(status, ("ServiceError", "Error."))
    return status, {"error": {"code": code or default_code, "message": message or default_message}}


class MockConnector:
    """The Bot Connector API on 127.0.0.1. Use as a context manager or call start() and stop().

    From an async test whose bot runs on the test's own loop, wait with
    `await asyncio.to_thread(connector.wait_for, ...)` so the bot keeps running meanwhile."""

    def __init__(self) -> None:
        self._lock = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._failures: list[_Failure] = []
        self._sent: dict[str, list[SentActivity]] = {}
        self._rosters: dict[str, _Roster] = {}
        self._teams: dict[str, Json] = {}
        self._documents: dict[str, Json] = {}
        self._group_ids = itertools.count(1)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = BackgroundServer(app, name="mock-bot-connector")

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> MockConnector:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> MockConnector:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The serviceUrl, with its trailing slash as Teams sends it."""
        return f"http://127.0.0.1:{self._server.port}/"

    # -- what tests set up ------------------------------------------------------------------

    def set_roster(
        self, conversation_or_team_id: str, members: list[Json], *, page_size: int = 2
    ) -> None:
        """The members behind pagedmembers and members/{id} of a team, chat or conversation
        (a channel thread "19:x;messageid=1" finds the roster of "19:x"). Pages never hold more
        than page_size members, whatever pageSize the bot asks for, so paging is exercised."""
        with self._lock:
            self._rosters[conversation_or_team_id] = _Roster(list(members), page_size)

    def set_team(
        self,
        team_id: str,
        *,
        name: str,
        channels: Sequence[tuple[str, str]] = (),
        aad_group_id: str | None = None,
    ) -> None:
        """A team for GET /v3/teams/{id} and /conversations; General (id = team_id) comes first."""
        with self._lock:
            self._teams[team_id] = {
                "id": team_id,
                "name": name,
                "aadGroupId": aad_group_id or str(uuid.uuid5(uuid.NAMESPACE_URL, team_id)),
                "conversations": [{"id": team_id, "name": None}]
                + [{"id": id_, "name": channel} for id_, channel in channels],
            }

    def serve_json(self, path: str, document: Json) -> str:
        """Serves a fixed JSON document at GET path (OpenID metadata, keys); returns its URL."""
        with self._lock:
            self._documents[path] = document
        return self.url + path.lstrip("/")

    def fail(
        self,
        path_regex: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int = 1,
        method: str | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        """Makes the next `times` requests whose decoded path matches fail with `status`, a Bot
        Framework error body with Teams' code for it (or `code`), and Retry-After on a 429.
        E.g. fail(r"/activities", status=403, code="BotNotInConversationRoster") for an
        uninstalled app."""
        default_code, default_message = ERRORS.get(status, ("ServiceError", "Error."))
        with self._lock:
            self._failures.append(
                _Failure(
                    re.compile(path_regex),
                    method.upper() if method else None,
                    status,
                    code or default_code,
                    message or default_message,
                    retry_after,
                    times,
                )
            )

    def reset(self) -> None:
        """Forgets calls, pending failures and sent activities; keeps rosters, teams, documents."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._sent.clear()

    # -- what tests inspect -----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, path_regex: str) -> list[Call]:
        """The calls with this HTTP method whose decoded path matches path_regex (re.search)."""
        pattern = re.compile(path_regex)
        with self._lock:
            return [c for c in self._calls if c.method == method.upper() and pattern.search(c.path)]

    def wait_for(
        self, method: str, path_regex: str, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Waits until `count` such calls arrived (for work done in the background)."""
        with self._lock:
            if not self._lock.wait_for(
                lambda: len(self.calls_to(method, path_regex)) >= count, timeout
            ):
                got = len(self.calls_to(method, path_regex))
                raise AssertionError(f"expected {count} {method} {path_regex}, got {got}")
            return self.calls_to(method, path_regex)

    def sent(
        self, conversation_id: str | None = None, *, type: str | None = "message"
    ) -> list[SentActivity]:
        """What the bot posted, in order: to one conversation (a channel id also gives its
        threads) or to all; only messages unless type says otherwise (None: everything)."""
        with self._lock:
            found = [
                sent
                for key, activities in self._sent.items()
                if conversation_id in (None, key, key.split(";")[0])
                for sent in activities
            ]
        return [s for s in found if type in (None, s.type)]

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        payload = json.loads(body) if body else None
        # Split the raw path before decoding: ids are percent-encoded and may hold any character.
        segments = [unquote(s) for s in request.raw_path.split("?")[0].strip("/").split("/")]
        path = "/" + "/".join(segments)
        with self._lock:
            failure = self._take_failure(request.method, path)
            if failure is not None:
                status, answer = error(failure.status, failure.code, failure.message)
            else:
                status, answer = self._answer(
                    request.method, segments, dict(request.query), payload
                )
            self._calls.append(
                Call(
                    request.method,
                    path,
                    payload,
                    dict(request.headers),
                    dict(request.query),
                    status,
                )
            )
            self._lock.notify_all()
        headers = {"Retry-After": str(failure.retry_after)} if failure and status == 429 else {}
        return web.json_response(answer, status=status, headers=headers)

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.matches(method, path):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _answer(self, method: str, segments: list[str], query: dict[str, str], body: Any) -> Answer:
        """Routes a request (the lock is held)."""
        path = "/" + "/".join(segments)
        if method == "GET" and path in self._documents:
            return 200, self._documents[path]
        match method, segments:
            case "POST", ["v3", "conversations"]:
                return self._create_conversation(body or {})
            case "POST", ["v3", "conversations", conversation_id, "activities"]:
                return self._post(conversation_id, body or {}, reply_to_id=None)
            case "POST", ["v3", "conversations", conversation_id, "activities", activity_id]:
                return self._post(conversation_id, body or {}, reply_to_id=activity_id)
            case "PUT", ["v3", "conversations", conversation_id, "activities", activity_id]:
                return self._update(conversation_id, activity_id, body or {})
            case "DELETE", ["v3", "conversations", conversation_id, "activities", activity_id]:
                return self._delete(conversation_id, activity_id)
            case "GET", ["v3", "conversations", conversation_id, "pagedmembers"]:
                return self._paged_members(conversation_id, query)
            case "GET", ["v3", "conversations", conversation_id, "members"]:
                roster = self._roster(conversation_id)
                return (200, roster.members) if roster else error(404)
            case "GET", ["v3", "conversations", conversation_id, "members", member_id]:
                return self._member(conversation_id, member_id)
            case "GET", ["v3", "teams", team_id]:
                team = self._teams.get(team_id)
                details = {k: v for k, v in (team or {}).items() if k != "conversations"}
                return (200, details) if team else error(404, "TeamNotFound", "Team not found.")
            case "GET", ["v3", "teams", team_id, "conversations"]:
                team = self._teams.get(team_id)
                found = {"conversations": team["conversations"]} if team else None
                return (200, found) if found else error(404, "TeamNotFound", "Team not found.")
        return error(404, "NotFound", f"{method} {path} is not part of the Bot Connector API.")

    # -- answers (called with the lock held) ------------------------------------------------

    def _create_conversation(self, params: Json) -> Answer:
        members = params.get("members") or []
        channel = ((params.get("channelData") or {}).get("channel") or {}).get("id")
        activity = params.get("activity")
        answer: Json = {}
        if channel:
            # A new post in a channel: the conversation is the thread that post starts.
            answer["activityId"] = next_message_id()
            answer["id"] = f"{channel};messageid={answer['activityId']}"
        elif len(members) == 1 and not params.get("isGroup"):
            answer["id"] = personal_conversation_id(members[0]["id"])
        elif members:
            answer["id"] = f"19:group-{next(self._group_ids)}@thread.v2"
        else:
            return error(400, message="Conversation creation requires members or a channel.")
        if activity and "activityId" not in answer:
            answer["activityId"] = next_message_id()
        if activity:
            self._record(answer["id"], answer["activityId"], activity, reply_to_id=None)
        answer["serviceUrl"] = self.url
        return 201, answer

    def _post(self, conversation_id: str, activity: Json, *, reply_to_id: str | None) -> Answer:
        activity_id = next_message_id()
        self._record(conversation_id, activity_id, activity, reply_to_id=reply_to_id)
        return 200, {"id": activity_id}

    def _record(
        self, conversation_id: str, activity_id: str, activity: Json, *, reply_to_id: str | None
    ) -> None:
        stored = {**activity, "id": activity_id}
        self._sent.setdefault(conversation_id, []).append(
            SentActivity(conversation_id, activity_id, stored, reply_to_id, [stored])
        )

    def _find(self, conversation_id: str, activity_id: str) -> SentActivity | None:
        return next((s for s in self._sent.get(conversation_id, []) if s.id == activity_id), None)

    def _update(self, conversation_id: str, activity_id: str, activity: Json) -> Answer:
        stored = {**activity, "id": activity_id}
        sent = self._find(conversation_id, activity_id)
        if sent is None:
            # Lenient on purpose: a card from a payload fixture was never posted through the mock.
            sent = SentActivity(conversation_id, activity_id, stored)
            self._sent.setdefault(conversation_id, []).append(sent)
        sent.activity = stored
        sent.versions.append(stored)
        return 200, {"id": activity_id}

    def _delete(self, conversation_id: str, activity_id: str) -> Answer:
        sent = self._find(conversation_id, activity_id)
        if sent is None:
            return error(404, "ActivityNotFoundInConversation", "Conversation not found.")
        sent.deleted = True
        return 200, {}

    def _roster(self, conversation_id: str) -> _Roster | None:
        return self._rosters.get(conversation_id) or self._rosters.get(
            conversation_id.split(";")[0]
        )

    def _paged_members(self, conversation_id: str, query: dict[str, str]) -> Answer:
        roster = self._roster(conversation_id)
        if roster is None:
            return error(404)
        token = query.get("continuationToken", "")
        start = int(token.removeprefix("ct-")) if token.startswith("ct-") else 0
        size = min(int(query.get("pageSize") or roster.page_size), roster.page_size)
        page: Json = {"members": roster.members[start : start + size]}
        if start + size < len(roster.members):
            page["continuationToken"] = f"ct-{start + size}"
        return 200, page

    def _member(self, conversation_id: str, member_id: str) -> Answer:
        roster = self._roster(conversation_id)
        if roster is None:
            return error(404)
        # Teams finds a member by 29: id or by Entra object id.
        member = next(
            (m for m in roster.members if member_id in (m["id"], m.get("aadObjectId"))), None
        )
        if member is None:
            return error(
                404, "MemberNotFoundInConversation", "The member is not in the conversation."
            )
        return 200, member
