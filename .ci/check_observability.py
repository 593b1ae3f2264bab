"""Check deploy/prometheus's rule files and deploy/grafana's dashboards: the structure
Prometheus and Grafana load (unknown or missing fields refused), and every query parsed by
a real PromQL parser (promql-parser, the Rust parser's Python binding), since no promtool
comes from a package registry.

    python .ci/check_observability.py RULES.yaml... DASHBOARD.json...
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import promql_parser
import yaml

# Prometheus' duration syntax: units largest first, each at most once (`1h30m`, `5m`).
DURATION = re.compile(r"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$")
GROUP_FIELDS = {"name", "interval", "limit", "query_offset", "labels", "rules"}
ALERT_FIELDS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
RECORD_FIELDS = {"record", "expr", "labels"}
# Grafana's own variables stand in for a range in a query; any range parses the same.
GRAFANA_RANGES = re.compile(r"\$__(rate_interval|interval|range)")


def check_duration(value: Any, where: str) -> list[str]:
    if not isinstance(value, str) or not value or not DURATION.match(value):
        return [f"{where}: {value!r} is not a Prometheus duration (e.g. 5m, 1h30m)"]
    return []


def check_query(expr: Any, where: str) -> list[str]:
    if not isinstance(expr, str) or not expr.strip():
        return [f"{where}: the query is missing or empty"]
    try:
        promql_parser.parse(GRAFANA_RANGES.sub("5m", expr))
    except ValueError as error:
        return [f"{where}: PromQL does not parse: {error}"]
    return []


def check_rules(path: Path) -> list[str]:
    problems: list[str] = []
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict) or set(document) != {"groups"}:
        return [f"{path}: a rule file holds exactly one key, groups"]
    names: set[str] = set()
    for g, group in enumerate(document["groups"]):
        where = f"{path}: groups[{g}]"
        if not isinstance(group, dict) or not {"name", "rules"} <= set(group):
            problems.append(f"{where}: a group needs a name and rules")
            continue
        problems += [f"{where}: unknown field {key}" for key in set(group) - GROUP_FIELDS]
        if group["name"] in names:
            problems.append(f"{where}: group name {group['name']} is used twice")
        names.add(group["name"])
        if "interval" in group:
            problems += check_duration(group["interval"], f"{where}.interval")
        alerts: set[str] = set()
        for r, rule in enumerate(group["rules"]):
            here = f"{where}.rules[{r}]"
            kind = "alert" if "alert" in rule else "record" if "record" in rule else None
            if kind is None or ("alert" in rule and "record" in rule):
                problems.append(f"{here}: a rule is either an alert or a record")
                continue
            allowed = ALERT_FIELDS if kind == "alert" else RECORD_FIELDS
            problems += [f"{here}: unknown field {key}" for key in set(rule) - allowed]
            problems += check_query(rule.get("expr"), f"{here} ({rule[kind]})")
            for key in ("for", "keep_firing_for"):
                if key in rule:
                    problems += check_duration(rule[key], f"{here}.{key}")
            if kind == "alert":
                if rule["alert"] in alerts:
                    problems.append(f"{here}: alert {rule['alert']} is defined twice")
                alerts.add(rule["alert"])
                annotations = rule.get("annotations") or {}
                missing = {"summary", "description"} - set(annotations)
                if missing:
                    problems.append(f"{here} ({rule['alert']}): no {', '.join(sorted(missing))}")
                for key, text in {**annotations, **(rule.get("labels") or {})}.items():
                    if str(text).count("{{") != str(text).count("}}"):
                        problems.append(f"{here} ({rule['alert']}): unbalanced braces in {key}")
    return problems


def check_dashboard(path: Path) -> list[str]:
    try:
        dashboard = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        return [f"{path}: not JSON: {error}"]
    problems: list[str] = []
    for key in ("title", "uid", "panels", "schemaVersion"):
        if key not in dashboard:
            problems.append(f"{path}: no {key}")
    variables = {v["name"] for v in dashboard.get("templating", {}).get("list", [])}
    ids: set[int] = set()
    for p, panel in enumerate(dashboard.get("panels", [])):
        where = f"{path}: panels[{p}] ({panel.get('title', 'untitled')})"
        for key in ("id", "type", "title", "gridPos", "targets"):
            if key not in panel:
                problems.append(f"{where}: no {key}")
        if panel.get("id") in ids:
            problems.append(f"{where}: id {panel.get('id')} is used twice")
        ids.add(panel.get("id"))
        for target in panel.get("targets", []):
            problems += check_query(target.get("expr"), f"{where} target {target.get('refId')}")
            uid = str(target.get("datasource", {}).get("uid", ""))
            if uid.startswith("${") and uid[2:-1] not in variables:
                problems.append(f"{where}: data source variable {uid} is not defined")
    return problems


def main(paths: list[str]) -> int:
    problems: list[str] = []
    for name in paths:
        path = Path(name)
        problems += check_dashboard(path) if path.suffix == ".json" else check_rules(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"ok: {', '.join(paths)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
