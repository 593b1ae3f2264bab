"""/privacy and /terms, which the Teams manifest points at: the operator's own text, or a
default that says what is kept and who sees it; text is shown, never run."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import build_web_app
from bot.config import Settings, SettingsError
from bot.services import build_services

REPOSITORY = Path(__file__).resolve().parents[2]
Client = TestClient[web.Request, web.Application]
pytestmark = pytest.mark.usefixtures("no_platform_credentials")


@pytest.fixture
async def open_site(
    aiohttp_client: Callable[..., Awaitable[Client]], fresh_url: str
) -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    made: list[Any] = []

    async def open_site(**settings: Any) -> Client:
        services = build_services(
            Settings(_env_file=None, database_url=fresh_url, secret_key="x" * 40, **settings)  # type: ignore[call-arg]
        )
        made.append(services)
        return await aiohttp_client(build_web_app(services))

    yield open_site
    for services in made:
        services.engine.dispose()


async def test_the_default_privacy_notice_says_what_is_kept_and_who_sees_it(
    open_site: Callable[..., Awaitable[Client]],
) -> None:
    client = await open_site()
    response = await client.get("/privacy")
    page = await response.text()
    assert response.status == 200
    assert "<h2>What Follow-Through keeps</h2>" in page
    assert "not a barrier you started with" in page
    assert "Do not include names or other details that identify a child" in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


async def test_the_operators_own_terms_are_shown_as_text(
    open_site: Callable[..., Awaitable[Client]], tmp_path: Path
) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("# Our terms\n\nBe <script>alert(1)</script> kind.\nAlways.\n")
    client = await open_site(terms_file=str(terms))
    page = await (await client.get("/terms")).text()
    assert "<h2>Our terms</h2>" in page
    assert "<p>Be &lt;script&gt;alert(1)&lt;/script&gt; kind. Always.</p>" in page
    assert "<script>" not in page


def test_a_policy_file_that_is_not_there_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PRIVACY_POLICY_FILE: there is no file at"):
        Settings(_env_file=None, privacy_policy_file=str(tmp_path / "missing.txt"))  # type: ignore[call-arg]


async def test_the_teams_manifest_points_at_pages_the_service_serves(
    open_site: Callable[..., Awaitable[Client]],
) -> None:
    manifest = json.loads((REPOSITORY / "bot/platforms/teams/app/manifest.json").read_text())
    client = await open_site()
    for key in ("privacyUrl", "termsOfUseUrl"):
        path = manifest["developer"][key].removeprefix("${PUBLIC_URL}")
        assert (await client.get(path)).status == 200, key
