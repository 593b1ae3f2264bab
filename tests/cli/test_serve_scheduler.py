"""SCHEDULER: `followthrough serve` runs the scheduling passes itself (in-process, the
default), or leaves them to `followthrough tick` run from outside (external: cron, a
Kubernetes CronJob); any other value is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from click.testing import CliRunner

from bot import app
from bot.cli import main
from bot.config import Settings, SettingsError
from bot.scheduling.runner import Scheduling, TickResult
from bot.services import SERVICES_KEY
from tests.cli.test_serve import UNSET

IN_PROCESS = "followthrough_scheduler_in_process"
MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


class Spy:
    """What the scheduling did in the app under test: schedulers started, passes run."""

    def __init__(self) -> None:
        self.started = 0
        self.passes: list[datetime | None] = []


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    found = Spy()
    start, tick = Scheduling.start, Scheduling.tick

    def counted_start(self: Scheduling) -> AsyncIOScheduler:
        found.started += 1
        return start(self)

    async def counted_tick(
        self: Scheduling, now: datetime | None = None, *, retention: bool = True
    ) -> TickResult:
        found.passes.append(now)
        return await tick(self, now, retention=retention)

    monkeypatch.setattr(Scheduling, "start", counted_start)
    monkeypatch.setattr(Scheduling, "tick", counted_tick)
    return found


def serve_app(monkeypatch: pytest.MonkeyPatch, url: str, **env: str) -> web.Application:
    """The application `followthrough serve` would run with this environment."""
    served: list[web.Application] = []
    monkeypatch.setattr(
        app.web, "run_app", lambda application, **kwargs: served.append(application)
    )
    result = CliRunner().invoke(
        main,
        ["serve"],
        env={**UNSET, "FOLLOWTHROUGH_ENV": "development", "HOST": "127.0.0.1", "DATABASE_URL": url}
        | env,
    )
    assert result.exit_code == 0, result.output
    [application] = served
    return application


async def run_until_answering(client: TestClient[Any, Any]) -> float:
    """Start-up is over (the scheduler, if any, started) once the app answers; what it then
    says of itself in `followthrough_scheduler_in_process`."""
    response = await client.get("/healthz")
    assert response.status == 200
    metrics = await (await client.get("/metrics")).text()
    [line] = [line for line in metrics.splitlines() if line.startswith(IN_PROCESS + " ")]
    return float(line.split()[-1])


async def close(application: web.Application, client: TestClient[Any, Any]) -> None:
    await client.close()
    application[SERVICES_KEY].engine.dispose()


async def test_by_default_serve_runs_a_scheduling_pass_at_start(
    monkeypatch: pytest.MonkeyPatch, fresh_url: str, aiohttp_client: MakeClient, spy: Spy
) -> None:
    application = serve_app(monkeypatch, fresh_url)
    client = await aiohttp_client(application)
    try:
        in_process = await run_until_answering(client)
        for _ in range(200):  # the catch-up pass is due at once; allow a slow machine 10 s
            if spy.passes:
                break
            await asyncio.sleep(0.05)
    finally:
        await close(application, client)

    assert in_process == 1.0
    assert spy.started == 1
    assert len(spy.passes) >= 1


async def test_with_an_external_scheduler_serve_runs_no_pass(
    monkeypatch: pytest.MonkeyPatch, fresh_url: str, aiohttp_client: MakeClient, spy: Spy
) -> None:
    application = serve_app(monkeypatch, fresh_url, SCHEDULER="External")
    client = await aiohttp_client(application)
    try:
        in_process = await run_until_answering(client)
        await asyncio.sleep(0.2)  # as long again as the default's first pass takes to start
    finally:
        await close(application, client)

    assert in_process == 0.0
    assert spy.started == 0
    assert spy.passes == []


async def test_a_stopping_serve_lets_the_pass_under_way_end(
    monkeypatch: pytest.MonkeyPatch, fresh_url: str, aiohttp_client: MakeClient
) -> None:
    """Stopping (a deploy's SIGTERM) while a pass sends: the pass ends before the process
    does, instead of being cancelled between its claims and its sends."""
    started, ended = asyncio.Event(), asyncio.Event()
    tick = Scheduling.tick

    async def slow_tick(
        self: Scheduling, now: datetime | None = None, *, retention: bool = True
    ) -> TickResult:
        started.set()
        await asyncio.sleep(0.3)  # a pass sending to a slow platform
        result = await tick(self, now, retention=retention)
        ended.set()
        return result

    monkeypatch.setattr(Scheduling, "tick", slow_tick)
    application = serve_app(monkeypatch, fresh_url)
    client = await aiohttp_client(application)
    try:
        await run_until_answering(client)
        await asyncio.wait_for(started.wait(), 10)
    finally:
        await close(application, client)

    assert ended.is_set()


def test_tick_still_runs_a_pass_with_an_external_scheduler(fresh_url: str, spy: Spy) -> None:
    env = {**UNSET, "DATABASE_URL": fresh_url, "SCHEDULER": "external"}
    assert CliRunner().invoke(main, ["migrate"], env=env).exit_code == 0

    result = CliRunner().invoke(main, ["tick"], env=env)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Pass at ")
    assert len(spy.passes) == 1


@pytest.mark.parametrize("value", ["cron", "inprocess", "", "external!"])
def test_an_unknown_scheduler_is_refused_in_one_clear_line(value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings(_env_file=None, scheduler=value)  # type: ignore[call-arg]

    message = str(refused.value)
    assert message.startswith("SCHEDULER: must be in-process (serve runs the scheduling passes)")
    assert "external (run `followthrough tick` every minute" in message
    assert repr(value) in message


def test_serve_refuses_an_unknown_scheduler_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, fresh_url: str
) -> None:
    served: list[web.Application] = []
    monkeypatch.setattr(
        app.web, "run_app", lambda application, **kwargs: served.append(application)
    )

    result = CliRunner().invoke(
        main, ["serve"], env={**UNSET, "DATABASE_URL": fresh_url, "SCHEDULER": "cron"}
    )

    assert result.exit_code == 1
    assert "SCHEDULER: must be in-process" in result.output
    assert "Traceback" not in result.output
    assert served == []
