"""While the database is out, Teams and the local chat say that nothing was saved instead of
dropping what was written: the PostgreSQL server is the test's own, stopped mid-test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_web_app
from bot.config import Settings
from bot.services import Services, build_services
from bot.store.db import migrate
from tests.platforms.teams import activities as act
from tests.platforms.teams.mock_connector import MockConnector
from tests.platforms.teams.test_teams_bot import AVERY, SAM, personal, reply_to, said
from tests.private_postgres import PrivatePostgres, private_postgres

NOT_SAVED = "couldn't save that"


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as running:
        yield running


@pytest.fixture
async def service(
    server: PrivatePostgres, aiohttp_client: Callable[..., Any], connector: MockConnector
) -> AsyncIterator[tuple[TestClient, Services]]:
    settings = Settings(
        _env_file=None,
        database_url=server.url,
        followthrough_admins=AVERY["email"],
        secret_key="x" * 32,
    )
    services = build_services(settings)
    migrate(services.engine)
    connector.set_roster(act.TEAM_ID, [AVERY, SAM])
    client: TestClient = await aiohttp_client(build_web_app(services))
    yield client, services
    services.engine.dispose()


async def test_a_teams_message_during_an_outage_is_answered_not_saved(
    server: PrivatePostgres, service: tuple[TestClient, Services], connector: MockConnector
) -> None:
    client, _ = service
    server.stop()

    response = await client.post(
        "/api/messages", json=act.message("log 6.a visited a unit", **personal(connector, SAM))
    )

    assert response.status in (200, 201)
    assert NOT_SAVED in said(await reply_to(connector, SAM))


async def test_the_local_chat_during_an_outage_says_nothing_was_saved(
    server: PrivatePostgres, service: tuple[TestClient, Services]
) -> None:
    client, _ = service
    joined = await client.post("/local/api/people", json={"user": "sam@agency.org"})
    person = (await joined.json())["id"]
    server.stop()

    said_during = await client.post("/local/api/say", json={"person": person, "text": "help"})
    server.start()
    said_after = await client.post("/local/api/say", json={"person": person, "text": "help"})

    assert said_during.status == 503
    assert NOT_SAVED in (await said_during.json())["error"]
    assert said_after.status == 200
