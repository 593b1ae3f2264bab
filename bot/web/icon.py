"""The icon browsers show in a tab, for every page the service serves (the local chat, the
dashboard, the policies): /favicon.svg, and /favicon.ico, which browsers ask for unprompted."""

from __future__ import annotations

from importlib.resources import files

from aiohttp import web

ICON = files("bot.web").joinpath("static", "favicon.svg").read_bytes()
HEADERS = {"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"}


async def favicon(request: web.Request) -> web.Response:
    return web.Response(body=ICON, content_type="image/svg+xml", headers=HEADERS)


def add_icon_routes(app: web.Application) -> None:
    app.router.add_get("/favicon.svg", favicon)
    app.router.add_get("/favicon.ico", favicon)
