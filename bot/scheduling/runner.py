"""A scheduling pass (plan the due prompts, then deliver), run by APScheduler inside `serve`
every minute and by `followthrough tick` from the command line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot.core.catalog import Catalog
from bot.core.clock import Clock
from bot.scheduling.delivery import Channel
from bot.scheduling.outbox import Outbox, PassResult
from bot.scheduling.planner import DEFAULT_GRACE, PlanResult, plan
from bot.store.retention import PurgeResult, retention_pass

log = logging.getLogger(__name__)
JOB_ID = "followthrough-scheduling-pass"
# Seconds a stopping `serve` waits for the pass under way: inside the 30 s an orchestrator
# gives a container between SIGTERM and SIGKILL.
SHUTDOWN_WAIT = 20.0


@dataclass(frozen=True)
class TickResult:
    planned: PlanResult
    delivered: PassResult
    # The day's purge, on the one pass of the day that ran it (RETENTION_DAYS set).
    purged: PurgeResult | None = None


@dataclass
class Scheduling:
    sessions: sessionmaker[Session]
    catalog: Catalog
    channels: Mapping[str, Channel]
    clock: Clock
    grace: timedelta = DEFAULT_GRACE
    # RETENTION_DAYS: purge what is older than this many days, once a day; 0 keeps all.
    retention_days: int = 0
    # Told of every pass and how many seconds it took (the service's metrics).
    observe: Callable[[TickResult, float], None] | None = None

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.sessions, self.catalog, self.channels, grace=self.grace)
        self.passes: set[asyncio.Task[object]] = set()  # the passes under way

    def plan(self, now: datetime) -> PlanResult:
        with self.sessions.begin() as session:
            return plan(session, self.catalog, now=now, grace=self.grace)

    def keep_retention(self, now: datetime) -> PurgeResult | None:
        """The day's purge under RETENTION_DAYS, in its own transaction (once a day)."""
        if self.retention_days <= 0:
            return None
        with self.sessions.begin() as session:
            return retention_pass(session, now=now, days=self.retention_days)

    async def tick(self, now: datetime | None = None, *, retention: bool = True) -> TickResult:
        """Plan everything due up to `now` (default: the clock's moment; the catch-up after a
        restart included), then send, then purge what RETENTION_DAYS no longer keeps (on
        the first pass of each day). `retention=False` leaves the purge out: a pass for a
        moment someone typed (`tick --at`) must not delete by it, nor mark the day done."""
        now = now or self.clock.now()
        started = asyncio.get_running_loop().time()
        planned = await asyncio.to_thread(self.plan, now)
        delivered = await self.outbox.run(now)
        if planned.pending or planned.missed or delivered.sent or delivered.failed:
            log.info("pass at %s: planned %s, delivered %s", now.isoformat(), planned, delivered)
        purged = await asyncio.to_thread(self.keep_retention, now) if retention else None
        if purged is not None:
            log.info(
                "purged what is older than %s (RETENTION_DAYS=%s): %s",
                purged.before.isoformat(),
                self.retention_days,
                ", ".join(purged.lines()),
            )
        result = TickResult(planned, delivered, purged)
        if self.observe is not None:
            self.observe(result, asyncio.get_running_loop().time() - started)
        return result

    def start(self) -> AsyncIOScheduler:
        """Run a pass now (catch-up) and then every minute, in the running event loop."""
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self.scheduled_pass,
            "interval",
            minutes=1,
            id=JOB_ID,
            replace_existing=True,
            next_run_time=self.clock.now(),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=300,
        )
        scheduler.start()
        return scheduler

    async def scheduled_pass(self) -> None:
        """One pass of the scheduler's, known to `finish` while it runs."""
        this = asyncio.current_task()
        if this is not None:
            self.passes.add(this)
            this.add_done_callback(self.passes.discard)
        await self.tick()

    async def finish(self, within: float = SHUTDOWN_WAIT) -> None:
        """Let the pass under way end (it may be sending) before the process does, up to
        `within` seconds: cancelled, it would stop between a claim and its sends, and the
        claimed prompts would wait for the next process to take them over."""
        if self.passes:
            _, late = await asyncio.wait(set(self.passes), timeout=within)
            if late:
                log.warning("a scheduling pass was still running after %.0f s; stopping", within)
