"""What the browser tests share: Debian's chromium (never a downloaded browser), the two
widths every page is looked at (a laptop's and a phone's), screenshots kept in
docs/screenshots/ (the README shows them), and the axe-core accessibility check."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WIDTHS = [DESKTOP, PHONE]
# What axe-core reports that a test fails on: barriers, not advice.
SERIOUS = {"serious", "critical"}


def chromium() -> str:
    """Debian's chromium; the calling test module is skipped without it (failed in CI)."""
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)
    return found


@contextmanager
def launched() -> Iterator[Any]:
    """A headless chromium for the length of a test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium(),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """The page as it looks now, saved as docs/screenshots/<name>-<width>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def barriers(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in found
        if v.get("impact") in SERIOUS
    ]


def scrolls_sideways(page: Any) -> bool:
    """Whether the page is wider than the window (it then scrolls sideways)."""
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )
