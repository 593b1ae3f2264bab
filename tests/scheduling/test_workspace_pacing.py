"""Platforms limit us per workspace, and so does the outbox: a workspace told to wait (a 429's
Retry-After) holds up no other, and every workspace gets the platform's whole rate."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.catalog import Catalog
from bot.scheduling.delivery import Delivery, TransientDeliveryError
from bot.scheduling.outbox import Outbox
from bot.store.models import Person, Prompt, Workspace
from tests.conftest import NOW

DUE = NOW


@dataclass
class Workspaces:
    """A platform that tells its workspaces apart, as Slack tells tokens apart: records every
    message that landed, in order, and answers 429 to the sends or checks it is told to."""

    names: dict[int, str]
    rate: float | None = None
    platform: str = "fake"
    conversation_rate: float | None = None
    checks_per_pass: int | None = None
    retry_after: float = 20.0
    limited: Counter[str] = field(default_factory=Counter)
    landed: list[tuple[str, str]] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    limited_checks: set[str] = field(default_factory=set)

    async def send(self, delivery: Delivery) -> str:
        name = self.names[delivery.workspace_id]
        if self.limited[name]:
            self.limited[name] -= 1
            raise TransientDeliveryError("ratelimited", retry_after=self.retry_after)
        self.landed.append((name, delivery.key))
        return f"{name}:{len(self.landed)}"

    async def find(self, delivery: Delivery) -> str | None:
        name = self.names[delivery.workspace_id]
        self.asked.append(name)
        if name in self.limited_checks:
            raise TransientDeliveryError("ratelimited", retry_after=self.retry_after)
        return None

    def landed_in(self, name: str) -> list[str]:
        return [key for where, key in self.landed if where == name]


def seed(
    sessions: sessionmaker[Session], leaders: dict[str, int], *, status: str = "pending"
) -> dict[int, str]:
    """Workspaces (by team id) with that many leaders each, every one with a prompt due at
    DUE; returns the workspaces' names by id."""
    names = {}
    with sessions.begin() as session:
        for name, count in leaders.items():
            workspace = Workspace(
                platform="fake", external_id=name, name=name, created_at=DUE - timedelta(days=30)
            )
            session.add(workspace)
            session.flush()
            names[workspace.id] = name
            people = [
                Person(
                    workspace_id=workspace.id,
                    platform_user_id=f"U-{name}-{n}",
                    display_name=f"Leader {n} of {name}",
                    role="supervisor",
                    is_leader=True,
                    created_at=DUE - timedelta(days=30),
                )
                for n in range(count)
            ]
            session.add_all(people)
            session.flush()
            session.add_all(
                Prompt(
                    person_id=person.id,
                    behavior_id="6.a",
                    text="Did you thank a worker by name this week?",
                    scheduled_for=DUE,
                    status=status,
                    claimed_at=DUE if status == "sending" else None,
                    delivery_key=f"{person.platform_user_id}:6.a:{DUE:%Y%m%dT%H%M}",
                    created_at=DUE,
                )
                for person in people
            )
    return names


def statuses(sessions: sessionmaker[Session]) -> Counter[str]:
    with sessions() as session:
        return Counter(session.scalars(select(Prompt.status)))


async def test_a_workspace_told_to_wait_holds_up_no_other(
    sessions: sessionmaker[Session], catalog: Catalog
) -> None:
    channel = Workspaces(seed(sessions, {"T-A": 3, "T-B": 6}))
    channel.limited["T-A"] = 1
    b_done = asyncio.Event()
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        """A's Retry-After ends only once B's sends have all landed: had they queued behind
        A's wait, it would never end (the timeout only keeps a broken outbox from hanging)."""
        waited.append(seconds)
        await asyncio.wait_for(b_done.wait(), timeout=10)

    real_send = channel.send

    async def send(delivery: Delivery) -> str:
        message_id = await real_send(delivery)
        if len(channel.landed_in("T-B")) == 6:
            b_done.set()
        return message_id

    channel.send = send  # type: ignore[method-assign]
    # Batches of two: B's sends span several batches, which must not wait for A's either.
    outbox = Outbox(sessions, catalog, {"fake": channel}, batch_size=2, sleep=sleep)

    result = await outbox.run(DUE)

    assert waited == [channel.retry_after]
    assert [name for name, _ in channel.landed] == ["T-B"] * 6 + ["T-A"] * 3
    assert result.sent == 9
    assert statuses(sessions) == {"sent": 9}


async def test_a_send_held_too_long_gives_its_claim_back_for_a_later_pass(
    sessions: sessionmaker[Session], catalog: Catalog
) -> None:
    """Sends let through while a hold was set are told to wait again, hold after hold: past
    its patience a send stops waiting, unsent, so that no other copy, finding its claim
    abandoned, sends it as well."""
    channel = Workspaces(seed(sessions, {"T-A": 30}))
    channel.limited["T-A"] = 10_000  # every send is told to wait
    holds: list[float] = []

    async def sleep(seconds: float) -> None:
        if seconds:  # a hold (retries after one wait for the hold itself, not again)
            holds.append(seconds)
        await asyncio.sleep(0.02)

    outbox = Outbox(sessions, catalog, {"fake": channel}, sleep=sleep, patience=0.1)

    result = await asyncio.wait_for(outbox.run(DUE), timeout=30)

    assert len(holds) <= 0.1 / 0.02 + 2  # then each send stopped waiting
    assert channel.landed == []
    assert result.sent == 0
    assert statuses(sessions) == {"pending": 30}


async def test_a_batch_takes_every_workspace_in_turn(
    sessions: sessionmaker[Session], catalog: Catalog
) -> None:
    """Claimed and sent side by side, not one workspace after another, even where one
    workspace's prompts are all older than the others'."""
    channel = Workspaces(seed(sessions, {"T-A": 4, "T-B": 4, "T-C": 4}))
    outbox = Outbox(sessions, catalog, {"fake": channel}, concurrency=1)

    await outbox.run(DUE)

    assert [name for name, _ in channel.landed] == ["T-A", "T-B", "T-C"] * 4


@pytest.fixture
def still_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop whose clock stands still: a rate limiter never refills, so what goes out
    is exactly what the limits allow at once."""
    loop = asyncio.new_event_loop()
    loop.time = lambda: 0.0  # type: ignore[method-assign]
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.run_until_complete(asyncio.sleep(0))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


def test_each_workspace_gets_the_platforms_rate(
    sessions: sessionmaker[Session], catalog: Catalog, still_loop: asyncio.AbstractEventLoop
) -> None:
    """Three workspaces at a rate of 2 a second: 6 sends in the first instant, 2 from each,
    where one limit for the whole platform would let 2 through."""
    channel = Workspaces(seed(sessions, {"T-A": 5, "T-B": 5, "T-C": 5}), rate=2)
    six_landed = threading.Event()
    real_send = channel.send

    async def send(delivery: Delivery) -> str:
        message_id = await real_send(delivery)
        if len(channel.landed) == 6:
            six_landed.set()
        return message_id

    channel.send = send  # type: ignore[method-assign]
    outbox = Outbox(sessions, catalog, {"fake": channel})

    async def first_instant() -> None:
        passing = asyncio.ensure_future(outbox.run(DUE))
        # Waited for on a thread: the loop's own timeouts stand still with its clock.
        await asyncio.to_thread(six_landed.wait, 10)
        for _ in range(200):  # and no more, however long the loop turns
            await asyncio.sleep(0)
        passing.cancel()

    still_loop.run_until_complete(first_instant())

    assert Counter(name for name, _ in channel.landed) == {"T-A": 2, "T-B": 2, "T-C": 2}


async def test_a_rate_limited_check_halts_only_that_workspaces_checks(
    sessions: sessionmaker[Session], catalog: Catalog
) -> None:
    """Stale claims in two workspaces: A's first check answers 429, so A is asked nothing
    more in this pass; B's are all asked, found not there, and sent."""
    channel = Workspaces(seed(sessions, {"T-A": 3, "T-B": 3}, status="sending"))
    channel.limited_checks.add("T-A")
    outbox = Outbox(sessions, catalog, {"fake": channel})

    result = await outbox.run(DUE + timedelta(minutes=5))

    assert Counter(channel.asked) == {"T-A": 1, "T-B": 3}
    assert channel.landed_in("T-A") == []
    assert len(channel.landed_in("T-B")) == 3
    assert result.sent == 3
    assert statuses(sessions) == {"sending": 3, "sent": 3}
