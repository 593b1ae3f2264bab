"""A newcomer's first ten minutes, in Debian's chromium at a laptop's and a phone's width,
against real `followthrough serve` and `followthrough demo` processes: the empty local chat
says how to begin, the demo has a prompt to press at once, the chosen answer and a snooze show
on the card, a shared note lands in the channel view, a failed send says so and can be tried
again, and the whole of it works from the keyboard and passes axe-core's check. Screenshots
land in docs/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.browsing import (
    DESKTOP,
    PHONE,
    WIDTHS,
    barriers,
    chromium,
    launched,
    screenshot,
    scrolls_sideways,
)
from tests.browser.server import free_port, serving

pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python")
chromium()

ADMIN = "avery@agency.org"
WAIT = 15_000  # ms: a slow machine's scheduling pass and polling


def local_env(tmp_path: Path, **more: str) -> dict[str, str]:
    """The environment of a local-chat server on a free port, no chat platform set."""
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "FOLLOWTHROUGH_ADMINS": ADMIN,
        **more,
    }
    for key in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "MICROSOFT_APP_ID"):
        env.pop(key, None)
    env.pop("DATABASE_URL", None)
    return env


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched() as found:
        yield found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`followthrough demo` as a newcomer runs it: in a folder of its own, no settings."""
    folder = tmp_path_factory.mktemp("demo")
    with serving(local_env(folder), folder, "demo") as base:
        yield base, folder


def open_page(browser: Any, base: str, size: dict[str, int]) -> Any:
    page = browser.new_page(viewport=size)
    page.goto(f"{base}/local")
    return page


def pick(page: Any, name: str) -> None:
    """Choose someone (or a channel) in the people list, opening it first on a phone."""
    if page.locator("#toggle").is_visible():
        page.locator("#toggle").click()
    page.get_by_role("button", name=name).first.click()


def test_an_empty_local_chat_says_how_to_begin(browser: Any, tmp_path: Path) -> None:
    env = local_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}")
    with serving(env, tmp_path) as base:
        for size in WIDTHS:
            page = open_page(browser, base, size)
            welcome = page.locator(".welcome")
            welcome.wait_for(timeout=WAIT)
            assert "Welcome to Follow-Through" in welcome.inner_text()
            assert "followthrough demo" in welcome.inner_text()
            assert not scrolls_sideways(page)
            assert barriers(page) == []
            screenshot(page, "local-chat-first-run")
            page.close()

        page = open_page(browser, base, DESKTOP)
        page.get_by_role("button", name=f"Join as {ADMIN}").click()
        page.get_by_text("Direct messages: avery").wait_for(timeout=WAIT)
        assert page.evaluate("document.activeElement.id") == "text"
        page.keyboard.type("leader list")
        page.keyboard.press("Enter")
        page.locator(".msg.bot").first.wait_for(timeout=WAIT)
        assert "Sorry" not in page.locator("#log").inner_text()  # the admin's command ran
        page.close()


def test_the_demo_has_its_own_database_and_a_prompt_waiting_for_everyone(
    browser: Any, demo: tuple[str, Path]
) -> None:
    base, folder = demo
    assert (folder / "followthrough-demo.db").exists()
    assert not (folder / "followthrough.db").exists()
    page = open_page(browser, base, DESKTOP)
    for leader in ("Dana Okafor", "Morgan Ruiz", "Sam Rivera", "Kai Brooks"):
        pick(page, leader)
        page.locator(".msg[data-kind='prompt'] button", has_text="Done").first.wait_for(
            timeout=WAIT
        )
    pick(page, "#cpm-implementation")
    digest = page.locator(".msg", has_text="CPM Implementation digest")
    digest.wait_for(timeout=WAIT)
    assert "took part" in digest.inner_text()
    assert digest.inner_text().count("Most practiced") == 1
    page.close()


def test_the_digest_in_the_channel_reads_well_on_a_laptop_and_a_phone(
    browser: Any, demo: tuple[str, Path]
) -> None:
    base, _ = demo
    for size in WIDTHS:
        page = open_page(browser, base, size)
        pick(page, "#cpm-implementation")
        page.locator(".msg", has_text="CPM Implementation digest").wait_for(timeout=WAIT)
        assert not scrolls_sideways(page)
        assert barriers(page) == []
        screenshot(page, "digest-in-the-channel", full_page=size == PHONE)
        page.close()


def test_an_answer_shows_as_chosen_and_a_shared_note_reaches_the_channel(
    browser: Any, demo: tuple[str, Path]
) -> None:
    base, _ = demo
    page = open_page(browser, base, DESKTOP)
    pick(page, "Sam Rivera")
    card = page.locator(".msg[data-kind='prompt']").last
    card.get_by_role("button", name="Partly").wait_for(timeout=WAIT)
    card.get_by_role("button", name="Partly").click()
    chosen = card.locator("button[aria-pressed='true']")
    chosen.wait_for(timeout=WAIT)
    assert chosen.inner_text().strip() == "Partly"
    assert "primary" not in (card.get_by_role("button", name="Done").get_attribute("class") or "")
    assert barriers(page) == []
    screenshot(page, "local-chat-answered")

    card = page.locator(".msg[data-kind='prompt']").last
    card.get_by_role("button", name="Share with implementation team").click()
    box = card.get_by_role("textbox")
    box.fill("Thanked Jo's unit by name at standup")
    box.press("Enter")
    page.get_by_text("Shared with your implementation team").wait_for(timeout=WAIT)

    pick(page, "#cpm-implementation")
    shared = page.locator(".msg.shared", has_text="Thanked Jo's unit by name at standup")
    shared.wait_for(timeout=WAIT)
    assert "Sam Rivera shared a note" in shared.inner_text()
    page.close()


def test_a_snoozed_card_says_when_it_comes_back(browser: Any, demo: tuple[str, Path]) -> None:
    base, _ = demo
    page = open_page(browser, base, PHONE)
    pick(page, "Jo Park")
    card = page.locator(".msg[data-kind='prompt']").last
    card.get_by_role("button", name="Snooze").click()
    page.get_by_text("Snoozed: I'll ask again").wait_for(timeout=WAIT)
    card = page.locator(".msg[data-kind='prompt']").last
    assert card.get_by_role("button", name="Snooze").count() == 0
    assert card.get_by_role("button", name="Done").is_visible()  # still answerable
    page.close()


def test_on_a_phone_the_people_list_folds_away(browser: Any, demo: tuple[str, Path]) -> None:
    base, _ = demo
    page = open_page(browser, base, PHONE)
    people = page.locator("#people")
    assert not people.is_visible()
    toggle = page.get_by_role("button", name="People")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert people.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    screenshot(page, "local-chat-people")
    page.get_by_role("button", name="Morgan Ruiz").click()
    assert not people.is_visible()
    page.locator(".msg[data-kind='prompt']").first.wait_for(timeout=WAIT)
    assert page.evaluate("document.activeElement.id") == "text"
    assert not scrolls_sideways(page)
    assert barriers(page) == []
    screenshot(page, "local-chat-prompt")
    page.close()

    page = open_page(browser, base, DESKTOP)
    pick(page, "Morgan Ruiz")
    page.locator(".msg[data-kind='prompt']").first.wait_for(timeout=WAIT)
    screenshot(page, "local-chat-prompt")
    page.close()


def test_links_in_replies_can_be_followed(browser: Any, demo: tuple[str, Path]) -> None:
    base, _ = demo
    page = open_page(browser, base, DESKTOP)
    pick(page, "Riley Chen")
    page.get_by_label("Message").fill("dashboard")
    page.get_by_label("Message").press("Enter")
    link = page.locator("#log a[href*='/dashboard?token=']")
    link.wait_for(timeout=WAIT)
    assert link.get_attribute("href") == link.inner_text()
    page.close()


def test_the_local_chat_works_from_the_keyboard_alone(browser: Any, demo: tuple[str, Path]) -> None:
    base, _ = demo
    page = open_page(browser, base, DESKTOP)
    page.locator("#people button").first.wait_for(timeout=WAIT)
    for _ in range(30):  # Tab through the skip link and the list to Lee Tran
        page.keyboard.press("Tab")
        if "Lee Tran" in page.evaluate("document.activeElement.textContent"):
            break
    else:
        pytest.fail("Tab never reached Lee Tran in the people list")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type("help")
    page.keyboard.press("Enter")
    page.locator(".msg.person", has_text="help").wait_for(timeout=WAIT)
    page.locator(".msg.bot", has_text="log").first.wait_for(timeout=WAIT)

    card = page.locator(".msg[data-kind='prompt']").first
    card.get_by_role("button", name="Done").focus()
    page.keyboard.press("Enter")
    card = page.locator(".msg[data-kind='prompt']").first
    card.locator("button[aria-pressed='true']", has_text="Done").wait_for(timeout=WAIT)
    page.close()


def test_a_message_that_cannot_be_sent_says_so_and_can_be_sent_again(
    browser: Any, tmp_path: Path
) -> None:
    env = local_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'chat.db'}")
    page = None
    with serving(env, tmp_path) as base:
        page = open_page(browser, base, DESKTOP)
        page.get_by_role("button", name=f"Join as {ADMIN}").click()
        page.get_by_text("Nothing here yet").wait_for(timeout=WAIT)
    # The server has stopped.
    page.get_by_label("Message").fill("leader list")
    page.get_by_label("Message").press("Enter")
    problem = page.get_by_role("alert")
    problem.wait_for(timeout=WAIT)
    assert "Not sent" in problem.inner_text()
    assert page.get_by_label("Message").input_value() == "leader list"  # nothing lost
    assert barriers(page) == []
    screenshot(page, "local-chat-not-sent")
    with serving(env, tmp_path):
        page.get_by_role("button", name="Try again").click()
        page.locator(".msg.person", has_text="leader list").wait_for(timeout=WAIT)
        assert not problem.is_visible()
        assert page.get_by_label("Message").input_value() == ""
    page.close()
