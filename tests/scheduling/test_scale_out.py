"""Scale out, shown: two `followthrough serve` processes and a `followthrough tick` on one
PostgreSQL database deliver 5,000 prompts due in the same minute to leaders in ten Slack
workspaces (installed through OAuth, each with its own bot token), every one exactly once, and
the workspaces are served side by side rather than one after another."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.engine import make_url

from bot.scheduling.planner import STATE_NAME
from bot.store.db import create_db_engine, migrate, normalize_url
from bot.store.models import Commitment, Person, Prompt, SchedulerState, Workspace
from tests.conftest import PG_URL, PLATFORM_VARIABLES, FreshDatabase
from tests.platforms.slack.mock_web_api import Call, MockSlackWebAPI

pytestmark = pytest.mark.postgres

WORKSPACES = 10
LEADERS = 5000
CLIENT_ID = "1111.2222"
ROOT = Path(__file__).resolve().parents[2]
NAMES = ("serve-1", "serve-2", "tick")


def team(n: int) -> str:
    return f"T{n:04d}"


def token(team_id: str) -> str:
    return f"xoxb-{team_id}"


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A schema of its own on TEST_DATABASE_URL's server, dropped at the end."""
    if not PG_URL or make_url(normalize_url(PG_URL)).get_backend_name() != "postgresql":
        pytest.skip("TEST_DATABASE_URL does not point at PostgreSQL")
    databases = FreshDatabase("postgresql", tmp_path)
    yield databases.url()
    databases.close()


def enroll(url: str, due: datetime) -> Engine:
    """Ten Slack workspaces installed through OAuth, 500 leaders each, each leader with a
    commitment whose prompt is due at `due`, inserted in bulk. The prompts are planned here:
    the planner would plan them only if the wall clock's weekday and hour fitted a cadence
    (`test_real_processes` and the planner's tests show it plans each once), so it is told
    that this hour is planned already."""
    engine = create_db_engine(url)
    migrate(engine)
    # The installations' table, to install the workspaces into; the OAuth state table is left
    # for the serves to make as they start together (tests/platforms/slack/test_slack_setup.py).
    installations = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    installations.create_tables()  # type: ignore[no-untyped-call]
    long_ago = due - timedelta(days=30)
    with engine.begin() as connection:
        workspace_ids = connection.execute(
            insert(Workspace).returning(Workspace.id, sort_by_parameter_order=True),
            [
                {
                    "platform": "slack",
                    "external_id": team(n),
                    "name": f"Agency {n}",
                    "created_at": long_ago,
                }
                for n in range(WORKSPACES)
            ],
        ).scalars()
        connection.execute(
            insert(Person),
            [
                {
                    "workspace_id": workspace_id,
                    "platform_user_id": f"U{n:04d}{m:04d}",
                    "display_name": f"Leader {m} of agency {n}",
                    "role": "supervisor",
                    "is_leader": True,
                    "timezone": "UTC",
                    "created_at": long_ago,
                }
                for n, workspace_id in enumerate(workspace_ids)
                for m in range(LEADERS // WORKSPACES)
            ],
        )
        people = connection.execute(select(Person.id).order_by(Person.id)).scalars().all()
        commitments = connection.execute(
            insert(Commitment).returning(
                Commitment.id, Commitment.person_id, sort_by_parameter_order=True
            ),
            [{"person_id": p, "behavior_id": "6.a", "started_at": long_ago} for p in people],
        ).all()
        connection.execute(
            insert(Prompt),
            [
                {
                    "person_id": person_id,
                    "commitment_id": commitment_id,
                    "behavior_id": "6.a",
                    "text": "Did you thank a worker by name this week?",
                    "scheduled_for": due,
                    "delivery_key": f"{person_id}:{commitment_id}:{due:%Y%m%dT%H%M}",
                    "created_at": due,
                }
                for commitment_id, person_id in commitments
            ],
        )
        connection.execute(
            insert(SchedulerState).values(name=STATE_NAME, planned_until=due + timedelta(hours=1))
        )
    for n in range(WORKSPACES):
        installations.save(
            Installation(
                app_id="A0001",
                team_id=team(n),
                team_name=f"Agency {n}",
                bot_token=token(team(n)),
                bot_id=f"B{n:04d}",
                bot_user_id=f"UBOT{n:04d}",
                bot_scopes="chat:write,im:write",
                user_id=f"UADMIN{n:04d}",
                installed_at=long_ago.timestamp(),
            )
        )
    return engine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(url: str, slack_api: MockSlackWebAPI, log: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in PLATFORM_VARIABLES}
    env.update(
        DATABASE_URL=url,
        PYTHONPATH=str(ROOT),
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="client-secret",
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5",
        SLACK_API_URL=slack_api.url,
        FOLLOWTHROUGH_SECRET="scale-out-test-secret-0123456789abcdef",
        HOST="127.0.0.1",
        PORT=str(free_port()),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )


def sent(engine: Engine) -> int:
    with engine.connect() as connection:
        count = connection.scalar(
            select(func.count()).select_from(Prompt).where(Prompt.status == "sent")
        )
    return int(count or 0)


def sends_logged(log: Path) -> int:
    """What a process's passes sent, as it logged them."""
    return sum(int(n) for n in re.findall(r"PassResult\(sent=(\d+)", log.read_text()))


def workspace_of(post: Call) -> str:
    """The team whose token made this post (the mock tells workspaces apart by token)."""
    return post.headers["Authorization"].removeprefix("Bearer xoxb-")


def test_two_serves_and_a_tick_send_5000_prompts_in_10_workspaces_once_each_side_by_side(
    postgres_url: str, tmp_path: Path
) -> None:
    # The wall clock's minute: `serve` runs its passes on the wall clock, so that is when the
    # prompts are due.
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    engine = enroll(postgres_url, due)
    with MockSlackWebAPI() as slack_api:
        started = time.monotonic()
        processes = [
            start(postgres_url, slack_api, tmp_path / f"{NAMES[0]}.log", "serve"),
            start(postgres_url, slack_api, tmp_path / f"{NAMES[1]}.log", "serve"),
            start(
                postgres_url,
                slack_api,
                tmp_path / f"{NAMES[2]}.log",
                "tick",
                # The wall clock's moment too, so its claims look no older than the serves'.
                "--at",
                datetime.now(UTC).isoformat(),
            ),
        ]
        try:
            # Only a guard against a hang: on a quiet two-core machine it takes about a minute.
            deadline = started + 150
            while sent(engine) < LEADERS and time.monotonic() < deadline:
                for process, name in zip(processes, NAMES[:2], strict=False):
                    assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
                time.sleep(0.2)
            took = time.monotonic() - started
            tick = processes[2]
            assert tick.wait(timeout=30) == 0, (tmp_path / "tick.log").read_text()
            # A serve logs what its pass sent once the pass's reminders and digests are done.
            shares: dict[str, int] = {}
            for _ in range(50):
                shares = {name: sends_logged(tmp_path / f"{name}.log") for name in NAMES}
                if sum(shares.values()) == LEADERS:
                    break
                time.sleep(0.1)
        finally:
            for process in processes[:2]:
                process.terminate()
            for process in processes[:2]:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        posts = slack_api.calls_to("chat.postMessage")

    # Every due prompt sent exactly once: 5,000 posts, one per delivery, each marked sent once.
    keys = Counter(post.params["metadata"]["event_payload"]["key"] for post in posts)
    assert len(posts) == LEADERS
    assert len(keys) == LEADERS
    with engine.connect() as connection:
        statuses = dict(
            connection.execute(select(Prompt.status, func.count()).group_by(Prompt.status)).all()
        )
        message_ids = connection.scalar(
            select(func.count(func.distinct(Prompt.platform_message_id)))
        )
    assert statuses == {"sent": LEADERS}
    assert message_ids == LEADERS
    # Each workspace's leaders were reached with that workspace's own token.
    for post in posts:
        leader = str(post.params["channel"]).removeprefix("D")
        assert leader[:4] == workspace_of(post)[1:], post.params["channel"]
    assert Counter(map(workspace_of, posts)) == {team(n): LEADERS // WORKSPACES for n in range(10)}
    # Side by side: every stretch of 500 posts (a tenth of them) reaches every workspace,
    # where one workspace after another would reach one or two.
    stretches = [posts[start : start + 500] for start in range(0, LEADERS, 500)]
    assert [len(set(map(workspace_of, stretch))) for stretch in stretches] == [WORKSPACES] * 10

    print(f"\n{LEADERS} prompts in {WORKSPACES} workspaces: {took:.1f} s; sent by {shares}")
    engine.dispose()
