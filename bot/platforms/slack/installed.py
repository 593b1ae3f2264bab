"""The pages a browser lands on after Slack's consent screen (the OAuth redirect): ours, in
the dashboard's style and with a language and a title, rather than Bolt's bare defaults. They
link where Bolt's would (the Slack app, Slack in the browser), explain a failure in Bolt's
words, and clear the state cookie as Bolt does."""

from __future__ import annotations

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.internals import build_detailed_error
from slack_bolt.response import BoltResponse

from bot.web.pages import NO_SCRIPT_HEADERS, html_page

HEADERS = {**NO_SCRIPT_HEADERS, "Content-Type": "text/html; charset=utf-8"}


async def _installed(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    team = installation.team_id
    if installation.is_enterprise_install and installation.enterprise_url:
        app_url = (
            f"{installation.enterprise_url}manage/organization/apps/profile/"
            f"{installation.app_id}/workspaces/add"
        )
    else:
        app_url = f"slack://app?team={team}&id={installation.app_id}" if team else "slack://open"
    page = html_page(
        "installed.html",
        title="Follow-Through is installed",
        ok=True,
        app_url=app_url,
        browser_url=f"https://app.slack.com/client/{team or ''}",
    )
    return _response(args.settings.state_utils.build_set_cookie_for_deletion(), 200, page)


async def _not_installed(args: AsyncFailureArgs) -> BoltResponse:
    page = html_page(
        "installed.html",
        title="Follow-Through was not installed",
        ok=False,
        reason=build_detailed_error(args.reason),
        install_url=args.settings.install_path,
    )
    cookie = args.settings.state_utils.build_set_cookie_for_deletion()
    return _response(cookie, args.suggested_status_code, page)


def _response(cookie: str, status: int, page: str) -> BoltResponse:
    return BoltResponse(status=status, headers={**HEADERS, "Set-Cookie": cookie}, body=page)


CALLBACK_PAGES = AsyncCallbackOptions(success=_installed, failure=_not_installed)
