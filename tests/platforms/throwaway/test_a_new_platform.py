"""A platform is one folder: the echo platform beside this file is registered, and the
service serves it, the scheduling pass delivers to it and `doctor` checks it, with no edit
anywhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_web_app
from bot.config import Settings
from bot.core.clock import SetClock
from bot.doctor import run_checks
from bot.platforms import registry
from bot.services import Services, build_services
from bot.store.db import migrate
from tests.conftest import NOW, FreshDatabase
from tests.platforms.throwaway.platform import ECHO, EchoRunning

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
def echo_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "PLATFORMS", [*registry.PLATFORMS, ECHO])


@pytest.fixture
async def echo_service(
    echo_registered: None,
    databases: FreshDatabase,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> AsyncIterator[tuple[Client, Services]]:
    settings = Settings(
        _env_file=None,
        database_url=databases.url(),
        followthrough_admins="U-ADMIN",
        secret_key="echo-test-secret",
        echo_token="echo-123",
    )
    services = build_services(settings, clock=SetClock(NOW))
    migrate(services.engine)
    yield await aiohttp_client(build_web_app(services)), services
    services.engine.dispose()


async def say(client: Client, user: str, text: str, email: str | None = None) -> str:
    answer = await client.post("/echo/say", json={"user": user, "text": text, "email": email})
    assert answer.status == 200
    reply: str = (await answer.json())["reply"]
    return reply


async def test_its_settings_turn_it_on_and_its_routes_are_served(
    echo_service: tuple[Client, Services],
) -> None:
    client, services = echo_service

    reply = await say(client, "U-ADMIN", "help")

    assert list(services.edges) == ["echo"]
    assert "leader add" in reply
    # A credentialed platform means no local chat (and no unauthenticated Teams).
    assert (await client.get("/local")).status == 404
    assert (await client.post("/api/messages", json={})).status == 404


async def test_the_scheduling_pass_delivers_its_prompts(
    echo_service: tuple[Client, Services],
) -> None:
    client, services = echo_service
    await say(client, "U-SAM", "help", email="sam@agency.org")
    assert "Enrolled" in await say(client, "U-ADMIN", "leader add sam@agency.org role=supervisor")
    assert "6.a" in await say(client, "U-SAM", "commit 6.a")
    await say(client, "U-ADMIN", "send-now sam@agency.org 6.a")

    await services.scheduling().tick()

    running = services.edges["echo"]
    assert isinstance(running, EchoRunning)
    assert [d.user_id for d in running.channel.delivered] == ["U-SAM"]
    assert "6.a" in str(running.channel.delivered[0].message)


@pytest.mark.usefixtures("echo_registered")
def test_doctor_checks_it() -> None:
    checks = run_checks(Settings(_env_file=None, echo_token="wrong"))

    assert [(c.ok, c.detail) for c in checks if c.what == "Echo token"] == [(False, "wrong")]
