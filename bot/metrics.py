"""The service's Prometheus instruments that the work itself counts (handlers, scheduling,
platform edges), in a module of their own so that none of them imports the web layer;
`bot.web.metrics` serves them at GET /metrics with its own (request latency, scheduling
passes, the outbox's backlog)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Histogram

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0

DATABASE_UNAVAILABLE = Counter(
    "followthrough_database_unavailable_total",
    "Requests the database could not take (nothing of them was kept).",
)
PROMPTS_ANSWERED = Counter(
    "followthrough_prompts_answered_total",
    "Prompts answered: records made from a prompt's answer (an edit of one is not counted).",
    ["outcome"],
)
ANSWER_LATENCY = Histogram(
    "followthrough_answer_latency_seconds",
    "From a prompt sent to its answer recorded.",
    buckets=(
        MINUTE,
        5 * MINUTE,
        15 * MINUTE,
        HOUR,
        4 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        4 * DAY,
        7 * DAY,
    ),
)
PLATFORM_RATE_LIMITED = Counter(
    "followthrough_platform_rate_limited_total",
    "Platform calls the outbox made that the platform refused for now with a Retry-After "
    "(HTTP 429).",
    ["platform"],
)
PLATFORM_RETRIES = Counter(
    "followthrough_platform_retries_total",
    "Platform calls the outbox made again after a transient failure.",
    ["platform"],
)


# Every series a dashboard or an alert asks for exists from the start, at zero: a series that
# appears only with its first event reads as "no data" rather than "none yet".
for _outcome in ("done", "partly", "not_this_week"):
    PROMPTS_ANSWERED.labels(_outcome)


def expect_platforms(names: Iterable[str]) -> None:
    """The per-platform series, at zero, for each platform this process sends through."""
    for name in names:
        PLATFORM_RATE_LIMITED.labels(name)
        PLATFORM_RETRIES.labels(name)


def count_answer(outcome: str, sent_at: datetime | None, recorded_at: datetime) -> None:
    """A record made from a prompt's answer, and how long after the prompt was sent."""
    PROMPTS_ANSWERED.labels(outcome).inc()
    if sent_at is not None:
        ANSWER_LATENCY.observe(max(0.0, (recorded_at - sent_at).total_seconds()))
