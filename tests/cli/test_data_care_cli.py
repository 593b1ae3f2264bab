"""Data care from the terminal: `followthrough purge`, `forget` and `audit`. The commands read
the service's clock, so the moments here are taken from it too."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.core.clock import SystemClock
from bot.store.models import AuditEvent, Person, Record
from tests.cli.conftest import ADMIN, Database, Invoke, Run

NOW = SystemClock().now()
LONG_AGO = NOW - timedelta(days=40)
LATELY = NOW - timedelta(days=2)
CUTOFF = (NOW - timedelta(days=30)).date().isoformat()


@pytest.fixture
def agency(db: Database, run: Run) -> Database:
    """Sam, a supervisor in team North, who logged 6.a forty days ago and two days ago."""
    assert run(ADMIN, "--at", LONG_AGO.isoformat(), "team add North #north").exit_code == 0
    enrolled = run(
        ADMIN, "--at", LONG_AGO.isoformat(), "leader add sam@agency.org role=supervisor team=North"
    )
    assert enrolled.exit_code == 0, enrolled.output
    for moment, note in ((LONG_AGO, "Thanked intake"), (LATELY, "Thanked Sam's own unit")):
        logged = run("sam@agency.org", "--at", moment.isoformat(), f"log 6.a {note}")
        assert logged.exit_code == 0, logged.output
    return db


def test_purge_dry_run_says_what_it_would_delete_and_deletes_nothing(
    agency: Database, invoke: Invoke
) -> None:
    before = agency.counts()

    result = invoke("purge", "--before", CUTOFF, "--dry-run", DATABASE_URL=agency.url)

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Would delete what is older than {CUTOFF} (UTC), in all workspaces:\n"
        "  1 record\n"
        "  0 prompts\n"
        "  0 team digests\n"
        "  0 managers' barrier summaries\n"
        "  0 notices\n"
        "  0 local chat messages\n"
        "  0 seen platform events\n"
        "Nothing was deleted (--dry-run).\n"
    )
    assert agency.counts() == before


def test_purge_deletes_what_is_older_and_the_audit_trail_says_so(
    agency: Database, invoke: Invoke
) -> None:
    result = invoke("purge", "--before", CUTOFF, DATABASE_URL=agency.url)

    assert result.exit_code == 0, result.output
    assert "Deleted what is older than" in result.output
    assert "  1 record\n" in result.output
    assert [r.note for r in agency.rows(Record)] == ["Thanked Sam's own unit"]
    trail = invoke("audit", DATABASE_URL=agency.url).output.splitlines()
    assert trail[-1].endswith(
        f"an operator (followthrough purge) purged what was older than {CUTOFF}: 1 record"
    )
    assert "Thanked" not in str([event.detail for event in agency.rows(AuditEvent)])


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("last month", "'last month' is not a date: use YYYY-MM-DD."),
        ("2026-02-30", "'2026-02-30' is not a real date."),
        ("20261101", "'20261101' is not a date: use YYYY-MM-DD."),
        (
            (NOW + timedelta(days=1)).date().isoformat(),
            "is in the future: purge deletes only what is older than a day that has come.",
        ),
    ],
)
def test_purge_refuses_a_malformed_or_future_date(
    agency: Database, invoke: Invoke, given: str, problem: str
) -> None:
    before = agency.counts()

    result = invoke("purge", "--before", given, DATABASE_URL=agency.url)

    assert result.exit_code == 2
    assert "Invalid value for --before" in result.output
    assert problem in result.output
    assert agency.counts() == before


def test_purge_needs_a_date(invoke: Invoke) -> None:
    result = invoke("purge")
    assert result.exit_code == 2
    assert "Missing option '--before'" in result.output


def test_forget_asks_first_and_a_no_changes_nothing(agency: Database, invoke: Invoke) -> None:
    before = agency.counts()

    result = invoke("forget", "sam@agency.org", DATABASE_URL=agency.url, input="n\n")

    assert result.exit_code == 1
    assert "This forgets sam (sam@agency.org) in Local chat, for good" in result.output
    assert "2 records" in result.output
    assert "Aborted" in result.output
    assert agency.counts() == before


def test_forget_takes_the_person_and_leaves_only_that_it_happened(
    agency: Database, invoke: Invoke
) -> None:
    sam_id = agency.person("sam@agency.org").id

    result = invoke("forget", "sam@agency.org", "--yes", DATABASE_URL=agency.url)

    assert result.exit_code == 0, result.output
    assert "Forgotten. Deleted:\n  2 records\n" in result.output
    assert "  1 team membership\n" in result.output
    assert agency.count(Record) == 0
    assert agency.count(Person, email="sam@agency.org") == 0
    assert agency.one(Person, id=sam_id).platform_user_id == f"forgotten:{sam_id}"
    trail = invoke("audit", "--format", "jsonl", DATABASE_URL=agency.url).output
    assert "sam" not in trail.lower()
    events = [json.loads(line) for line in trail.splitlines()]
    assert events[-1]["action"] == "person.forget"
    assert events[-1]["target"] == ""
    assert events[-1]["detail"] == {"by": "an operator (followthrough forget)"}
    assert events[1]["summary"] == (
        "enrolled a forgotten person as a supervisor in team North (UTC)"
    )
    again = invoke("forget", "sam@agency.org", "--yes", DATABASE_URL=agency.url)
    assert again.exit_code == 1  # no one can find them again, not even to forget twice


def test_forgetting_someone_unknown_says_so_and_changes_nothing(
    agency: Database, invoke: Invoke
) -> None:
    before = agency.counts()

    result = invoke("forget", "nobody@agency.org", "--yes", DATABASE_URL=agency.url)

    assert result.exit_code == 1
    assert result.output == (
        "No one with the user id or email nobody@agency.org is known; nothing was changed.\n"
    )
    assert agency.counts() == before


def test_audit_on_the_terminal_is_oldest_first_in_utc(agency: Database, invoke: Invoke) -> None:
    text = invoke("audit", DATABASE_URL=agency.url)
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines == [
        f"{LONG_AGO:%Y-%m-%d %H:%M} UTC  [Local chat] boss (admin) added team North "
        "(channel north)",
        f"{LONG_AGO:%Y-%m-%d %H:%M} UTC  [Local chat] boss (admin) enrolled sam as a "
        "supervisor in team North (UTC)",
    ]
    since = invoke("audit", "--since", LATELY.date().isoformat(), DATABASE_URL=agency.url)
    assert since.output == f"No changes recorded since {LATELY.date().isoformat()}.\n"


def test_audit_since_must_be_a_date(invoke: Invoke) -> None:
    result = invoke("audit", "--since", "7d")
    assert result.exit_code == 2
    assert "'7d' is not a date: use YYYY-MM-DD." in result.output


def test_a_pass_with_retention_days_purges_once_a_day(agency: Database, invoke: Invoke) -> None:
    first = invoke("tick", RETENTION_DAYS="30", DATABASE_URL=agency.url)
    second = invoke("tick", RETENTION_DAYS="30", DATABASE_URL=agency.url)

    assert first.exit_code == 0, first.output
    assert f"Purged what is older than {CUTOFF} (RETENTION_DAYS): 1 record, 0 prompts" in (
        first.output
    )
    assert "Purged" not in second.output
    assert [r.note for r in agency.rows(Record)] == ["Thanked Sam's own unit"]
    (purged,) = [e for e in agency.rows(AuditEvent) if e.action == "data.purge"]
    assert purged.detail["by"] == "the retention setting (RETENTION_DAYS=30)"


def test_a_pass_for_a_typed_moment_purges_nothing_and_leaves_the_day_to_the_next(
    agency: Database, invoke: Invoke
) -> None:
    next_year = (NOW + timedelta(days=365)).isoformat()
    typed = invoke("tick", "--at", next_year, RETENTION_DAYS="30", DATABASE_URL=agency.url)

    assert typed.exit_code == 0, typed.output
    assert "Purged" not in typed.output
    assert len(agency.rows(Record)) == 2
    today = invoke("tick", RETENTION_DAYS="30", DATABASE_URL=agency.url)
    assert f"Purged what is older than {CUTOFF} (RETENTION_DAYS): 1 record" in today.output


@pytest.mark.parametrize("days", ["-7", "a month"])
def test_a_negative_or_wordy_retention_is_refused(
    agency: Database, invoke: Invoke, days: str
) -> None:
    before = agency.counts()

    result = invoke("tick", RETENTION_DAYS=days, DATABASE_URL=agency.url)

    assert result.exit_code == 1
    assert (
        "Settings can't be read: RETENTION_DAYS: must be 0 (keep records forever) or a"
        in result.output
    )
    assert f"not {days!r}" in result.output or f"not {days}" in result.output
    assert agency.counts() == before
