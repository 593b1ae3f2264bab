"""A local Socket Mode endpoint: greets a client with "hello", pushes envelopes to it the way
Slack does, and records the acks it sends back. Put its url into MockSlackWebAPI.socket_url."""

from __future__ import annotations

import json
import threading
import uuid
from types import TracebackType
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.platforms.slack.background import BackgroundServer
from tests.platforms.slack.mock_web_api import APP_ID


def _accepts_response_payload(envelope_type: str, payload: dict[str, Any]) -> bool:
    # Slack lets the ack carry a response only where the HTTP response could carry one too.
    if envelope_type == "slash_commands":
        return True
    return envelope_type == "interactive" and payload.get("type") in (
        "view_submission",
        "block_suggestion",
    )


class MockSocketModeServer:
    """Slack's Socket Mode WebSocket on 127.0.0.1. A context manager, or start() and stop()."""

    def __init__(self, *, app_id: str = APP_ID) -> None:
        self.app_id = app_id
        self.connections = 0
        self._lock = threading.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: list[dict[str, Any]] = []
        app = web.Application()
        app.router.add_get("/link/", self._link)
        app.on_shutdown.append(self._close_all)
        self._server = BackgroundServer(app, name="mock-slack-socket-mode")

    def start(self) -> MockSocketModeServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> MockSocketModeServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The WebSocket URL, shaped like the one apps.connections.open hands out."""
        return f"ws://127.0.0.1:{self._server.port}/link/?ticket=mock-ticket&app_id={self.app_id}"

    @property
    def acks(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._acks)

    def wait_for_connection(self, timeout: float = 5.0) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: bool(self._sockets), timeout):
                raise AssertionError("no Socket Mode client connected")

    def send_envelope(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
    ) -> str:
        """Pushes one envelope ("slash_commands", "interactive" or "events_api") to the newest
        connection and returns its envelope_id."""
        if accepts_response_payload is None:
            accepts_response_payload = _accepts_response_payload(envelope_type, payload)
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":  # only Events API deliveries are ever retried
            envelope.update(retry_attempt=0, retry_reason="")
        self._send(envelope)
        return str(envelope["envelope_id"])

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Asks the client to reconnect, as Slack does every few hours."""
        self._send({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-mock"}})

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The ack for envelope_id: {"envelope_id": …} plus "payload" when the app answered."""

        def find() -> dict[str, Any] | None:
            return next((a for a in self._acks if a.get("envelope_id") == envelope_id), None)

        with self._lock:
            if not self._lock.wait_for(lambda: find() is not None, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s")
            ack = find()
            assert ack is not None
            return ack

    def _send(self, message: dict[str, Any]) -> None:
        self.wait_for_connection()
        with self._lock:
            socket = self._sockets[-1]
        self._server.run(socket.send_json(message))

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()  # autoping answers the client's ping/pong health checks
        await socket.prepare(request)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {
                    "host": "applink-mock",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        with self._lock:
            self._sockets.append(socket)
            self.connections += 1
            self._lock.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    with self._lock:
                        self._acks.append(json.loads(message.data))
                        self._lock.notify_all()
        finally:
            with self._lock:
                self._sockets.remove(socket)
        return socket

    async def _close_all(self, app: web.Application) -> None:
        for socket in list(self._sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY)
