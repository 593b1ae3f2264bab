"""Every request's id on every log line written while it is handled: taken from a sane
`X-Request-Id` header (a proxy's or load balancer's) or made, echoed in the response.

It is bound with `structlog.contextvars` for the request's duration, so lines logged in worker
threads (`asyncio.to_thread` copies the context) and in tasks started meanwhile (Bolt's
listeners, `SlackEdge.in_background`: a task copies the context it was created in) carry it
too; the access log's line for the request is written after the handler and is bound again."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)
# A caller's id is kept only if it cannot disturb a log line or a header: short, and of
# characters ids are made of.
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Ids need to be distinct, not secret: a generator seeded from the OS once per process, not
# os.urandom (uuid4) per request, which showed in the request path's profile.
_ids = random.Random()
# The access log's line: remote address, "method path version", status, bytes, milliseconds.
_LINE = '%s "%s %s HTTP/%d.%d" %d %d %.1f ms'


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
    with _bound(found):
        return await handler(request)


@contextmanager
def _bound(found: str) -> Iterator[None]:
    """The id bound to the context, and the context as it was after. Not structlog's
    `bound_contextvars`, which reads every variable of the context first to restore any
    earlier value (there is none): a tenth of a request's CPU in the request path."""
    tokens = structlog.contextvars.bind_contextvars(request_id=found)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


async def _echo(request: web.Request, response: web.StreamResponse) -> None:
    """The id in the response, whatever made it (a handler, a refusal, a failure)."""
    found = request.get(REQUEST_ID)
    if found is not None:
        response.headers[HEADER] = found


class AccessLog(AbstractAccessLogger):
    """One line a request, carrying the request's id like the request's other lines: who
    asked, what, the status, the bytes and how long it took. aiohttp's own access logger
    interprets a format string for every line (and formats the time itself, which the log's
    timestamp already says): a tenth of the request path's CPU in its profile."""

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        line = (
            request.remote or "-",
            request.method,
            request.path_qs,
            *request.version,
            response.status,
            response.body_length,
            time * 1000,
        )
        found = request.get(REQUEST_ID)
        if found is None:
            self.logger.info(_LINE, *line)
            return
        with _bound(found):
            self.logger.info(_LINE, *line)


def add_request_ids(app: web.Application) -> None:
    """First of the middlewares, so every other one logs inside the request's id."""
    app.middlewares.insert(0, with_request_id)
    app.on_response_prepare.append(_echo)
