"""Every line of the log written while a request is handled carries the request's id, which
the response gives back in X-Request-Id: the caller's when it is sane, a new one otherwise."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.app import build_web_app
from bot.config import Settings
from bot.core.clock import SetClock
from bot.services import build_services
from bot.store.db import migrate
from bot.web.request_ids import AccessLog
from tests.conftest import NOW, JsonLog
from tests.web.local_chat import ADMIN, Client, LocalChat


@pytest.fixture
async def chat(
    fresh_url: str, aiohttp_client: Callable[..., Any], no_platform_credentials: None
) -> AsyncIterator[LocalChat]:
    """The local chat served as `serve` serves it (its access log included)."""
    services = build_services(
        Settings(
            _env_file=None, database_url=fresh_url, followthrough_admins=ADMIN, secret_key="x"
        ),
        clock=SetClock(NOW),
    )
    migrate(services.engine)
    server = TestServer(build_web_app(services))
    await server.start_server(access_log_class=AccessLog)
    client: Client = await aiohttp_client(server)
    yield LocalChat(client, services)
    services.engine.dispose()


@pytest.fixture
def verbose(caplog: pytest.LogCaptureFixture) -> None:
    """The access log, and SQLAlchemy's statements, which are run on worker threads."""
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")


async def test_every_line_of_a_request_carries_the_id_the_response_gives_back(
    chat: LocalChat, json_log: JsonLog, verbose: None
) -> None:
    person = await chat.join(ADMIN)
    json_log.lines.clear()

    response = await chat.client.post(
        "/local/api/say",
        json={"person": person, "text": "leader add sam@agency.org role=supervisor"},
    )
    assert response.status == 200
    given = response.headers["X-Request-Id"]

    assert re.fullmatch(r"[0-9a-f]{32}", given)
    ids = {line.entry.get("request_id") for line in json_log.lines}
    assert ids == {given}
    (access,) = json_log.of(logger="aiohttp.access")
    assert "POST /local/api/say" in access.entry["event"]
    statements = json_log.of(logger="sqlalchemy.engine.Engine")
    assert any("INSERT INTO person" in line.entry["event"] for line in statements)
    worker = {line.thread for line in statements} - {threading.main_thread().name}
    assert worker, "the handler's statements ran on a worker thread"


async def test_a_sane_id_from_the_caller_is_kept_and_each_request_has_its_own(
    chat: LocalChat, json_log: JsonLog, verbose: None
) -> None:
    first = await chat.client.get("/healthz", headers={"X-Request-Id": "lb-7.Abc_9"})
    second = await chat.client.get("/healthz")
    logging.getLogger("after").warning("between requests")

    assert first.headers["X-Request-Id"] == "lb-7.Abc_9"
    assert second.headers["X-Request-Id"] not in ("lb-7.Abc_9", "")
    assert [line.entry.get("request_id") for line in json_log.of(logger="aiohttp.access")] == [
        "lb-7.Abc_9",
        second.headers["X-Request-Id"],
    ]
    (after,) = json_log.of(logger="after")
    assert "request_id" not in after.entry


@pytest.mark.parametrize("unsafe", ["a b", "x" * 65, "id\\u2028forged", "<script>", "ä", "", "a,b"])
async def test_an_id_that_could_disturb_the_log_is_replaced(chat: LocalChat, unsafe: str) -> None:
    response = await chat.client.get("/healthz", headers={"X-Request-Id": unsafe})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


async def test_a_refused_request_carries_its_id_too(chat: LocalChat, json_log: JsonLog) -> None:
    response = await chat.client.get("/no/such/page", headers={"X-Request-Id": "probe-1"})
    assert response.status == 404
    assert response.headers["X-Request-Id"] == "probe-1"
