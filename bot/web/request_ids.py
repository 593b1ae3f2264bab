"""Every request's id on every log line written while it is handled: taken from a sane
`X-Request-Id` header (a proxy's or load balancer's) or made, echoed in the response.

It is bound with `structlog.contextvars` for the request's duration, so lines logged in worker
threads (`asyncio.to_thread` copies the context) and in tasks started meanwhile (Bolt's
listeners, `SlackEdge.in_background`: a task copies the context it was created in) carry it
too; the access log's line for the request is written after the handler and is bound again."""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from aiohttp.web_log import AccessLogger

HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)
# A caller's id is kept only if it cannot disturb a log line or a header: short, and of
# characters ids are made of.
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Ids need to be distinct, not secret: a generator seeded from the OS once per process, not
# os.urandom (uuid4) per request, which showed in the request path's profile.
_ids = random.Random()


def request_id(given: str | None) -> str:
    """The caller's id when it is sane, else a new one (128 random bits, hex)."""
    if given is not None and _SANE.fullmatch(given):
        return given
    return f"{_ids.getrandbits(128):032x}"


@web.middleware
async def with_request_id(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Bind the request's id for as long as it is handled; unbound after, since the next
    request on the same connection runs in the same task."""
    request[REQUEST_ID] = found = request_id(request.headers.get(HEADER))
    with structlog.contextvars.bound_contextvars(request_id=found):
        return await handler(request)


async def _echo(request: web.Request, response: web.StreamResponse) -> None:
    """The id in the response, whatever made it (a handler, a refusal, a failure)."""
    found = request.get(REQUEST_ID)
    if found is not None:
        response.headers[HEADER] = found


class AccessLog(AccessLogger):
    """aiohttp's access log, its line carrying the request's id like the request's others."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        found = request.get(REQUEST_ID)
        if found is None:
            super().log(request, response, time)
            return
        with structlog.contextvars.bound_contextvars(request_id=found):
            super().log(request, response, time)


def add_request_ids(app: web.Application) -> None:
    """First of the middlewares, so every other one logs inside the request's id."""
    app.middlewares.insert(0, with_request_id)
    app.on_response_prepare.append(_echo)
