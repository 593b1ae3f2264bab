"""A database that does not answer, a lock that is not let go, a pool that is all in use: a
request fails within seconds instead of hanging (docs/security.md, 5; the timeouts are in
bot.store.db)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy.exc
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from bot.app import build_web_app
from bot.config import Settings
from bot.services import Services, build_services
from bot.store.db import create_db_engine, migrate
from tests.conftest import FreshDatabase
from tests.private_postgres import private_postgres

# Well past the timeouts (5 s to connect, 10 s a statement or a SQLite lock, 5 s for the
# pool), well short of what they replaced: no timeout at all, or SQLite's and the pool's 30 s.
WITHIN = 20  # seconds

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
def local_chat(aiohttp_client: MakeClient) -> Iterator[Callable[[str], Awaitable[LocalChat]]]:
    made: list[Services] = []

    async def start(url: str) -> LocalChat:
        settings = Settings(_env_file=None, database_url=url, secret_key="x")  # type: ignore[call-arg]
        services = build_services(settings)
        made.append(services)
        migrate(services.engine)
        client = await aiohttp_client(build_web_app(services))
        joined = await client.post("/local/api/people", json={"user": "sam@agency.org"})
        assert joined.status == 200
        return LocalChat(client, services, (await joined.json())["id"])

    yield start
    for services in made:
        services.engine.dispose()


class LocalChat:
    """The local chat's web routes on a database, and one person in it."""

    def __init__(self, client: Client, services: Services, person: int) -> None:
        self.client, self.services, self.person = client, services, person

    async def say(self, said: str) -> int:
        """Post a command; the status it gets, within WITHIN seconds."""
        posting = self.client.post("/local/api/say", json={"person": self.person, "text": said})
        response = await asyncio.wait_for(posting, WITHIN)
        return response.status


@pytest.mark.waits_out_a_timeout
async def test_a_command_fails_within_seconds_when_the_database_is_frozen(
    local_chat: Callable[[str], Awaitable[LocalChat]], caplog: pytest.LogCaptureFixture
) -> None:
    """The server stopped (connections are accepted, nothing answers) and the pool empty, as
    after a restart: a connection used to be awaited for as long as the server stayed so."""
    with private_postgres() as server:
        chat = await local_chat(server.url)
        chat.services.engine.dispose()
        server.freeze()
        try:
            status = await chat.say("help")
        finally:
            server.thaw()

    assert status == 503  # nothing saved, and said so
    assert "connection timeout expired" in caplog.text


@pytest.mark.waits_out_a_timeout
async def test_a_command_fails_within_seconds_when_a_lock_is_not_let_go(
    local_chat: Callable[[str], Awaitable[LocalChat]],
    databases: FreshDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another connection holds a lock the command needs and never lets go: the command used to
    wait for it forever on PostgreSQL, 30 s on SQLite."""
    url = databases.url()
    chat = await local_chat(url)
    holder = create_db_engine(url)
    try:
        with holder.connect() as held:
            held.begin()  # on SQLite, BEGIN IMMEDIATE: the write lock
            if held.dialect.name == "postgresql":
                held.execute(text("LOCK TABLE person IN ACCESS EXCLUSIVE MODE"))
            status = await chat.say("help")
            held.rollback()
    finally:
        holder.dispose()

    assert status == 503  # nothing saved, and said so
    expected = "statement timeout" if databases.backend == "postgresql" else "database is locked"
    assert expected in caplog.text


@pytest.mark.waits_out_a_timeout
def test_a_connection_is_waited_for_seconds_when_the_pool_is_all_in_use(
    databases: FreshDatabase,
) -> None:
    engine = create_db_engine(databases.url(), pool_size=1, max_overflow=0)
    try:
        with engine.connect(), ThreadPoolExecutor(1) as thread:
            waiting = thread.submit(engine.connect)
            with pytest.raises(sqlalchemy.exc.TimeoutError, match="QueuePool limit"):
                waiting.result(timeout=WITHIN)
    finally:
        engine.dispose()
