"""The alert rules (deploy/prometheus) and the dashboard (deploy/grafana) ask only for
metrics the service really exposes, and the dashboard shows every one of them. Compared
against a live scrape of /metrics after a request and a scheduling pass that sent a prompt,
so a renamed metric, or one added without its panel, fails here. (.ci/lint-deploy checks
the files' syntax and structure.)"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import yaml

from bot.web.metrics import count_pass
from tests.web.local_chat import LocalChat, prompt_sam_due

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NAME = re.compile(r"\bfollowthrough_[A-Za-z0-9_]+")


def alert_queries() -> dict[str, str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    return {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}


def dashboard_queries() -> dict[str, str]:
    dashboard = json.loads((DEPLOY / "grafana" / "followthrough.json").read_text())
    return {
        f"{panel['title']} {target['refId']}": target["expr"]
        for panel in dashboard["panels"]
        for target in panel["targets"]
    }


async def scrape_after_a_pass(chat: LocalChat) -> str:
    """/metrics once a request was timed and a pass sent a prompt, so each labelled series
    has a sample to show."""
    await prompt_sam_due(chat)
    scheduling = chat.services.scheduling()
    scheduling.observe = count_pass
    result = await scheduling.tick()
    assert result.delivered.sent == 1
    response = await chat.client.get("/metrics")
    assert response.status == 200
    return await response.text()


def sample_names(exposition: str) -> set[str]:
    """The names of the samples in Prometheus' text format (`x_bucket`, `x_total`, …): what a
    query can select."""
    return {
        re.split(r"[{ ]", line, maxsplit=1)[0]
        for line in exposition.splitlines()
        if line.startswith("followthrough_")
    }


def family_names(exposition: str) -> set[str]:
    """The metric families (`# TYPE name kind`), a histogram's or counter's samples under one;
    not the `_created` timestamps prometheus-client adds beside counters and histograms."""
    return {
        line.split()[2]
        for line in exposition.splitlines()
        if line.startswith("# TYPE followthrough_") and not line.split()[2].endswith("_created")
    }


def family_of(sample: str, families: set[str]) -> str:
    for suffix in ("_bucket", "_count", "_sum", ""):
        if sample.endswith(suffix) and sample.removesuffix(suffix) in families:
            return sample.removesuffix(suffix)
    return sample


async def test_every_metric_the_alerts_and_the_dashboard_ask_for_is_exposed(
    fresh_url: str, open_chat: Callable[..., Awaitable[LocalChat]]
) -> None:
    exposed = sample_names(await scrape_after_a_pass(await open_chat(fresh_url)))
    queries = {**alert_queries(), **dashboard_queries()}

    unknown = {
        where: sorted(set(NAME.findall(expr)) - exposed)
        for where, expr in queries.items()
        if set(NAME.findall(expr)) - exposed
    }

    assert unknown == {}, f"not in /metrics (exposed: {sorted(exposed)})"
    assert all(NAME.search(expr) for expr in alert_queries().values())


async def test_the_dashboard_shows_every_metric_the_service_exposes(
    fresh_url: str, open_chat: Callable[..., Awaitable[LocalChat]]
) -> None:
    exposition = await scrape_after_a_pass(await open_chat(fresh_url))
    families = family_names(exposition)
    shown = {
        family_of(name, families)
        for expr in dashboard_queries().values()
        for name in NAME.findall(expr)
    }

    assert families - shown == set()
    assert "followthrough_outbox_oldest_due_seconds" in families  # the scrape read the outbox
