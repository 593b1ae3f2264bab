"""`GET /healthz` (the process answers) and `GET /readyz` (the database answers and its schema
is up to date), as a load balancer or Kubernetes probe sees them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import build_web_app
from bot.config import Settings
from bot.services import Services, build_services
from bot.store.db import migrate
from tests.private_postgres import PrivatePostgres, private_postgres

UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"
UNOPENABLE_SQLITE = "sqlite:////nonexistent-directory/for-followthrough/test.db"

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[str], Awaitable[tuple[Client, Services]]]


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own, which it may freeze."""
    with private_postgres() as server:
        yield server


@pytest.fixture
def services_made() -> Iterator[list[Services]]:
    made: list[Services] = []
    yield made
    for services in made:
        services.engine.dispose()


@pytest.fixture
def serve(
    aiohttp_client: Callable[..., Awaitable[Client]], services_made: list[Services]
) -> MakeClient:
    """`client, services = await serve(url)`: the service's web app on `url`'s database."""

    async def serve(url: str) -> tuple[Client, Services]:
        settings = Settings(
            _env_file=None,
            database_url=url,
            secret_key="web-test-secret",
        )
        services = build_services(settings)
        services_made.append(services)
        return await aiohttp_client(build_web_app(services)), services

    return serve


async def test_healthz_answers_ok(fresh_url: str, serve: MakeClient) -> None:
    client, _ = await serve(fresh_url)

    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_503_until_the_database_is_migrated_then_200(
    fresh_url: str, serve: MakeClient
) -> None:
    client, services = await serve(fresh_url)

    before = await client.get("/readyz")
    assert before.status == 503
    body = await before.json()
    assert body["status"] == "schema behind: run `followthrough migrate`"
    assert body["current"] is None
    assert body["head"]

    migrate(services.engine)

    after = await client.get("/readyz")
    assert after.status == 200
    assert await after.json() == {"status": "ready", "schema": body["head"]}


async def test_readyz_is_503_when_the_schema_is_an_older_revision(
    fresh_url: str, serve: MakeClient
) -> None:
    client, services = await serve(fresh_url)
    migrate(services.engine, "0001")

    response = await client.get("/readyz")

    assert response.status == 503
    body = await response.json()
    assert body["current"] == "0001"
    assert body["head"] != "0001"


@pytest.mark.parametrize("url", [UNREACHABLE_POSTGRES, UNOPENABLE_SQLITE])
async def test_readyz_is_503_when_the_database_cannot_be_reached(
    serve: MakeClient, url: str
) -> None:
    client, _ = await serve(url)

    response = await client.get("/readyz")

    assert response.status == 503
    body = await response.json()
    assert body["status"] == "database unavailable"
    assert body["error"]


async def test_healthz_answers_ok_even_when_the_database_cannot_be_reached(
    serve: MakeClient,
) -> None:
    client, _ = await serve(UNREACHABLE_POSTGRES)
    response = await client.get("/healthz")
    assert response.status == 200


async def test_readyz_is_503_within_seconds_when_the_database_is_frozen(
    private_pg: PrivatePostgres, serve: MakeClient
) -> None:
    """Every server process stopped: connections open, nothing answers. /readyz used to wait
    on its pooled connection for as long as the database stayed frozen."""
    client, services = await serve(private_pg.url)
    migrate(services.engine)
    assert (await client.get("/readyz")).status == 200  # and a connection is in the pool
    private_pg.freeze()
    try:
        response = await asyncio.wait_for(client.get("/readyz"), 10)
        health = await asyncio.wait_for(client.get("/healthz"), 10)
    finally:
        private_pg.thaw()

    assert response.status == 503
    assert await response.json() == {
        "status": "database unavailable",
        "error": "no answer within 2 s",
    }
    assert health.status == 200
