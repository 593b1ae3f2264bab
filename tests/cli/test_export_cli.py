"""`followthrough export` (every accountability record, as CSV or JSON lines) and
`followthrough migrate`, on records made the way leaders make them: through chat commands."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import Result
from sqlalchemy import inspect, update

from bot.store.db import alembic_config, create_db_engine
from bot.store.models import Record
from tests.cli.conftest import ADMIN, Database, Invoke, Run

HEADER = (
    "recorded_at,leader,role,team,behavior_id,behavior_title,outcome,note,barrier,barrier_private,shared,"
    "source,platform"
)
COLUMNS = HEADER.split(",")
AWKWARD_NOTE = 'Told the team "thanks, everyone"\nthen, at 5pm, sent a card; Jo\'s idea'


@pytest.fixture
def export(db: Database, invoke: Invoke) -> Invoke:
    """`export("--format", "jsonl")` runs `followthrough export …` on this test's database."""

    def export(*args: str) -> Result:
        return invoke("export", *args, DATABASE_URL=db.url)

    return export


@pytest.fixture
def logged(run: Run) -> None:
    """Sam (a supervisor on team Alpha) logged 6.a and then 13.a through the chat."""
    for as_user, command in [
        (ADMIN, "team add Alpha #alpha"),
        (ADMIN, "leader add sam@agency.org role=supervisor team=Alpha"),
        ("sam@agency.org", "log 6.a Thanked Jo by name at the staff meeting"),
        ("sam@agency.org", "log 13.a Asked the unit what gets in their way"),
    ]:
        result = run(as_user, command)
        assert result.exit_code == 0, result.output


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_with_no_records_prints_just_the_header(export: Invoke) -> None:
    result = export()
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [HEADER]


@pytest.mark.usefixtures("logged")
def test_export_prints_csv_by_default_one_row_per_record_oldest_first(export: Invoke) -> None:
    result = export()

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == HEADER
    rows = csv_rows(result.stdout)
    assert [r["behavior_id"] for r in rows] == ["6.a", "13.a"]
    first = rows[0]
    assert datetime.fromisoformat(first["recorded_at"]) <= datetime.now(UTC)
    assert {k: v for k, v in first.items() if k != "recorded_at"} == {
        "leader": "sam",
        "role": "supervisor",
        "team": "Alpha",
        "behavior_id": "6.a",
        "behavior_title": "Create regular opportunities to affirm agency organizational "
        "strengths and the efforts of staff and partners in their daily work.",
        "outcome": "done",
        "note": "Thanked Jo by name at the staff meeting",
        "barrier": "",
        "barrier_private": "no",
        "shared": "no",
        "source": "log",
        "platform": "local",
    }


@pytest.mark.usefixtures("logged")
def test_export_jsonl_gives_one_json_object_per_record(export: Invoke) -> None:
    result = export("--format", "jsonl")

    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(row) for row in rows] == [COLUMNS, COLUMNS]
    assert [row["behavior_id"] for row in rows] == ["6.a", "13.a"]
    assert rows[1]["note"] == "Asked the unit what gets in their way"
    assert rows[1]["shared"] is False
    assert rows[1]["leader"] == "sam"


@pytest.mark.usefixtures("logged")
def test_export_since_a_date_leaves_out_older_records(db: Database, export: Invoke) -> None:
    with db.session() as session:
        session.execute(
            update(Record)
            .filter_by(behavior_id="13.a")
            .values(created_at=datetime.now(UTC) - timedelta(days=30))
        )
        session.commit()
    since = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()

    rows = csv_rows(export("--since", since).stdout)
    assert [r["behavior_id"] for r in rows] == ["6.a"]

    everything = csv_rows(export().stdout)
    assert [r["behavior_id"] for r in everything] == ["13.a", "6.a"]  # oldest first


def test_export_since_must_be_a_date(export: Invoke) -> None:
    result = export("--since", "last week")
    assert result.exit_code == 2
    assert "'last week' does not match the format '%Y-%m-%d'" in result.output


@pytest.mark.usefixtures("logged")
def test_export_out_writes_the_file_and_says_how_many_records(
    export: Invoke, tmp_path: Path
) -> None:
    out = tmp_path / "records.csv"

    result = export("--out", str(out))

    assert result.exit_code == 0
    assert result.stdout == ""
    assert "2 records written." in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER
    assert [r["behavior_id"] for r in csv_rows(text)] == ["6.a", "13.a"]


@pytest.mark.usefixtures("logged")
def test_export_out_jsonl_writes_json_lines_to_the_file(export: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    assert export("--format", "jsonl", "--out", str(out)).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["behavior_id"] for line in lines] == ["6.a", "13.a"]


def test_a_note_with_commas_quotes_and_newlines_round_trips_through_csv(
    run: Run, export: Invoke, tmp_path: Path
) -> None:
    assert run(ADMIN, "leader add sam@agency.org role=manager").exit_code == 0
    assert run("sam@agency.org", f"log 6.a {AWKWARD_NOTE}").exit_code == 0

    (row,) = csv_rows(export().stdout)
    assert row["note"] == AWKWARD_NOTE

    out = tmp_path / "records.csv"
    assert export("--out", str(out)).exit_code == 0
    with out.open(newline="", encoding="utf-8") as file:
        (row,) = list(csv.DictReader(file))
    assert row["note"] == AWKWARD_NOTE

    (line,) = export("--format", "jsonl").stdout.splitlines()
    assert json.loads(line)["note"] == AWKWARD_NOTE


def test_a_note_that_is_a_formula_is_exported_as_text_in_csv_and_raw_in_jsonl(
    run: Run, export: Invoke
) -> None:
    formula = '=HYPERLINK("http://evil.example","x")'
    assert run(ADMIN, "leader add sam@agency.org role=manager").exit_code == 0
    assert run("sam@agency.org", f"log 6.a {formula}").exit_code == 0

    (row,) = csv_rows(export().stdout)
    assert row["note"] == f"'{formula}"

    (line,) = export("--format", "jsonl").stdout.splitlines()
    assert json.loads(line)["note"] == formula


# --- migrate ---------------------------------------------------------------------------------


def test_migrate_on_a_fresh_database_brings_it_to_the_newest_schema(
    fresh_url: str, invoke: Invoke
) -> None:
    url = fresh_url

    result = invoke("migrate", DATABASE_URL=url)

    assert result.exit_code == 0, result.output
    assert "is up to date." in result.stdout
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            tables = set(inspect(connection).get_table_names())
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    finally:
        engine.dispose()
    assert current == head
    assert {"person", "commitment", "prompt", "record", "digest", "audit_event"} <= tables


def test_migrate_twice_is_harmless(fresh_url: str, invoke: Invoke) -> None:
    url = fresh_url
    assert invoke("migrate", DATABASE_URL=url).exit_code == 0
    assert invoke("migrate", DATABASE_URL=url).exit_code == 0
