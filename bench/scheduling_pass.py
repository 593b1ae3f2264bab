"""Benchmark: one scheduling pass for 10,000 leaders due in the same minute.

A platform endpoint that answers at once (a local aiohttp server) stands in for the chat
platform; prompts reach it through a small HTTP channel. The baseline is the same number of
bare sends through that channel alone, measured in the same run. Prints prompts per second,
the ratio to the baseline, and the process's peak memory.

    python bench/scheduling_pass.py [--leaders 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import aiohttp
from aiohttp import web
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bot.core.catalog import load_catalog
from bot.core.clock import SetClock
from bot.core.messages import message_to_dict
from bot.core.prompts import prompt_message
from bot.scheduling.delivery import Delivery
from bot.scheduling.runner import Scheduling
from bot.store.db import create_db_engine, migrate, normalize_url, session_factory
from bot.store.models import Commitment, Person, Prompt, Workspace

DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class HttpChannel:
    """Posts each delivery to the stand-in platform endpoint, like a chat API client."""

    platform = "bench"
    rate: float | None = None
    conversation_rate: float | None = None
    checks_per_pass: int | None = None

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url

    async def send(self, delivery: Delivery) -> str:
        body = {"channel": delivery.user_id, "message": message_to_dict(delivery.message)}
        async with self.session.post(self.url, json=body) as answer:
            answer.raise_for_status()
            return str((await answer.json())["ts"])

    async def find(self, delivery: Delivery) -> str | None:
        return None


async def endpoint() -> tuple[web.AppRunner, str]:
    counter = iter(range(1, 10**9))

    async def post_message(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True, "ts": f"{next(counter)}.000"})

    app = web.Application()
    app.router.add_post("/chat.postMessage", post_message)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/chat.postMessage"


def seed(url: str, leaders: int) -> None:
    engine = create_db_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        workspace_id = connection.execute(
            insert(Workspace)
            .values(platform="bench", external_id="bench", created_at=DUE - timedelta(days=9))
            .returning(Workspace.id)
        ).scalar_one()
        connection.execute(
            insert(Person),
            [
                {
                    "workspace_id": workspace_id,
                    "platform_user_id": f"U{n:06d}",
                    "display_name": f"Leader {n}",
                    "role": "supervisor",
                    "is_leader": True,
                    "timezone": "UTC",
                    "created_at": DUE - timedelta(days=9),
                }
                for n in range(leaders)
            ],
        )
        people = connection.execute(select(Person.id)).scalars().all()
        connection.execute(
            insert(Commitment),
            [
                {"person_id": p, "behavior_id": "6.a", "started_at": DUE - timedelta(days=9)}
                for p in people
            ],
        )
    engine.dispose()


async def run(url: str, leaders: int) -> dict[str, float]:
    runner, endpoint_url = await endpoint()
    catalog = load_catalog()
    engine = create_db_engine(url, pool_size=20)
    sessions = session_factory(engine)
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as client:
        channel = HttpChannel(client, endpoint_url)
        # The bare sends carry the same prompt message the pass sends (buttons and all).
        text = catalog.prompts_for("6.a", None)[0]
        deliveries = [
            Delivery(
                key=f"bare:{n}",
                workspace_id=1,
                person_id=n,
                user_id=f"U{n:06d}",
                message=prompt_message(
                    SimpleNamespace(id=n, behavior_id="6.a", text=text),
                    f"Leader {n}",
                    catalog,
                ),
            )
            for n in range(leaders)
        ]
        gate = asyncio.Semaphore(64)

        async def bare(delivery: Delivery) -> str:
            async with gate:
                return await channel.send(delivery)

        started = time.perf_counter()
        await asyncio.gather(*(bare(d) for d in deliveries))
        bare_seconds = time.perf_counter() - started

        scheduling = Scheduling(sessions, catalog, {"bench": channel}, SetClock(DUE))
        started = time.perf_counter()
        result = await scheduling.tick(DUE + timedelta(seconds=30))
        pass_seconds = time.perf_counter() - started
    await runner.cleanup()
    with sessions() as session:
        sent = session.scalar(select(func.count()).select_from(Prompt).filter_by(status="sent"))
    engine.dispose()
    assert result.delivered.sent == leaders == sent, (result, sent)
    return {
        "pass_seconds": pass_seconds,
        "prompts_per_second": leaders / pass_seconds,
        "bare_sends_per_second": leaders / bare_seconds,
        "ratio": pass_seconds / bare_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=10_000)
    parser.add_argument("--database-url", help="PostgreSQL URL; SQLite in a temp dir if unset")
    parser.add_argument("--rounds", type=int, default=3, help="fresh databases; medians shown")
    args = parser.parse_args()
    rounds = [one_round(args.database_url, args.leaders) for _ in range(args.rounds)]
    figures = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    backend = "postgresql" if args.database_url else "sqlite"
    print(
        f"scheduling pass, {args.leaders} leaders due in one minute, {backend}, "
        f"median of {args.rounds} rounds"
    )
    print(f"  pass: {figures['pass_seconds']:.2f} s, {figures['prompts_per_second']:.0f} prompts/s")
    print(f"  bare sends through the channel: {figures['bare_sends_per_second']:.0f} sends/s")
    ratios = ", ".join(f"{r['ratio']:.2f}" for r in rounds)
    print(f"  ratio pass / bare sends: {figures['ratio']:.2f}x (rounds: {ratios})")
    print(f"  peak memory (RSS): {max(r['peak_rss_mb'] for r in rounds):.0f} MB")


def one_round(database_url: str | None, leaders: int) -> dict[str, float]:
    cleanup: Callable[[], None] | None = None
    if database_url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_db_engine(database_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(normalize_url(database_url))
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )

        def cleanup() -> None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    try:
        seed(url, leaders)
        figures = asyncio.run(run(url, leaders))
    finally:
        if cleanup:
            cleanup()
    return figures


if __name__ == "__main__":
    main()
