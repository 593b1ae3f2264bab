"""The privacy notice and terms of use at /privacy and /terms (the Teams manifest points at
them): the operator's own text when PRIVACY_POLICY_FILE or TERMS_FILE names one, else a
sensible default that says what Follow-Through keeps and who sees it. Plain text in, escaped
HTML out: a line starting with `# ` is a heading, a blank line starts a paragraph."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from aiohttp import web

from bot.services import SERVICES_KEY
from bot.web.pages import NO_SCRIPT_HEADERS, html_page

HEADERS = {**NO_SCRIPT_HEADERS, "Cache-Control": "max-age=300"}


def blocks(text: str) -> list[tuple[str, str]]:
    """Headings and paragraphs of plain text, each with its lines joined."""
    found: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            found.append(("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# "):
            end_paragraph()
            found.append(("heading", line[2:].strip()))
        elif line:
            paragraph.append(line)
        else:
            end_paragraph()
    end_paragraph()
    return found


def _page(title: str, own: Path | None, default: str, place: str) -> str:
    text = (
        own.read_text(encoding="utf-8")
        if own is not None
        else files("bot.web").joinpath("policies", default).read_text(encoding="utf-8")
    )
    return html_page("policy.html", title=title, blocks=blocks(text), place=place)


def _handler(
    title: str, setting: str, default: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def show(request: web.Request) -> web.Response:
        settings = request.app[SERVICES_KEY].settings
        place = f"Follow-Through at {settings.base_url}"
        page = await asyncio.to_thread(_page, title, getattr(settings, setting), default, place)
        return web.Response(text=page, content_type="text/html", headers=HEADERS)

    return show


def add_policy_routes(app: web.Application) -> None:
    app.router.add_get("/privacy", _handler("Privacy", "privacy_policy_file", "privacy.txt"))
    app.router.add_get("/terms", _handler("Terms of use", "terms_file", "terms.txt"))
