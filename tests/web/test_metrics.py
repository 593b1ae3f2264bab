"""`GET /metrics`: Prometheus text with request latency by route, what scheduling passes did,
and the outbox's backlog read from the database when scraped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import REGISTRY

from bot.web.metrics import count_pass
from tests.web.local_chat import LocalChat, prompt_sam_due


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def scrape(chat: LocalChat) -> str:
    response = await chat.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return await response.text()


async def test_requests_are_timed_by_route_not_by_path(
    fresh_url: str, open_chat: Callable[..., Awaitable[LocalChat]]
) -> None:
    chat = await open_chat(fresh_url)
    before = sample(
        "followthrough_http_request_duration_seconds_count",
        route="/local/api/conversations/{name}",
        method="GET",
        status="200",
    )

    await chat.client.get("/local/api/conversations/dm:1")
    text = await scrape(chat)

    assert "dm:1" not in text
    after = sample(
        "followthrough_http_request_duration_seconds_count",
        route="/local/api/conversations/{name}",
        method="GET",
        status="200",
    )
    assert after == before + 1


async def test_the_backlog_and_the_passes_are_counted(
    fresh_url: str, open_chat: Callable[..., Awaitable[LocalChat]]
) -> None:
    chat = await open_chat(fresh_url)
    await prompt_sam_due(chat)

    waiting = await scrape(chat)
    sent_before = sample("followthrough_scheduling_outcomes_total", outcome="sent")
    scheduling = chat.services.scheduling()
    scheduling.observe = count_pass
    await scheduling.tick()
    after_pass = await scrape(chat)

    assert "followthrough_outbox_due 1.0" in waiting
    assert "followthrough_outbox_oldest_due_seconds 600.0" in waiting
    assert "followthrough_outbox_due 0.0" in after_pass
    assert sample("followthrough_scheduling_outcomes_total", outcome="sent") == sent_before + 1
