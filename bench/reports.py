"""Benchmark: the digest's and the dashboard's queries for 1,000 leaders with a year of records.

Seeds one workspace: 1,000 leaders (supervisors, managers, directors in three time zones), two
weekly commitments each, 52 weeks of prompts of which four in five are answered (done, partly,
not this week with a barrier; some notes, some shared), one log a month each; every leader is
in team North, and 50 of them came over from team South half-way through the year. Then times
(a) one team digest (`compute_digest` and its rendering), (b) the dashboard's figures for the
whole workspace over the year, (c) the same for team North alone, (d) the dashboard page
itself (figures and HTML) for the workspace over the year, and (e) the page as it first opens
for team North (the last 12 weeks). Prints the median of each over the rounds.

    python bench/reports.py [--leaders 1000] [--weeks 52] [--rounds 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from bot.core.catalog import Catalog, load_catalog
from bot.reports.digest import compute_digest
from bot.reports.digest_message import render_digest
from bot.reports.figures import build_report
from bot.reports.scope import Period, Scope
from bot.store.db import create_db_engine, migrate, normalize_url, session_factory
from bot.store.models import (
    Commitment,
    Person,
    Prompt,
    Record,
    Team,
    TeamMembership,
    Workspace,
)
from bot.web.dashboard import Viewer, render_page

# A Friday afternoon: the digest's usual moment, the last of the 52 weeks.
NOW = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
ZONES = ("America/Los_Angeles", "America/New_York", "UTC")
ROLES = ("supervisor", "supervisor", "supervisor", "manager", "director")
BEHAVIORS = ("6.a", "7.b", "3.a", "13.d", "4.a", "9.a", "10.a", "14.b", "1.a", "2.a")
BARRIERS = (
    "Court ran long all week",
    "Short-staffed: two vacancies in the unit",
    "A removal crisis on Tuesday",
    "Back-to-back meetings",
    "Caseload and deadlines",
    "Out sick",
)


def seed(engine: Engine, leaders: int, weeks: int) -> None:
    rng = random.Random(6)
    first_monday = (NOW - timedelta(weeks=weeks - 1)).date()
    first_monday -= timedelta(days=first_monday.weekday())
    start = datetime.combine(first_monday, datetime.min.time(), tzinfo=UTC)
    with engine.begin() as connection:
        workspace = connection.execute(
            insert(Workspace)
            .values(platform="bench", external_id="bench", created_at=start - timedelta(days=7))
            .returning(Workspace.id)
        ).scalar_one()
        north, south = (
            connection.execute(
                insert(Team)
                .values(
                    workspace_id=workspace,
                    name=name,
                    channel_ref=f"C-{name}",
                    timezone="America/Los_Angeles",
                    created_at=start - timedelta(days=7),
                )
                .returning(Team.id)
            ).scalar_one()
            for name in ("North", "South")
        )
        connection.execute(
            insert(Person),
            [
                {
                    "id": n + 1,
                    "workspace_id": workspace,
                    "platform_user_id": f"U{n:06d}",
                    "display_name": f"Leader {n:04d}",
                    "role": ROLES[n % len(ROLES)],
                    "is_leader": True,
                    "timezone": ZONES[n % len(ZONES)],
                    "created_at": start - timedelta(days=7),
                }
                for n in range(leaders)
            ],
        )
        halfway = start + timedelta(weeks=weeks // 2)
        memberships = []
        for person in range(1, leaders + 1):
            if person % 20 == 0:  # 50 in 1,000 moved from South to North half-way
                memberships.append((south, person, start - timedelta(days=7), halfway))
                memberships.append((north, person, halfway, None))
            else:
                memberships.append((north, person, start - timedelta(days=7), None))
        connection.execute(
            insert(TeamMembership),
            [
                {"team_id": t, "person_id": p, "started_at": s, "ended_at": e}
                for t, p, s, e in memberships
            ],
        )
        commitments = [
            {
                "id": person * 2 + k - 1,
                "person_id": person,
                "behavior_id": BEHAVIORS[(person + k * 3) % len(BEHAVIORS)],
                "started_at": start - timedelta(days=7),
            }
            for person in range(1, leaders + 1)
            for k in range(2)
        ]
        connection.execute(insert(Commitment), commitments)
        prompts: list[dict[str, object]] = []
        records: list[dict[str, object]] = []
        for week in range(weeks):
            monday = start + timedelta(weeks=week)
            for commitment in commitments:
                person = int(str(commitment["person_id"]))
                sent = monday + timedelta(hours=9 + (person % 3) * 3, minutes=person % 60)
                if sent > NOW:
                    continue
                prompt_id = len(prompts) + 1
                prompts.append(
                    {
                        "id": prompt_id,
                        "person_id": person,
                        "commitment_id": commitment["id"],
                        "behavior_id": commitment["behavior_id"],
                        "text": "Prompt",
                        "scheduled_for": sent,
                        "sent_at": sent,
                        "status": "answered",
                        "delivery_key": f"p:{prompt_id}",
                        "created_at": sent,
                    }
                )
                roll = rng.random()
                if roll < 0.2:
                    prompts[-1]["status"] = "expired"
                    continue
                outcome = "done" if roll < 0.65 else "partly" if roll < 0.85 else "not_this_week"
                noted = rng.random() < 0.3
                records.append(
                    {
                        "person_id": person,
                        "behavior_id": commitment["behavior_id"],
                        "prompt_id": prompt_id,
                        "outcome": outcome,
                        "note": "Did it with the unit" if noted else None,
                        "barrier": rng.choice(BARRIERS) if outcome == "not_this_week" else None,
                        "shared": noted and rng.random() < 0.3,
                        "source": "button",
                        "created_at": sent + timedelta(hours=rng.randint(1, 30)),
                    }
                )
            for person in range(1, leaders + 1):
                if week % 4 == person % 4:  # a log a month
                    records.append(
                        {
                            "person_id": person,
                            "behavior_id": "6.b",
                            "prompt_id": None,
                            "outcome": "done",
                            "note": "Thanked a worker by name",
                            "barrier": None,
                            "shared": False,
                            "source": "log",
                            "created_at": monday + timedelta(days=3, hours=person % 8),
                        }
                    )
        for chunk in range(0, len(prompts), 20_000):
            connection.execute(insert(Prompt), prompts[chunk : chunk + 20_000])
        for chunk in range(0, len(records), 20_000):
            connection.execute(insert(Record), records[chunk : chunk + 20_000])
    print(f"  seeded {leaders} leaders, {len(prompts)} prompts, {len(records)} records")


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(engine: Engine, catalog: Catalog, weeks: int) -> dict[str, float]:
    sessions = session_factory(engine)
    zone = ZoneInfo("America/Los_Angeles")
    year = Period.weeks_ending(NOW.astimezone(zone).date(), weeks, zone)
    with sessions() as session:
        north = session.query(Team).filter_by(name="North").one()
        workspace = north.workspace_id
        monday = NOW.astimezone(zone).date() - timedelta(days=NOW.astimezone(zone).weekday())
        viewer = Viewer(workspace_id=workspace, name="Bench", zone="UTC")
        return {
            "digest": timed(
                lambda: render_digest(
                    compute_digest(
                        session, catalog, north, monday, monday + timedelta(days=6), now=NOW
                    )
                )
            ),
            "dashboard (workspace)": timed(
                lambda: build_report(session, catalog, Scope(workspace_id=workspace), year, now=NOW)
            ),
            "dashboard (team North)": timed(
                lambda: build_report(
                    session,
                    catalog,
                    Scope(workspace_id=workspace, team_ids=(north.id,)),
                    year,
                    now=NOW,
                )
            ),
            "dashboard page (workspace, the year)": timed(
                lambda: render_page(
                    session,
                    catalog,
                    viewer,
                    {"from": year.start.isoformat(), "to": date(2026, 11, 27).isoformat()},
                    now=NOW,
                )
            ),
            "dashboard page (team North, default 12 weeks)": timed(
                lambda: render_page(session, catalog, viewer, {"team": str(north.id)}, now=NOW)
            ),
        }


def run(database_url: str | None, leaders: int, weeks: int, rounds: int) -> list[dict[str, float]]:
    """Each round's timings (seconds by name) on a fresh database, seeded and warmed up."""
    url, cleanup = database(database_url)
    try:
        engine = create_db_engine(url)
        migrate(engine)
        seed(engine, leaders, weeks)
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: statistics and the visibility map
            # (without which an index-only scan still reads the table).
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
        catalog = load_catalog()
        measure(engine, catalog, weeks)  # warm caches and compiled statements
        # As `serve` does once started: what the process holds by now is kept out of the
        # collector's full passes, which otherwise walk it now and then in a round (50-100 ms).
        gc.collect()
        gc.freeze()
        try:
            return [measure(engine, catalog, weeks) for _ in range(rounds)]
        finally:
            gc.unfreeze()
            engine.dispose()
    finally:
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--database-url", help="PostgreSQL URL; SQLite in a temp dir if unset")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs; medians shown")
    args = parser.parse_args()
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"reports, {args.leaders} leaders x {args.weeks} weeks, {backend}")
    rounds = run(args.database_url, args.leaders, args.weeks, args.rounds)
    for name in rounds[0]:
        runs = sorted(r[name] * 1000 for r in rounds)
        print(
            f"  {name}: median {statistics.median(runs):.0f} ms "
            f"(fastest {runs[0]:.0f}, slowest {runs[-1]:.0f})"
        )


def database(database_url: str | None) -> tuple[str, Callable[[], None]]:
    """A fresh database: a PostgreSQL schema of its own, or a SQLite file in a temp dir."""
    if not database_url:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", lambda: None
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
        admin.dispose()

    return url, cleanup


if __name__ == "__main__":
    main()
