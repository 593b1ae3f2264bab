"""The local chat in a real browser: Debian's chromium, driven by Playwright, against a real
`followthrough serve` process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.browsing import chromium, launched
from tests.browser.server import free_port, serving

pytest.importorskip("playwright.sync_api")
chromium()


def followthrough(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A local-mode server with Sam enrolled, committed to 6.a, and a prompt queued."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "FOLLOWTHROUGH_ADMINS": "avery@agency.org",
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    for key in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "MICROSOFT_APP_ID"):
        env.pop(key, None)
    for command in (
        ("--as", "avery@agency.org", "leader add sam@agency.org role=supervisor"),
        ("--as", "sam@agency.org", "profile name=Sam Rivera"),
        ("--as", "sam@agency.org", "commit 6.a Thank one worker by name"),
        ("--as", "avery@agency.org", "send-now sam@agency.org"),
    ):
        done = followthrough(env, "chat", *command)
        assert done.returncode == 0, done.stdout + done.stderr
    with serving(env, tmp_path) as base:
        yield base


def test_a_leader_answers_a_prompt_with_a_button_and_sees_it_in_history(served: str) -> None:
    with launched() as browser:
        page = browser.new_page()
        page.goto(served)
        assert page.url.endswith("/local")
        page.get_by_role("button", name="Sam Rivera").click()
        prompt = page.locator(".msg[data-kind='prompt']").first
        prompt.wait_for(timeout=15_000)
        assert "(6.a)" in prompt.inner_text()
        assert "Thank one worker by name" in prompt.inner_text()
        prompt.get_by_role("button", name="Done").click()
        page.get_by_text("Recorded: Done").wait_for(timeout=10_000)
        page.get_by_label("message").fill("history")
        page.get_by_label("message").press("Enter")
        page.get_by_text("6.a Done").wait_for(timeout=10_000)
        assert "1 record, 1 done or partly done" in page.locator("#log").inner_text()


def test_what_anyone_types_stays_text_even_in_a_link(served: str) -> None:
    """A web address is made a link from the text as typed: a quote ends it, so nothing
    typed becomes an attribute of the link, and angle brackets stay text."""
    typed = 'see https://x.io/a"onmouseover="document.title=1"b and <b>bold</b> <https://y.io/c>'
    with launched() as browser:
        page = browser.new_page()
        page.goto(served)
        page.get_by_role("button", name="Sam Rivera").click()
        page.get_by_label("message").fill(typed)
        page.get_by_label("message").press("Enter")
        said = page.locator(".msg.person").last
        said.wait_for(timeout=15_000)
        assert said.inner_text().strip() == typed
        assert page.locator("#log [onmouseover]").count() == 0
        assert page.locator("#log b").count() == 0
        links = said.locator("a")
        assert [links.nth(n).get_attribute("href") for n in range(links.count())] == [
            "https://x.io/a",
            "https://y.io/c",
        ]
