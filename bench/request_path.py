"""Benchmark: the request path, Follow-Through against a bare Bolt app, in one run.

Starts `followthrough serve` (one Slack workspace over HTTP, against a small stand-in for the
Slack Web API) and a bare slack-bolt AsyncApp that verifies the signature and only
acknowledges, each in a process of its own, then sends both the same signed slash commands,
shaped as Slack sends them, N at a time, and prints latency percentiles and requests per
second side by side. The load generator and the stand-in share this process (and the
machine's cores) in both runs alike.

    python bench/request_path.py [--requests 2000] [--concurrency 50] [--database-url URL]

Scenarios: `help` (reads who is asking), and `log 6.a …` (writes a record); each from 50
supervisors enrolled by command in turn, with 10,000 leaders enrolled in all.

The `bot` package is byte-compiled first, as installing the service's wheel does: a checkout
run with PYTHONDONTWRITEBYTECODE would otherwise compile every module on every start.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import hashlib
import hmac
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bot.store.db import create_db_engine, normalize_url
from bot.store.models import Commitment, Person, Record, Workspace

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0BENCH"
ADMIN = "UADMIN"
LEADERS = [f"U{n:05d}" for n in range(50)]
BOT = Path(__file__).resolve().parent.parent / "bot"
ENROLLED = 10_000  # leaders in the workspace while serve is measured (LEADERS among them)


def signed(fields: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """A form body and the headers Slack sends with it (signature over this moment)."""
    body = urlencode(fields)
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return body.encode(), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def slash_command(user: str, words: str) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "agency",
        "channel_id": f"D{user[1:]}",
        "channel_name": "directmessage",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/followthrough",
        "text": words,
        "api_app_id": "A0BENCH",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0BENCH/1/abc",
        "trigger_id": f"1.2.{uuid.uuid4().hex}",
    }


async def web_api() -> tuple[web.AppRunner, str]:
    """What serve asks of Slack here: auth.test, and users.info for people it meets."""

    async def call(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(await request.post()) if request.can_read_body else {}
        params.update(request.query)
        if method == "users.info":
            user = str(params.get("user", ""))
            return web.json_response(
                {
                    "ok": True,
                    "user": {
                        "id": user,
                        "team_id": TEAM,
                        "name": user.lower(),
                        "real_name": f"Leader {user}",
                        "tz": "America/New_York",
                        "profile": {
                            "real_name": f"Leader {user}",
                            "display_name": "",
                            "email": f"{user.lower()}@agency.org",
                        },
                    },
                }
            )
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "team": "Agency", "team_id": TEAM, "user_id": "UBOT", "bot_id": "B1"}
            )
        return web.json_response({"ok": True, "ts": f"{time.time():.6f}", "channel": "D1"})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", call)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/api/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=out)
    try:
        yield child
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


async def ready(url: str, child: subprocess.Popen[bytes], log: Path) -> float:
    """Seconds until `url` answers 200 (the process's cold start)."""
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        while time.perf_counter() - started < 60:
            if child.poll() is not None:
                raise SystemExit(f"{child.args} ended: see {log}")
            try:
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.02)
    raise SystemExit(f"{url} did not answer within 60 s: see {log}")


@dataclass(frozen=True)
class Figures:
    p50: float
    p99: float
    worst: float
    per_second: float
    failed: int
    cpu_ms: float  # the server process's CPU time per request


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user and system (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(
    url: str,
    requests: int,
    concurrency: int,
    fields: Callable[[int], dict[str, str]],
    server: int,
) -> Figures:
    """`requests` signed POSTs, `concurrency` at a time; latency of each, the rate, and the
    CPU time the `server` process spent per request (steadier than latency, which the load
    generator on the same cores disturbs)."""
    latencies: list[float] = []
    failed = 0
    numbers = iter(range(requests))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal failed
            for number in numbers:
                body, headers = signed(fields(number))
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as answer:
                    await answer.read()
                    if answer.status != 200:
                        failed += 1
                latencies.append(time.perf_counter() - started)

        started, cpu = time.perf_counter(), cpu_seconds(server)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        took, cpu = time.perf_counter() - started, cpu_seconds(server) - cpu
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Figures(
        cuts[49], cuts[98], max(latencies), requests / took, failed, cpu / requests * 1000
    )


def bare_bolt(port: int, api_url: str) -> None:
    """The baseline: a Bolt AsyncApp that verifies the signature and acknowledges."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
        process_before_response=True,
    )

    @app.command("/followthrough")
    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    server = web.Application()
    server.router.add_post("/slack/events", events)
    server.router.add_get("/readyz", healthz)
    web.run_app(server, host="127.0.0.1", port=port, access_log=None, print=None)


async def enroll(events: str) -> None:
    """Each leader enrolled by the admin, through the endpoint itself, one at a time."""
    async with aiohttp.ClientSession() as session:
        for leader in LEADERS:
            fields = slash_command(ADMIN, f"leader add <@{leader}> role=supervisor")
            body, headers = signed(fields)
            async with session.post(events, data=body, headers=headers) as answer:
                reply = await answer.text()
            if answer.status != 200 or "Sorry" in reply:
                raise SystemExit(f"enrolling {leader}: {answer.status} {reply[:300]}")


def enroll_many(url: str, leaders: int) -> None:
    """More leaders in the workspace, each with a commitment, written straight to the
    database (enrolling them one command at a time would take minutes): serve's memory is
    measured with this many enrolled."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            workspace = connection.execute(
                select(Workspace.id).where(Workspace.external_id == TEAM)
            ).scalar_one()
            started = connection.execute(select(func.max(Person.created_at))).scalar_one()
            people = connection.execute(
                insert(Person).returning(Person.id),
                [
                    {
                        "workspace_id": workspace,
                        "platform_user_id": f"U9{n:07d}",
                        "display_name": f"Leader {n}",
                        "role": ("supervisor", "manager", "director")[n % 3],
                        "is_leader": True,
                        "timezone": ("America/New_York", "America/Chicago", "UTC")[n % 3],
                        "created_at": started,
                    }
                    for n in range(leaders)
                ],
            ).scalars()
            connection.execute(
                insert(Commitment),
                [{"person_id": p, "behavior_id": "6.a", "started_at": started} for p in people],
            )
    finally:
        engine.dispose()


def resident_mb(pid: int) -> float:
    """A process's resident memory now (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def records(url: str) -> int:
    """Records in the database: each `log` must have written one."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Record)) or 0)
    finally:
        engine.dispose()


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database for one run: a SQLite file, or a PostgreSQL schema dropped after."""
    if url is None or make_url(normalize_url(url)).get_backend_name() == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        return
    admin = create_db_engine(url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(normalize_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Run:
    """One run's figures, each scenario's and the server's own."""

    scenarios: dict[str, Figures]
    start: float = 0.0  # seconds to /readyz on a new database
    restart: float = 0.0  # seconds to /readyz on the same database, migrated
    resident_mb: float = 0.0  # serve's memory after the run


async def measure(database_url: str | None, requests: int, concurrency: int) -> Run:
    compileall.compile_dir(BOT, quiet=1)
    runner, api_url = await web_api()
    logs = Path(tempfile.mkdtemp())
    results: dict[str, Figures] = {}
    run = Run(results)
    help_command = lambda n: slash_command(LEADERS[n % len(LEADERS)], "help")  # noqa: E731
    log_command = lambda n: slash_command(  # noqa: E731
        LEADERS[n % len(LEADERS)], f"log 6.a Thanked the intake unit, round {n}"
    )
    try:
        port = free_port()
        bare = [sys.executable, __file__, "--bare-bolt", str(port), "--api-url", api_url]
        with process(bare, {}, logs / "bare.log") as child:
            url = f"http://127.0.0.1:{port}"
            await ready(f"{url}/readyz", child, logs / "bare.log")
            await load(f"{url}/slack/events", 200, concurrency, help_command, child.pid)
            results["bare Bolt"] = await load(
                f"{url}/slack/events", requests, concurrency, help_command, child.pid
            )
        with database(database_url) as url:
            port = free_port()
            env = {
                "DATABASE_URL": url,
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": api_url,
                "FOLLOWTHROUGH_ADMINS": ADMIN,
                "FOLLOWTHROUGH_SECRET": "bench-" + uuid.uuid4().hex,
            }
            serve = [sys.executable, "-m", "bot.cli", "serve"]
            with process(serve, env, logs / "serve.log") as child:
                base = f"http://127.0.0.1:{port}"
                run.start = await ready(f"{base}/readyz", child, logs / "serve.log")
                events = f"{base}/slack/events"
                await enroll(events)
                await asyncio.to_thread(enroll_many, url, ENROLLED - len(LEADERS))
                await load(events, 200, concurrency, help_command, child.pid)  # warm-up
                results["Follow-Through help"] = await load(
                    events, requests, concurrency, help_command, child.pid
                )
                results["Follow-Through log"] = await load(
                    events, requests // 2, concurrency, log_command, child.pid
                )
                recorded = records(url)
                if recorded != requests // 2:
                    raise SystemExit(f"{requests // 2} logs sent, {recorded} records written")
                run.resident_mb = resident_mb(child.pid)
            env["PORT"] = str(port := free_port())
            with process(serve, env, logs / "restart.log") as child:
                run.restart = await ready(
                    f"http://127.0.0.1:{port}/readyz", child, logs / "restart.log"
                )
    finally:
        await runner.cleanup()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--bare-bolt", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.bare_bolt:
        bare_bolt(arguments.bare_bolt, arguments.api_url)
        return
    run = asyncio.run(measure(arguments.database_url, arguments.requests, arguments.concurrency))
    results = run.scenarios
    base = results["bare Bolt"]
    print(
        f"start to /readyz: {run.start:.2f} s on a new database, {run.restart:.2f} s on a "
        f"migrated one; serve's memory after the run: {run.resident_mb:.0f} MB"
    )
    print(f"{arguments.requests} signed slash commands, {arguments.concurrency} at a time")
    print("| | p50 | p99 | worst | requests/s | p50 / bare | CPU per request | failed |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, figures in results.items():
        print(
            f"| {name} | {figures.p50 * 1000:.0f} ms | {figures.p99 * 1000:.0f} ms "
            f"| {figures.worst * 1000:.0f} ms | {figures.per_second:,.0f} "
            f"| {figures.p50 / base.p50:.1f}x | {figures.cpu_ms:.2f} ms | {figures.failed} |"
        )


if __name__ == "__main__":
    main()
