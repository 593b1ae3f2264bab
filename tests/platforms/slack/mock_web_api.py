"""A local Slack Web API over real HTTP: records every call and answers like Slack does, so the
bot's Slack edge can be tested with the real slack_sdk clients (base_url=mock.url)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from tests.platforms.slack.background import BackgroundServer

FIXTURES = Path(__file__).parent / "fixtures"
TEAM_ID = "T0001"
TEAM_NAME = "Agency"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0001"
# Form-encoded requests carry these as JSON strings; decoding them makes a call read the same
# whichever client (sync form, async query string, JSON body) sent it.
JSON_FIELDS = {"blocks", "attachments", "metadata", "view", "files"}
BOT_PROFILE = {
    "id": BOT_ID,
    "app_id": APP_ID,
    "name": "Follow-Through",
    "deleted": False,
    "team_id": TEAM_ID,
    "updated": 1700000000,
}

Answer = dict[str, Any]


def dm_channel(user_id: str) -> str:
    """The id of the app's DM with a user, as the mock hands it out (U0SUP -> D0SUP)."""
    return f"D{user_id[1:]}"


def load_method_answer(method: str) -> Answer:
    """A canned Web API answer stored as fixtures/method_<method>.json."""
    answer: Answer = json.loads((FIXTURES / f"method_{method}.json").read_text())
    return answer


@dataclass(frozen=True)
class Call:
    """One request the mock received: the API method (or "upload" / "response_url")."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    path: str = ""


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int
    times: int
    page: str | None = None

    def response(self) -> web.Response:
        if self.page is not None:  # not Slack's answer: a proxy's or a gateway's error page
            return web.Response(text=self.page, status=self.status, content_type="text/html")
        headers = {"Retry-After": str(self.retry_after)} if self.status == 429 else {}
        return web.json_response(
            {"ok": False, "error": self.error}, status=self.status, headers=headers
        )


def _invalid_blocks(params: dict[str, Any]) -> str | None:
    """What Slack refuses in a message's or view's blocks, as Slack says it (the rules that
    have bitten: an action_id used twice in one block)."""
    view = params.get("view")
    blocks = params.get("blocks") or (view.get("blocks") if isinstance(view, dict) else None)
    for index, block in enumerate(blocks or []):
        seen: set[str] = set()
        for element in block.get("elements", []) if isinstance(block, dict) else []:
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id in seen:
                return f"non-unique action_id {action_id!r} [json-pointer:/blocks/{index}]"
            if action_id:
                seen.add(action_id)
    return None


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true")


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(json.loads(await request.text() or "{}"))
    elif request.can_read_body:
        for key, value in (await request.post()).items():
            params[key] = value.file.read() if isinstance(value, web.FileField) else value
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str) and params[key][:1] in "[{":
            params[key] = json.loads(params[key])
    return params


class MockSlackWebAPI:
    """The Slack Web API on 127.0.0.1. Use as a context manager or call start() and stop()."""

    def __init__(self) -> None:
        self.socket_url: str | None = None
        self._lock = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._serial = 0
        self._answers: dict[str, Callable[[dict[str, Any]], Answer]] = {
            "auth.test": lambda _: load_method_answer("auth.test"),
            "oauth.v2.access": lambda _: load_method_answer("oauth.v2.access"),
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": lambda _: {"ok": True, "message_ts": self._next_ts()},
            "views.open": self._view,
            "views.update": self._view,
            "views.publish": self._view,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_post("/response_url/{key}", self._response_url)
        self._server = BackgroundServer(app, name="mock-slack-web-api")

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> MockSlackWebAPI:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> MockSlackWebAPI:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/"

    @property
    def url(self) -> str:
        """The Web API base URL for WebClient(base_url=...) and SLACK_API_URL."""
        return f"{self.root}api/"

    # -- what tests set up ------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str = "",
        display_name: str = "",
        email: str | None = None,
        tz: str = "America/New_York",
        is_bot: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """Adds a member to the workspace directory behind users.info / lookupByEmail / list."""
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        profile: dict[str, Any] = {
            "title": "",
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
            "team": TEAM_ID,
        }
        if email is not None:  # Slack leaves it out without the users:read.email scope
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name or user_id.lower(),
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_label": datetime.now(ZoneInfo(tz)).tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }
        with self._lock:
            self._users[user_id] = user
        return user

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: int = 1,
        error: str | None = None,
        page: str | None = None,
    ) -> None:
        """Makes the next `times` calls to `method` fail.

        fail(m) answers 429 + Retry-After + "ratelimited"; fail(m, error="account_inactive")
        answers 200 {"ok": false, "error": ...}; fail(m, status=503) answers a server error;
        fail(m, status=502, page="<html>…") answers an HTML page, as a proxy in the way would.
        """
        if status is None:
            status = 200 if error else 429
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(status, error, retry_after, times, page)
            )

    def response_url(self, key: str = "T0001-1") -> str:
        """A response_url on the mock; POSTs to it are recorded with method "response_url"."""
        return f"{self.root}response_url/{key}"

    def reset(self) -> None:
        """Forgets calls, pending failures, posted messages and uploads; keeps the users."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._history.clear()
            self._uploads.clear()

    # -- what tests inspect -----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages of a conversation as Slack holds them now (edits applied), oldest
        first."""
        return [dict(m) for m in self._history.get(channel, [])]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Waits until `method` was called `count` times (for work done in the background)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.calls_to(method)) >= count, timeout):
                raise AssertionError(
                    f"expected {count} call(s) to {method}, got {len(self.calls_to(method))}"
                )
            return self.calls_to(method)

    # -- HTTP routes ------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        return self._answer(request, method, params, self._answers.get(method, lambda _: {}))

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        params = {"file_id": request.match_info["file_id"], "data": data}
        response = self._answer(request, "upload", params, lambda _: {})
        if response.status == 200:
            return web.Response(text=f"OK - {len(data)}")
        return response

    async def _response_url(self, request: web.Request) -> web.Response:
        params = json.loads(await request.text() or "{}")
        return self._answer(request, "response_url", params, lambda _: {})

    def _answer(
        self,
        request: web.Request,
        method: str,
        params: dict[str, Any],
        answer: Callable[[dict[str, Any]], Answer],
    ) -> web.Response:
        with self._lock:
            self._calls.append(Call(method, params, dict(request.headers), request.path))
            self._lock.notify_all()
            failure = self._take_failure(method)
            if failure is not None:
                return failure.response()
            problem = _invalid_blocks(params)
            if problem is not None:
                return web.json_response(
                    {"ok": False, "error": "invalid_blocks", "errors": [problem]}
                )
            return web.json_response({"ok": True, **answer(params)})

    def _take_failure(self, method: str) -> _Failure | None:
        pending = self._failures.get(method)
        if not pending:
            return None
        failure = pending[0]
        failure.times -= 1
        if failure.times <= 0:
            pending.pop(0)
        return failure

    # -- canned answers (called with the lock held) -----------------------------------------

    def _next_ts(self) -> str:
        self._serial += 1
        micros = 1_700_000_000_000_000 + self._serial * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _users_info(self, params: dict[str, Any]) -> Answer:
        user = self._users.get(params.get("user", ""))
        return {"user": user} if user else {"ok": False, "error": "user_not_found"}

    def _users_lookup_by_email(self, params: dict[str, Any]) -> Answer:
        email = str(params.get("email", "")).lower()
        for user in self._users.values():
            if user["profile"].get("email", "").lower() == email:
                return {"user": user}
        return {"ok": False, "error": "users_not_found"}

    def _users_list(self, params: dict[str, Any]) -> Answer:
        members = list(self._users.values())
        return {
            "members": members,
            "cache_ts": 1700000000,
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_open(self, params: dict[str, Any]) -> Answer:
        if "channel" in params:
            return {"no_op": True, "already_open": True, "channel": {"id": params["channel"]}}
        users = str(params.get("users", "")).split(",")
        channel = dm_channel(users[0]) if len(users) == 1 else "G" + "".join(sorted(users))
        return {"no_op": True, "already_open": True, "channel": {"id": channel}}

    @staticmethod
    def _channel_id(channel: str) -> str:
        # Posting to a user id lands in the app's DM with them, and Slack answers with its id.
        return dm_channel(channel) if channel[:1] in ("U", "W") else channel

    def _chat_post_message(self, params: dict[str, Any]) -> Answer:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        channel = self._channel_id(str(params["channel"]))
        ts = self._next_ts()
        message: dict[str, Any] = {
            "user": BOT_USER_ID,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": params.get("text", ""),
            "team": TEAM_ID,
            "bot_profile": BOT_PROFILE,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if key in params:
                message[key] = params[key]
        self._history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: dict[str, Any]) -> Answer:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        stored = next((m for m in self._history.get(channel, []) if m["ts"] == ts), None)
        # Lenient on purpose: a message from a payload fixture was never posted through the mock.
        message: dict[str, Any] = stored if stored is not None else {"type": "message", "ts": ts}
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": channel, "ts": ts, "text": message.get("text", ""), "message": message}

    def _conversations_history(self, params: dict[str, Any]) -> Answer:
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        inclusive = _flag(params.get("inclusive"))
        messages = [
            m
            for m in reversed(self._history.get(str(params.get("channel", "")), []))
            if (
                oldest <= float(m["ts"]) <= latest
                if inclusive
                else oldest < float(m["ts"]) < latest
            )
        ]
        if not _flag(params.get("include_all_metadata")):
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        limit = int(params.get("limit") or 100)
        return {
            "messages": messages[:limit],
            "has_more": len(messages) > limit,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _view(self, params: dict[str, Any]) -> Answer:
        view: dict[str, Any] = dict(params.get("view") or {})
        self._serial += 1
        view_id = str(params.get("view_id") or f"V{self._serial:08d}")
        return {
            "view": {
                "id": view_id,
                "team_id": TEAM_ID,
                "type": view.get("type", "modal"),
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "state": {"values": {}},
                "hash": f"1700000000.{self._serial:08d}",
                "title": view.get("title"),
                "close": view.get("close"),
                "submit": view.get("submit"),
                "clear_on_close": view.get("clear_on_close", False),
                "notify_on_close": view.get("notify_on_close", False),
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": APP_ID,
                "external_id": view.get("external_id", ""),
                "app_installed_team_id": TEAM_ID,
                "bot_id": BOT_ID,
            }
        }

    def _files_get_upload_url(self, params: dict[str, Any]) -> Answer:
        self._serial += 1
        file_id = f"F{self._serial:08d}"
        self._uploads[file_id] = {"name": params.get("filename", ""), "size": params.get("length")}
        return {"upload_url": f"{self.root}upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> Answer:
        files = []
        for item in params.get("files", []):
            upload = self._uploads.get(item["id"], {})
            name = upload.get("name", "")
            files.append(
                {
                    "id": item["id"],
                    "created": 1700000000,
                    "timestamp": 1700000000,
                    "name": name,
                    "title": item.get("title") or name,
                    "mimetype": "text/plain",
                    "filetype": "text",
                    "user": BOT_USER_ID,
                    "user_team": TEAM_ID,
                    "size": int(upload.get("size") or 0),
                    "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{item['id']}/{name}",
                    "permalink": f"https://agency.slack.com/files/{BOT_USER_ID}/{item['id']}/{name}",
                    "shares": {},  # Slack shares to channels asynchronously, after this answer
                }
            )
        return {"files": files}

    def _apps_connections_open(self, params: dict[str, Any]) -> Answer:
        if self.socket_url is None:
            return {"ok": False, "error": "mock_socket_url_not_set"}
        return {"url": self.socket_url}
