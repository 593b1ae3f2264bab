"""The dashboard in a real browser: Debian's chromium, driven by Playwright, against a real
`followthrough serve` process with a chat platform configured (so only links open it), on
the agency of tests/reports/agency.py, set in the four weeks before this one."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from bot.core import links
from bot.store.db import create_db_engine, migrate, session_factory
from tests.browser.browsing import (
    WIDTHS,
    barriers,
    chromium,
    launched,
    screenshot,
    scrolls_sideways,
)
from tests.browser.server import free_port, serving
from tests.reports.agency import Agency, build_agency

pytest.importorskip("playwright.sync_api")
chromium()

SECRET = "browser-dashboard-secret"
ADMIN = "avery@agency.org"


@dataclass
class Served:
    base: str
    env: dict[str, str]
    agency: Agency

    def chat(self, as_user: str, text: str) -> str:
        """`followthrough chat --as <as_user> <text>` on this server's database: the reply."""
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "chat", "--as", as_user, text],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def link_from_chat(self, as_user: str) -> str:
        """What `dashboard` answers in the chat: the link on its `Dashboard:` line."""
        reply = self.chat(as_user, "dashboard")
        (line,) = [line for line in reply.splitlines() if line.startswith("Dashboard: ")]
        return line.removeprefix("Dashboard: ")

    def week(self, n: int) -> str:
        return self.agency.mondays[n].isoformat()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'dashboard.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FOLLOWTHROUGH_ADMINS": ADMIN,
        "FOLLOWTHROUGH_SECRET": SECRET,
        # A chat platform is configured: the dashboard is not open to localhost.
        "MICROSOFT_APP_ID": "browser-test-app",
        "MICROSOFT_APP_PASSWORD": "browser-test-password",
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    for key in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "PUBLIC_URL"):
        env.pop(key, None)
    today = datetime.now(UTC).date()
    this_monday = today - timedelta(days=today.weekday())
    engine = create_db_engine(url)
    migrate(engine)
    with session_factory(engine).begin() as session:
        agency = build_agency(
            session, this_monday - timedelta(weeks=4), platform="local", external_id="local"
        )
    engine.dispose()
    with serving(env, tmp_path) as base:
        yield Served(base, env, agency)


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched() as found:
        yield found


def texts(page: Any, selector: str) -> list[str]:
    """The words of the matching elements (SVG text has no innerText: its text content)."""
    return [text.strip() for text in page.locator(selector).all_text_contents()]


def test_an_admin_reads_the_charts_filters_and_downloads_the_csv(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(served.link_from_chat(ADMIN))
    assert page.url == f"{served.base}/dashboard"
    assert "Every team and leader" in page.locator("header").inner_text()

    # The team North, the four weeks of history.
    page.select_option("select[name=team]", label="North")
    page.fill("input[name=from]", served.week(0))
    page.fill("input[name=to]", served.week(3))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/dashboard?team=*")
    assert "Team North" in page.locator("header").inner_text()

    assert texts(page, "#participation-chart text.value") == ["3/3", "1/2", "0/3", "3/4"]
    assert texts(page, "#participation-chart text.rate") == ["100%", "50%", "0%", "75%"]
    assert page.locator("#summary-sent strong").inner_text() == "12"
    assert page.locator("#summary-answered strong").inner_text() == "7 (58%)"
    domain = "#domains-chart g.bar[data-label='{}'] text.value"
    assert texts(page, domain.format("Engagement")) == ["5 records · 2 leaders"]
    assert texts(page, domain.format("Accountability")) == ["2 records · 1 leader"]
    assert texts(page, domain.format("Advocacy")) == ["0 records · 0 leaders"]
    role = "#roles-chart g.bar[data-role='{}'] text.value"
    assert texts(page, role.format("supervisor")) == ["67% answered · 5 practiced · 2 domains"]
    assert texts(page, role.format("manager")) == ["25% answered · 0 practiced · 0 domains"]
    assert texts(page, "#lenses-chart text.value") == ["2", "5", "4", "0"]
    assert texts(page, "#barriers-chart text.label") == ["Court and legal"]
    ben = page.locator("tr[data-leader='Ben Brooks'] td")
    assert [ben.nth(n).get_attribute("class") for n in range(4)] == [  # the latest first
        "cell none",
        "cell none",
        "cell none",
        "cell not",
    ]
    dee = page.locator("tr[data-leader='Dee Diaz'] td")
    assert [dee.nth(n).get_attribute("class") for n in range(4)] == [
        "cell done",
        "cell unprompted",
        "cell unprompted",
        "cell done",
    ]
    assert "In court all week" in page.locator("#barriers").inner_text()
    assert "Named three wins at the unit meeting" in page.locator("#notes").inner_text()
    assert "South huddle" not in page.locator("#notes").inner_text()
    assert page.locator("#streaks").inner_text() == "Dee Diaz (2 weeks)"
    assert page.locator("#quiet").inner_text() == "Ben Brooks (3 weeks)"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these records (CSV)").click()
    saved = tmp_path / "records.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert download.value.suggested_filename == (
        f"followthrough-records-{served.week(0)}-to-"
        f"{date.fromisoformat(served.week(3)) + timedelta(days=6)}.csv"
    )
    assert len(rows) == 8
    assert {row["team"] for row in rows} == {"North"}
    assert sorted({row["leader"] for row in rows}) == [
        "Ana Alvarez",
        "Ben Brooks",
        "Cal Chen",
        "Dee Diaz",
    ]

    # Narrowed to managers: Ben alone.
    page.select_option("select[name=role]", label="Managers")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**role=manager*")
    assert texts(page, "#participation-chart text.value") == ["1/1", "0/1", "0/1", "0/1"]
    assert page.locator("tr[data-leader]").count() == 1
    assert page.locator("#summary-leaders strong").inner_text() == "1"


def test_a_team_member_sees_their_own_team(served: Served, browser: Any) -> None:
    page = browser.new_page()
    page.goto(served.link_from_chat("eve@agency.org"))

    assert "Team North" in page.locator("header").inner_text()
    assert page.locator("select[name=team] option").all_inner_texts() == ["All my teams", "North"]
    assert "Cal Chen" in page.locator("table.grid").inner_text()


def test_tampered_expired_and_reused_links_are_refused(served: Served, browser: Any) -> None:
    link = served.link_from_chat(ADMIN)
    token = link.split("token=", 1)[1]
    first = browser.new_page()
    first.goto(link)
    assert first.url == f"{served.base}/dashboard"

    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 16 * 60

    expired = URLSafeTimedSerializer(SECRET, salt=links.LINK_SALT, signer=SignedLongAgo).dumps(
        {"person": served.agency.avery, "workspace": served.agency.workspace_id}
    )
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad, says in (
        (f"{served.base}/dashboard?token={tampered}", "This dashboard link isn't valid"),
        (f"{served.base}/dashboard?token={expired}", "This dashboard link has expired"),
        (link, "This dashboard link has already been used"),
        (f"{served.base}/dashboard", "Open the dashboard from your chat"),
    ):
        page = browser.new_context().new_page()  # no session cookie
        response = page.goto(bad)
        assert response is not None
        assert response.status == 403, bad
        assert page.locator("h1").inner_text() == says
        assert "`dashboard` in your chat" in page.locator("main").inner_text()
        assert page.locator("svg").count() == 0


def team_page(served: Served, browser: Any, size: dict[str, int], team: str) -> Any:
    """The admin's dashboard for one team, in a window of this size."""
    page = browser.new_page(viewport=size)
    page.goto(served.link_from_chat(ADMIN))
    page.select_option("select[name=team]", label=team)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/dashboard?team=*")
    return page


def test_the_dashboard_reads_on_a_laptop_and_a_phone_and_passes_axe(
    served: Served, browser: Any
) -> None:
    for size in WIDTHS:
        page = team_page(served, browser, size, "North")
        screenshot(page, "dashboard", full_page=True)
        assert barriers(page) == []
        assert not scrolls_sideways(page), size  # wide charts and the grid scroll in sections
        headers = texts(page, "table.grid thead th[title]")
        this_week = date.fromisoformat(served.week(3)) + timedelta(weeks=1)
        assert headers[0] == this_week.strftime("%b %d")  # the latest week first
        notes = page.locator("#notes details")
        assert notes.count() >= 1
        assert notes.first.get_attribute("open") is not None
        page.close()


def test_an_empty_team_says_so_once(served: Served, browser: Any) -> None:
    served.chat(ADMIN, "team add Quiet #quiet")
    for size in WIDTHS:
        page = team_page(served, browser, size, "Quiet")
        assert "No leaders are in this view yet" in page.locator("#empty").inner_text()
        assert page.locator("svg").count() == 0
        assert page.locator("#summary").count() == 0
        assert barriers(page) == []
        screenshot(page, "dashboard-empty")
        page.close()


def test_the_refusal_and_policy_pages_pass_axe(served: Served, browser: Any) -> None:
    for size in WIDTHS:
        page = browser.new_page(viewport=size)
        for path in ("/dashboard", "/privacy", "/terms"):
            page.goto(f"{served.base}{path}")
            assert barriers(page) == [], path
            assert not scrolls_sideways(page), path
        page.close()
