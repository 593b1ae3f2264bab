"""`followthrough doctor`: passes on a healthy setup, and on each thing that is wrong says what
it found and what to do (a fresh folder, an empty or unknown schema, an unreachable database,
a refused or unreachable Slack, a weak secret, a clock out of step with the database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.core.clock import SetClock
from bot.doctor import run_checks
from bot.store.db import create_db_engine
from tests.browser.server import free_port
from tests.cli.conftest import Database, Invoke
from tests.platforms.slack.mock_web_api import MockSlackWebAPI

STRONG = "kq3Z9v-Lr8WmXbT1sYfA0pDhNeC7uJgQ2oVi5tKw6xE"


@pytest.fixture
def slack_api() -> Iterator[MockSlackWebAPI]:
    with MockSlackWebAPI() as api:
        yield api


def slack(api_url: str) -> dict[str, str | None]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
        "SLACK_API_URL": api_url,
    }


def test_a_healthy_setup_passes_every_check(
    db: Database, invoke: Invoke, slack_api: MockSlackWebAPI
) -> None:
    result = invoke(
        "doctor", DATABASE_URL=db.url, FOLLOWTHROUGH_SECRET=STRONG, **slack(slack_api.url)
    )
    assert result.exit_code == 0, result.output
    assert "[ok ] database: reachable, schema" in result.output
    assert "[ok ] clock:" in result.output
    assert "[ok ] catalog: 16 behaviors, 41 items" in result.output
    assert "[ok ] Slack token: workspace Agency" in result.output
    assert "[ok ] FOLLOWTHROUGH_SECRET: set, strong enough" in result.output
    assert "FAIL" not in result.output


def test_a_refused_slack_token_says_where_to_find_the_right_one(
    db: Database, invoke: Invoke, slack_api: MockSlackWebAPI
) -> None:
    slack_api.fail("auth.test", error="invalid_auth")
    result = invoke(
        "doctor", DATABASE_URL=db.url, FOLLOWTHROUGH_SECRET=STRONG, **slack(slack_api.url)
    )
    assert result.exit_code == 1
    assert (
        "[FAIL] Slack token: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User "
        "OAuth Token (xoxb-…) from the app's OAuth & Permissions page"
    ) in result.output


def test_slack_out_of_reach_is_named_with_the_address_tried(db: Database, invoke: Invoke) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"
    result = invoke("doctor", DATABASE_URL=db.url, FOLLOWTHROUGH_SECRET=STRONG, **slack(nowhere))
    assert result.exit_code == 1
    assert f"[FAIL] Slack token: cannot reach Slack at {nowhere}" in result.output
    assert "Check SLACK_API_URL" in result.output


def test_an_unreachable_database_is_named_without_its_password(invoke: Invoke) -> None:
    port = free_port()
    url = f"postgresql+psycopg://followthrough:hunter2secret@127.0.0.1:{port}/agency"
    result = invoke("doctor", DATABASE_URL=url, FOLLOWTHROUGH_SECRET=STRONG)
    assert result.exit_code == 1
    assert (
        f"[FAIL] database: cannot connect to postgresql+psycopg://followthrough:***@127.0.0.1:"
        f"{port}/agency:"
    ) in result.output
    assert "Check DATABASE_URL, and that the database server is running" in result.output
    assert "hunter2secret" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", ["not a url", "mysql://followthrough@db/agency"])
def test_a_database_url_it_cannot_use_is_named_with_the_forms_it_takes(
    invoke: Invoke, url: str
) -> None:
    result = invoke("doctor", DATABASE_URL=url, FOLLOWTHROUGH_SECRET=STRONG)
    assert result.exit_code == 1
    assert "[FAIL] database: DATABASE_URL can't be used: " in result.output
    assert "It takes sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST" in result.output
    assert "[ok ] catalog" in result.output  # the other checks still run


def test_in_a_fresh_folder_it_says_how_to_start_and_creates_nothing(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("doctor", DATABASE_URL="sqlite:///followthrough.db")
    assert result.exit_code == 1
    assert (
        "[FAIL] database: no database file at followthrough.db yet: `followthrough serve` "
        "creates it on start, or run `followthrough migrate`"
    ) in result.output
    assert "None" not in result.output
    assert not (tmp_path / "followthrough.db").exists()


def test_an_empty_database_is_told_to_migrate(fresh_url: str, invoke: Invoke) -> None:
    create_db_engine(fresh_url).dispose()
    Path("empty.db").touch()  # SQLite's file exists but holds no tables
    url = fresh_url if fresh_url.startswith("postgresql") else "sqlite:///empty.db"
    result = invoke("doctor", DATABASE_URL=url, FOLLOWTHROUGH_SECRET=STRONG)
    assert result.exit_code == 1
    assert (
        "[FAIL] database schema: empty, no tables yet: `followthrough serve` creates it on "
        "start, or run `followthrough migrate`"
    ) in result.output


def test_a_schema_from_a_newer_version_is_named(db: Database, invoke: Invoke) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed1234'"))
    result = invoke("doctor", DATABASE_URL=db.url, FOLLOWTHROUGH_SECRET=STRONG)
    assert result.exit_code == 1
    assert (
        "[FAIL] database schema: at f00dfeed1234, which this version of Follow-Through does "
        "not know: a newer version migrated it."
    ) in result.output


@pytest.mark.parametrize(
    ("secret", "found"),
    [
        ("short-secret", "it is only 12 bytes, short enough to guess"),
        ("k" * 40, "it is made of only 1 distinct character, like a pattern or a placeholder"),
        ("abcd" * 10, "it is made of only 4 distinct characters, like a pattern or a placeholder"),
        ("CHANGE-ME-at-least-32-random-bytes", "it is still the placeholder from the example"),
        ("REPLACE-ME-at-least-32-random-bytes", "it is still the placeholder from the example"),
    ],
)
def test_a_weak_secret_fails_in_any_environment(
    db: Database, invoke: Invoke, secret: str, found: str
) -> None:
    for environment in ("development", "production"):
        result = invoke(
            "doctor",
            DATABASE_URL=db.url,
            FOLLOWTHROUGH_SECRET=secret,
            FOLLOWTHROUGH_ENV=environment,
            PUBLIC_URL="https://followthrough.agency.org",
        )
        assert result.exit_code == 1, environment
        assert (
            "[FAIL] FOLLOWTHROUGH_SECRET: FOLLOWTHROUGH_SECRET needs at least 32" in result.output
        )
        assert found in result.output
        assert "secrets.token_urlsafe(32)" in result.output


def test_no_secret_is_fine_for_a_trial_but_not_for_production(db: Database, invoke: Invoke) -> None:
    trial = invoke("doctor", DATABASE_URL=db.url, FOLLOWTHROUGH_SECRET=None)
    assert trial.exit_code == 0, trial.output
    assert "[ok ] FOLLOWTHROUGH_SECRET: not set: a new random one each start" in trial.output
    production = invoke(
        "doctor",
        DATABASE_URL=db.url,
        FOLLOWTHROUGH_SECRET=None,
        FOLLOWTHROUGH_ENV="production",
        PUBLIC_URL="https://followthrough.agency.org",
    )
    assert production.exit_code == 1
    assert (
        "[FAIL] FOLLOWTHROUGH_SECRET: FOLLOWTHROUGH_SECRET needs at least 32" in production.output
    )


def test_teams_settings_that_cannot_work_are_named(invoke: Invoke, db: Database) -> None:
    result = invoke(
        "doctor",
        DATABASE_URL=db.url,
        MICROSOFT_APP_ID="not-a-guid",
        MICROSOFT_APP_TYPE="SingleTenant",
        SLACK_BOT_TOKEN=None,
    )
    assert result.exit_code == 1
    assert "[FAIL] Teams app id: not-a-guid" in result.output
    assert "[FAIL] Teams tenant: MICROSOFT_APP_TENANT_ID is required" in result.output
    assert "[FAIL] Teams password" in result.output


def test_a_clock_out_of_step_with_the_database_fails(db: Database) -> None:
    settings = Settings(database_url=db.url, secret_key=STRONG)
    if not db.url.startswith("postgresql"):
        (clock,) = [check for check in run_checks(settings) if check.what == "clock"]
        assert clock.ok
        assert clock.detail.endswith("UTC (SQLite keeps no clock of its own)")
        return
    with db.engine.connect() as connection:
        database_now = connection.execute(text("SELECT now()")).scalar_one()
    ahead = run_checks(settings, clock=SetClock(database_now + timedelta(seconds=90)))
    (clock,) = [check for check in ahead if check.what == "clock"]
    assert not clock.ok
    assert clock.detail.startswith("this machine's clock is 90 s ahead of the database's")
    in_step = run_checks(settings, clock=SetClock(database_now))
    (clock,) = [check for check in in_step if check.what == "clock"]
    assert clock.ok, clock.detail
