"""Benchmark: a command's transaction through the sync ORM on worker threads (what the
service does) against SQLAlchemy's asyncio extension (AsyncSession, on aiosqlite or psycopg's
async driver), in one run, on the same database.

    python bench/orm_engines.py [--transactions 2000] [--concurrency 50] [--database-url URL]
                                [--threads 1 2 6]

Each transaction is what `log 6.a …` costs the database side of a request: the workspace and
the caller in one select (the statement the service runs), a record added, commit. N of them,
50 at a time from one event loop, as the web server runs them. Prints transactions per second
and the process's CPU time per transaction for each way, the threads' way with 1, 2 and 6
worker threads (asyncio's default for two cores is 6).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from request_path import database
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.store.db import create_db_engine, migrate, normalize_url, session_factory
from bot.store.models import Person, Record, Workspace
from bot.store.workspaces import _WORKSPACE_AND_PERSON

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
KEYS = {"platform": "slack", "external_id": "T0BENCH", "user_id": "U00001"}


def seed(url: str) -> None:
    engine = create_db_engine(url)
    migrate(engine)
    with session_factory(engine).begin() as session:
        workspace = Workspace(platform="slack", external_id="T0BENCH", created_at=NOW)
        session.add(workspace)
        session.flush()
        session.add(
            Person(
                workspace_id=workspace.id,
                platform_user_id="U00001",
                display_name="Sam",
                timezone="UTC",
                is_leader=True,
                role="supervisor",
                created_at=NOW,
            )
        )
    engine.dispose()


def record(person: Person, n: int) -> Record:
    return Record(
        person_id=person.id,
        behavior_id="6.a",
        outcome="done",
        note=f"Thanked the intake unit, round {n}",
        source="log",
        created_at=NOW,
    )


async def timed(
    transactions: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, float]:
    """Transactions a second, and CPU milliseconds a transaction (every thread's)."""
    numbers = iter(range(transactions))

    async def worker() -> None:
        for n in numbers:
            await one(n)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return transactions / wall, cpu / transactions * 1000


async def threads(
    url: str, transactions: int, concurrency: int, workers: int
) -> tuple[float, float]:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(workers))
    engine = create_db_engine(url, pool_size=max(5, workers))
    sessions = session_factory(engine)

    def transaction(n: int) -> None:
        with sessions.begin() as session:
            _, person = session.execute(_WORKSPACE_AND_PERSON, KEYS).one()
            session.add(record(person, n))

    try:
        await timed(200, concurrency, lambda n: asyncio.to_thread(transaction, n))  # warm-up
        return await timed(transactions, concurrency, lambda n: asyncio.to_thread(transaction, n))
    finally:
        engine.dispose()


def async_url(url: str) -> str:
    parsed = make_url(normalize_url(url))
    driver = "sqlite+aiosqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


async def asyncio_extension(url: str, transactions: int, concurrency: int) -> tuple[float, float]:
    options = {"pool_size": 10} if not url.startswith("sqlite") else {}
    engine = create_async_engine(async_url(url), **options)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def transaction(n: int) -> None:
        async with sessions.begin() as session:
            _, person = (await session.execute(_WORKSPACE_AND_PERSON, KEYS)).one()
            session.add(record(person, n))

    try:
        await timed(200, concurrency, transaction)  # warm-up
        return await timed(transactions, concurrency, transaction)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[1, 2, 6], help="worker thread counts to try"
    )
    arguments = parser.parse_args()
    with database(arguments.database_url) as url:
        seed(url)
        results = {
            f"sync ORM, {workers} worker thread{'s' if workers > 1 else ''}": asyncio.run(
                threads(url, arguments.transactions, arguments.concurrency, workers)
            )
            for workers in arguments.threads
        }
        results["asyncio extension"] = asyncio.run(
            asyncio_extension(url, arguments.transactions, arguments.concurrency)
        )
    backend = make_url(normalize_url(url)).get_backend_name()
    print(f"{arguments.transactions} transactions on {backend}, {arguments.concurrency} at a time")
    print("| | transactions/s | CPU per transaction |")
    print("| --- | --- | --- |")
    for name, (rate, cpu) in results.items():
        print(f"| {name} | {rate:,.0f} | {cpu:.2f} ms |")


if __name__ == "__main__":
    main()
