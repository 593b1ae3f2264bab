"""Every benchmark, on SQLite and on PostgreSQL, in one table beside issue 13's aims.

Runs, on each database: the request path against a bare Bolt app (request_path.py), the
scheduling pass for 10,000 leaders against bare sends (scheduling_pass.py), and the digest and
dashboard for 1,000 leaders over a year (reports.py); then prints one Markdown table. Each
figure comes with its baseline from the same run where there is one. Takes several minutes.

    python bench/all.py [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Without --database-url only SQLite runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass

import reports
import request_path
import scheduling_pass


@dataclass(frozen=True)
class Row:
    what: str
    aim: str
    figures: dict[str, str]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def request_rows(database_url: str | None) -> list[tuple[str, str, str]]:
    run = asyncio.run(request_path.measure(database_url, 2000, 50))
    bare, ask, log = (
        run.scenarios[k] for k in ("bare Bolt", "Follow-Through help", "Follow-Through log")
    )
    return [
        (
            "`help` p50 (bare Bolt's)",
            "within 2x",
            f"{ms(ask.p50)} ({ms(bare.p50)}, {ask.p50 / bare.p50:.1f}x)",
        ),
        ("`help` p99", "under 100 ms", ms(ask.p99)),
        ("`help` requests/s (bare Bolt's)", "", f"{ask.per_second:,.0f} ({bare.per_second:,.0f})"),
        (
            "`help` server CPU per request (bare Bolt's)",
            "",
            f"{ask.cpu_ms:.2f} ms ({bare.cpu_ms:.2f} ms, {ask.cpu_ms / bare.cpu_ms:.1f}x)",
        ),
        ("`log` p99 (writes)", "under 150 ms", ms(log.p99)),
        ("`log` server CPU per request", "", f"{log.cpu_ms:.2f} ms"),
        ("start to /readyz, migrated database", "under 1 s", f"{run.restart:.2f} s"),
        (
            "serve's memory after the run (10,000 leaders enrolled)",
            "under 150 MB with 10,000",
            f"{run.resident_mb:.0f} MB",
        ),
    ]


def scheduling_rows(database_url: str | None) -> list[tuple[str, str, str]]:
    rounds = [scheduling_pass.one_round(database_url, 10_000) for _ in range(3)]
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    return [
        (
            "pass for 10,000 leaders (pass / bare sends)",
            "within 2x",
            f"{median['pass_seconds']:.2f} s ({median['ratio']:.2f}x)",
        ),
        ("pass peak memory", "under 250 MB", f"{max(r['peak_rss_mb'] for r in rounds):.0f} MB"),
    ]


def report_rows(database_url: str | None) -> list[tuple[str, str, str]]:
    rounds = reports.run(database_url, 1000, 52, 5)
    return [
        (
            f"{name}, 1,000 leaders x 52 weeks (median of 5)",
            "under 200 ms",
            ms(statistics.median(r[name] for r in rounds)),
        )
        for name in rounds[0]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL too, at this URL")
    arguments = parser.parse_args()
    databases: dict[str, str | None] = {"SQLite": None}
    if arguments.database_url:
        databases["PostgreSQL"] = arguments.database_url
    rows: dict[str, Row] = {}
    for name, url in databases.items():
        for measure in (request_rows, scheduling_rows, report_rows):
            for what, aim, figure in measure(url):
                rows.setdefault(what, Row(what, aim, {})).figures[name] = figure
    print("| | " + " | ".join(databases) + " | aim |")
    print("| --- | " + " | ".join("---" for _ in databases) + " | --- |")
    for row in rows.values():
        cells = " | ".join(row.figures.get(name, "") for name in databases)
        print(f"| {row.what} | {cells} | {row.aim} |")


if __name__ == "__main__":
    main()
