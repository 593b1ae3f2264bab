"""The one Jinja environment of the service's HTML pages (the dashboard, the policies, the
Slack install pages). Every template is HTML, so everything put into one is escaped unless it
is Markup: the charts, whose text is escaped where they are drawn."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

# A page of ours without script: its own styles and the favicon, nothing else, never framed.
NO_SCRIPT_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
_PAGES = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def html_page(template: str, **values: Any) -> str:
    """A template of bot/web/templates/ filled in."""
    return _PAGES.get_template(template).render(**values)
