"""Fixtures for the web tests: a fresh database of a test's own, and the service's web app
in local-chat mode on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.app import build_web_app
from bot.config import Settings
from bot.core.clock import SetClock
from bot.services import Services, build_services
from bot.store.db import migrate
from tests.conftest import NOW
from tests.web.local_chat import ADMIN, Client, LocalChat

MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def open_chat(
    aiohttp_client: MakeClient, no_platform_credentials: None
) -> AsyncIterator[Callable[..., Awaitable[LocalChat]]]:
    """`chat = await open_chat(url)`: the web app on a freshly migrated database."""
    made: list[Services] = []

    async def open_chat(url: str, **settings: Any) -> LocalChat:
        services = build_services(
            Settings(
                _env_file=None,
                database_url=url,
                followthrough_admins=ADMIN,
                secret_key="x",
                **settings,
            ),
            clock=SetClock(NOW),
        )
        made.append(services)
        migrate(services.engine)
        return LocalChat(await aiohttp_client(build_web_app(services)), services)

    yield open_chat
    for services in made:
        services.engine.dispose()
