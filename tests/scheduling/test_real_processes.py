"""Real `followthrough tick` processes: killed with SIGKILL mid-pass and restarted, or two at
once on one database — every one of 2,000 prompts is delivered exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from bot.store.db import create_db_engine, migrate
from bot.store.models import Commitment, LocalMessage, Person, Prompt, Workspace
from tests.conftest import FreshDatabase

LEADERS = 2000


def _a_monday_long_ago() -> datetime:
    """A Monday 09:00 UTC (every seeded leader, in UTC on the default cadence, is due) more
    than a year before today: the passes run `--at` moments far from the wall clock, so any
    decision that read the wall clock instead of the pass's moment would show here, on any
    date the suite runs."""
    day = (datetime.now(UTC) - timedelta(days=400)).date()
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)


DUE = _a_monday_long_ago()


def seed(url: str) -> Engine:
    engine = create_db_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        workspace_id = connection.execute(
            insert(Workspace)
            .values(
                platform="local",
                external_id="local",
                name="Local chat",
                created_at=DUE - timedelta(days=30),
            )
            .returning(Workspace.id)
        ).scalar_one()
        connection.execute(
            insert(Person),
            [
                {
                    "workspace_id": workspace_id,
                    "platform_user_id": f"leader{n}@agency.org",
                    "display_name": f"Leader {n}",
                    "role": "supervisor",
                    "is_leader": True,
                    "timezone": "UTC",
                    "created_at": DUE - timedelta(days=30),
                }
                for n in range(LEADERS)
            ],
        )
        people = connection.execute(select(Person.id)).scalars().all()
        connection.execute(
            insert(Commitment),
            [
                {"person_id": p, "behavior_id": "6.a", "started_at": DUE - timedelta(days=30)}
                for p in people
            ],
        )
    return engine


def tick(url: str, at: datetime) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "tick", "--at", at.isoformat()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def delivered(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(LocalMessage))
        distinct = connection.scalar(select(func.count(func.distinct(LocalMessage.prompt_id))))
    return int(total or 0), int(distinct or 0)


def assert_each_prompt_sent_once(engine: Engine) -> None:
    with engine.connect() as connection:
        statuses = dict(
            connection.execute(select(Prompt.status, func.count()).group_by(Prompt.status)).all()
        )
    assert statuses == {"sent": LEADERS}
    assert delivered(engine) == (LEADERS, LEADERS)


def test_sigkill_in_the_middle_of_a_pass_then_restart_sends_each_prompt_once(
    databases: FreshDatabase,
) -> None:
    url = databases.url()
    engine = seed(url)
    first = tick(url, DUE + timedelta(seconds=30))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        sent, _ = delivered(engine)
        if sent >= LEADERS // 10:
            break
        assert first.poll() is None, first.communicate()[0]
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    sent_before_restart, _ = delivered(engine)
    assert 0 < sent_before_restart < LEADERS, "the kill should land in the middle of the pass"
    # Restarted after the claim lease (two minutes) has run out for the dead process's claims.
    second = tick(url, DUE + timedelta(minutes=3))
    output, _ = second.communicate(timeout=180)
    assert second.returncode == 0, output
    assert_each_prompt_sent_once(engine)
    engine.dispose()


def test_two_processes_on_one_database_send_each_prompt_once(databases: FreshDatabase) -> None:
    url = databases.url()
    engine = seed(url)
    at = DUE + timedelta(seconds=30)
    workers = [tick(url, at), tick(url, at)]
    outputs = [worker.communicate(timeout=180)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert_each_prompt_sent_once(engine)
    engine.dispose()
