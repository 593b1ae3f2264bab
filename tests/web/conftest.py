"""Fixtures for the web tests: a fresh database of a test's own, and the service's web app
in local-chat mode on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import build_web_app
from bot.config import Settings
from bot.core.clock import SetClock
from bot.services import Services, build_services
from bot.store.db import migrate
from tests.conftest import NOW, FreshDatabase
from tests.web.local_chat import ADMIN, Client, LocalChat

MakeClient = Callable[..., Awaitable[Client]]
PLATFORM_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "MICROSOFT_APP_ID",
    "MicrosoftAppId",
)


@pytest.fixture
def fresh_url(databases: FreshDatabase) -> Iterator[str]:
    """An empty database of its own; a PostgreSQL schema is dropped when the test ends."""
    url = databases.url()
    schema = databases.schemas[-1] if databases.admin is not None else None
    yield url
    if databases.admin is not None and schema is not None:
        with databases.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def no_platform_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the shell exports, these tests choose the run mode themselves."""
    for name in PLATFORM_VARIABLES:
        monkeypatch.delenv(name, raising=False)


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
