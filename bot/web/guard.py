"""The checks for pages a browser on this machine may use without signing in (the local
chat, the dashboard trusted to loopback), written once: the request must name this machine
or the configured address in `Host` (no DNS rebinding), come from that same origin when it
says (no cross-site requests), send JSON when it posts (no form or no-cors `text/plain`
posts), and the page may not be framed. `same_site` is the decorator for such views;
`address_problem` is the test the dashboard applies before it trusts loopback."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import Settings
from bot.services import SERVICES_KEY

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NO_FRAMING = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}
_HOST = re.compile(r"^(?:\[(?P<ip6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::\d{1,5})?$")
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_loopback_name(name: str) -> bool:
    """Whether a host name or address names this machine only: localhost, 127.0.0.1 (any
    127.x), ::1. `0.0.0.0` and other names are not: other machines may reach them."""
    name = name.strip().lower().removeprefix("[").removesuffix("]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether an http(s) URL points at this machine (and names no user, which could hide
    another host from a careless reader)."""
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and "@" not in parts.netloc
        and hostname is not None
        and is_loopback_name(hostname)
    )


def host_name(host: str) -> str | None:
    """The name in a Host header (`127.0.0.1:3978` → `127.0.0.1`, `[::1]:80` → `::1`), lower
    case; None when it isn't a plain name or address with an optional port."""
    found = _HOST.match(host.strip())
    if found is None:
        return None
    return (found["ip6"] or found["name"]).lower()


def _configured_names(settings: Settings) -> set[str]:
    """The names besides loopback this service answers to: HOST (unless it is a wildcard
    address) and PUBLIC_URL's host."""
    names = set()
    host = settings.host.strip().lower().removeprefix("[").removesuffix("]")
    if host and host not in ("0.0.0.0", "::"):
        names.add(host)
    if settings.public_url:
        try:
            public = urlsplit(settings.public_url).hostname
        except ValueError:
            public = None
        if public:
            names.add(public.lower())
    return names


def address_problem(request: web.Request, settings: Settings) -> tuple[int, str] | None:
    """Why a browser's request must not be trusted as coming from this machine's own page
    (a status and what to do), or None. `Host` must be a loopback name or a configured one:
    a page on another site whose name an attacker re-points at 127.0.0.1 (DNS rebinding)
    sends its own name. `Origin`, when sent, must be that same host: another site's page
    posting here sends its own."""
    name = host_name(request.host)
    if name is None or not (is_loopback_name(name) or name in _configured_names(settings)):
        return 421, (
            f"This service doesn't answer to the address {request.host!r}. Open it at "
            f"http://127.0.0.1:{settings.port}/ (or localhost), or at the address set in "
            "HOST or PUBLIC_URL."
        )
    origin = request.headers.get("Origin")
    if origin is not None and not _same_origin(origin, request.host):
        return 403, (
            f"Requests from another site ({origin}) are refused. Use the page this service "
            f"serves itself, at http://{request.host}/."
        )
    return None


def _same_origin(origin: str, host: str) -> bool:
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and parts.path in ("", "/")
        and "@" not in parts.netloc
        and parts.netloc.lower() == host.strip().lower()
    )


def same_site(handler: Handler) -> Handler:
    """A view for this machine's browser: refused (421/403/415) when the request names
    another host or comes from another site, or posts anything but JSON; its answer may not
    be framed by another page."""

    @wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        problem = address_problem(request, request.config_dict[SERVICES_KEY].settings)
        if problem is not None:
            status, text = problem
            kind = web.HTTPMisdirectedRequest if status == 421 else web.HTTPForbidden
            raise kind(text=text, headers=NO_FRAMING)
        if request.method in _UNSAFE_METHODS and request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(
                text="Send JSON, with the header Content-Type: application/json.",
                headers=NO_FRAMING,
            )
        response = await handler(request)
        for header, value in NO_FRAMING.items():
            response.headers.setdefault(header, value)
        return response

    return checked
