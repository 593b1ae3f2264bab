"""The pages a browser lands on after Slack's consent screen, in Debian's chromium at a
laptop's and a phone's width, with axe-core's check: the failure page from a real `serve` in
Slack's OAuth mode (someone pressed Cancel), the success page as the service renders it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from slack_bolt.oauth.async_callback_options import AsyncSuccessArgs

from bot.platforms.slack.installed import CALLBACK_PAGES
from tests.browser.browsing import WIDTHS, barriers, chromium, launched, scrolls_sideways
from tests.browser.server import free_port, serving

pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python")
chromium()


def test_the_slack_install_pages_pass_axe(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'slack.db'}",
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "browser-client-secret",
        "SLACK_SIGNING_SECRET": "browser-signing-secret",
    }
    for key in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID"):
        env.pop(key, None)
    installation = SimpleNamespace(
        team_id="T0001", app_id="A0001", is_enterprise_install=False, enterprise_url=None
    )
    settings = SimpleNamespace(
        state_utils=SimpleNamespace(build_set_cookie_for_deletion=lambda: "state=deleted")
    )
    success = asyncio.run(
        CALLBACK_PAGES.success(
            cast(AsyncSuccessArgs, SimpleNamespace(installation=installation, settings=settings))
        )
    )
    with serving(env, tmp_path) as base, launched() as browser:
        for size in WIDTHS:
            page: Any = browser.new_page(viewport=size)
            response = page.goto(f"{base}/slack/oauth_redirect?error=access_denied")
            assert response is not None
            assert page.title() == "Follow-Through was not installed"
            assert "access_denied" in page.locator("main").inner_text()
            assert barriers(page) == []
            assert not scrolls_sideways(page)

            page.set_content(success.body)
            assert page.title() == "Follow-Through is installed"
            assert page.get_by_role("link", name="Open Slack").get_attribute("href") == (
                "slack://app?team=T0001&id=A0001"
            )
            assert barriers(page) == []
            page.close()
