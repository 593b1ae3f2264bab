"""`GET /metrics` in Prometheus' text format: request latency by route, what each scheduling
pass did, how long passes take, and, read from the database when scraped, the outbox's backlog
and how late its oldest due prompt is; with them, what the work counts itself (`bot.metrics`:
database outages, answers and their latency, platforms' rate limits and retries)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock
from bot.core.states import PromptStatus
from bot.scheduling.runner import TickResult
from bot.services import SERVICES_KEY
from bot.store.models import Prompt

REQUEST_SECONDS = Histogram(
    "followthrough_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ["route", "method", "status"],
)
PASS_SECONDS = Histogram(
    "followthrough_scheduling_pass_duration_seconds", "Time one scheduling pass took."
)
PASS_OUTCOMES = Counter(
    "followthrough_scheduling_outcomes_total",
    "What scheduling passes did: prompts planned, missed, sent, failed, retried, reminded, "
    "expired, and digests posted.",
    ["outcome"],
)
# Whether this process's passes are expected: with SCHEDULER=external the web processes run
# none, and an alert on "no pass lately" must not fire for them.
SCHEDULER_IN_PROCESS = Gauge(
    "followthrough_scheduler_in_process",
    "1 while this process runs the scheduling passes itself (SCHEDULER=in-process), else 0.",
)


def count_pass(result: TickResult, seconds: float) -> None:
    """Record one scheduling pass."""
    PASS_SECONDS.observe(seconds)
    planned, delivered = result.planned, result.delivered
    for outcome, number in (
        ("planned", planned.pending),
        ("missed", planned.missed),
        ("sent", delivered.sent),
        ("failed", delivered.failed),
        ("retried", delivered.retried),
        ("reminded", delivered.reminded),
        ("expired", delivered.expired),
        ("digests", delivered.digests),
        ("summaries", delivered.summaries),
        ("notices", delivered.notices),
    ):
        if number:
            PASS_OUTCOMES.labels(outcome).inc(number)


class OutboxBacklog(Collector):
    """Prompts due and not yet sent, and how long the oldest has waited (scheduling lag)."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock.now()
        with self.sessions() as session:
            due, oldest = session.execute(
                select(func.count(), func.min(Prompt.scheduled_for)).where(
                    Prompt.status == PromptStatus.PENDING, Prompt.scheduled_for <= now
                )
            ).one()
        yield GaugeMetricFamily(
            "followthrough_outbox_due", "Prompts due and not yet sent.", value=due
        )
        yield GaugeMetricFamily(
            "followthrough_outbox_oldest_due_seconds",
            "How long the oldest prompt due and not yet sent has waited.",
            value=_age(oldest, now),
        )


def _age(moment: datetime | None, now: datetime) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - moment).total_seconds())


@web.middleware
async def timed(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every request's latency, by its route's pattern (never the raw path: ids stay out)."""
    started = asyncio.get_running_loop().time()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as refused:
        status = refused.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        REQUEST_SECONDS.labels(route, request.method, str(status)).observe(
            asyncio.get_running_loop().time() - started
        )


async def metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    backlog = CollectorRegistry(auto_describe=False)
    backlog.register(OutboxBacklog(services.sessions, services.clock))

    def scrape() -> bytes:
        return generate_latest(REGISTRY) + generate_latest(backlog)

    body = await asyncio.to_thread(scrape)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_metrics(app: web.Application) -> None:
    app.middlewares.append(timed)
    app.router.add_get("/metrics", metrics)
