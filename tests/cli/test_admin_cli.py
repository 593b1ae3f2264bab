"""The admin's command line: roster import (all or nothing) and digests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.models import Commitment, Digest, Notice, Person, Record, TeamMembership
from tests.cli.conftest import ADMIN, Database, Invoke, Run


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_roster_import_enrolls_everyone_with_team_and_zone(
    db: Database, run: Run, invoke: Invoke, tmp_path: Path
) -> None:
    assert run(ADMIN, "team add North #north").exit_code == 0
    roster = write(
        tmp_path,
        "roster.csv",
        "email,role,team,timezone\n"
        "sam@agency.org,supervisor,North,America/Los_Angeles\n"
        "jo@agency.org,Manager,,\n",
    )
    result = invoke("roster", "import", roster, DATABASE_URL=db.url)
    assert result.exit_code == 0, result.output
    assert result.output == "Enrolled 2 leaders.\n"
    sam = db.person("sam@agency.org")
    assert (sam.role, sam.timezone, sam.is_leader) == ("supervisor", "America/Los_Angeles", True)
    assert db.count(TeamMembership, person_id=sam.id) == 1
    assert db.person("jo@agency.org").role == "manager"


def test_a_bad_row_imports_nothing_and_says_which(
    db: Database, run: Run, invoke: Invoke, tmp_path: Path
) -> None:
    run(ADMIN, "help")
    before = db.counts()
    roster = write(
        tmp_path, "roster.csv", "email,role\nsam@agency.org,supervisor\nlee@agency.org,intern\n"
    )
    result = invoke("roster", "import", roster, DATABASE_URL=db.url)
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
    assert "line 3 (lee@agency.org)" in result.output
    assert db.counts() == before
    assert db.count(Person, is_leader=True) == 0


def test_the_same_problem_on_many_rows_is_said_once_in_file_terms(
    db: Database, run: Run, invoke: Invoke, tmp_path: Path
) -> None:
    run(ADMIN, "help")
    roster = write(
        tmp_path,
        "roster.csv",
        "email,role,team\na@agency.org,supervisor,South\nb@agency.org,supervisor,South\n"
        "c@agency.org,wizard,\n",
    )
    result = invoke("roster", "import", roster, DATABASE_URL=db.url)
    assert result.exit_code == 1
    assert "  lines 2, 3 (a@agency.org, b@agency.org): There is no team called South." in (
        result.output
    )
    assert "  line 4 (c@agency.org): `wizard` is not a role" in result.output
    assert "Usage:" not in result.output


def test_a_quote_in_a_cell_cannot_slip_an_option_into_the_command(
    db: Database, run: Run, invoke: Invoke, tmp_path: Path
) -> None:
    run(ADMIN, "help")
    before = db.counts()
    roster = write(
        tmp_path,
        "roster.csv",
        'email,role,team\nsam@agency.org,supervisor,"North"" role=director tz=""Asia/Tokyo"\n',
    )
    result = invoke("roster", "import", roster, DATABASE_URL=db.url)
    assert result.exit_code == 1
    assert "line 2 (sam@agency.org)" in result.output
    assert "is not a team name" in result.output
    assert db.counts() == before


def test_a_roster_without_the_needed_columns_is_refused(
    db: Database, invoke: Invoke, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", "name,role\nSam,supervisor\n")
    result = invoke("roster", "import", roster, DATABASE_URL=db.url)
    assert result.exit_code == 1
    assert "needs the columns email" in result.output


AGENCY = (
    "email,role,name,pronouns,title,manager,commitments\n"
    "sam@agency.org,supervisor,Sam Rivera,,Intake Supervisor,morgan@agency.org,6.a; 3.a\n"
    "morgan@agency.org,manager,Morgan Lee,they/them,,dana@agency.org,\n"
    "dana@agency.org,director,Dana Ortiz,she/her,Regional Director,,4.a.vi\n"
)


def test_one_csv_sets_up_a_three_level_agency_with_assigned_commitments(
    db: Database, invoke: Invoke, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", AGENCY)

    result = invoke("roster", "import", roster, DATABASE_URL=db.url)

    assert result.exit_code == 0, result.output
    assert result.output == "Enrolled 3 leaders.\n"
    sam, morgan, dana = (db.person(f"{n}@agency.org") for n in ("sam", "morgan", "dana"))
    assert (sam.preferred_name, sam.title, sam.pronouns) == (
        "Sam Rivera",
        "Intake Supervisor",
        None,
    )
    assert (morgan.pronouns, dana.title) == ("they/them", "Regional Director")
    assert (sam.manager_id, morgan.manager_id, dana.manager_id) == (morgan.id, dana.id, None)
    assigned = {(c.person_id, c.behavior_id) for c in db.rows(Commitment)}
    assert assigned == {(sam.id, "6.a"), (sam.id, "3.a"), (dana.id, "4.a.vi")}
    assert {c.assigned_by_id for c in db.rows(Commitment)} == {db.person(ADMIN).id}
    assert db.count(Notice) == 3

    again = invoke("roster", "import", roster, DATABASE_URL=db.url)

    assert again.output == "Updated 3 leaders.\n"
    assert db.count(Commitment) == 3
    assert db.count(Notice) == 3


def test_sync_asks_before_it_stops_prompting_leaders_the_file_leaves_out(
    db: Database, invoke: Invoke, tmp_path: Path
) -> None:
    invoke("roster", "import", write(tmp_path, "all.csv", AGENCY), DATABASE_URL=db.url)
    fewer = write(tmp_path, "fewer.csv", AGENCY.replace(AGENCY.splitlines()[1] + "\n", ""))
    before = db.counts()

    dry = invoke("roster", "import", fewer, "--sync", "--dry-run", DATABASE_URL=db.url)
    declined = invoke("roster", "import", fewer, "--sync", stdin="n\n", DATABASE_URL=db.url)

    assert dry.exit_code == 0, dry.output
    assert dry.output == (
        "Would update 2 leaders (morgan@agency.org, dana@agency.org) and stop prompting 1 "
        "(sam@agency.org).\nNothing was changed (--dry-run).\n"
    )
    assert declined.exit_code == 1
    assert "Stop prompting 1 enrolled leader the file leaves out (sam@agency.org)?" in (
        declined.output
    )
    assert "you chose not to remove anyone" in declined.output
    assert db.counts() == before
    assert db.person("sam@agency.org").is_leader

    # Sam's manager, Morgan, cannot be left out while Sam's row names them.
    orphaned = write(tmp_path, "orphan.csv", AGENCY.replace(AGENCY.splitlines()[2] + "\n", ""))
    refused = invoke("roster", "import", orphaned, "--sync", "--yes", DATABASE_URL=db.url)
    assert refused.exit_code == 1
    assert "morgan@agency.org is left out of the file but is the manager of sam@" in (
        refused.output
    )
    assert db.counts() == before

    accepted = invoke("roster", "import", fewer, "--sync", "--yes", DATABASE_URL=db.url)

    assert accepted.output == "Updated 2 leaders and stopped prompting 1.\n"
    assert not db.person("sam@agency.org").is_leader
    assert db.count(Record) == 0


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("sam@agency.org,supervisor,,,,boss,\n", "the manager `boss` is not an email address"),
        ("sam@agency.org,supervisor,,,,lee@agency.org,\n", "lee isn't enrolled as a leader"),
        ("sam@agency.org,supervisor,,,,,6.z\n", "There is no behavior `6.z`"),
        ("sam@agency.org,supervisor,,,,,4.a.vi\n", "4.a.vi is written for another role"),
        (
            "sam@agency.org,supervisor,,,,jo@agency.org,\njo@agency.org,manager,,,,sam@agency.org,\n",
            "can't report to",
        ),
        (f"sam@agency.org,supervisor,{'x' * 101},,,,\n", "keep name under 100 characters"),
        (f"sam@agency.org,supervisor,,{'x' * 65},,,\n", "keep pronouns under 64 characters"),
        ("sam@agency.org,supervisor,,,,,4.a.vi, 6.a\n", "line 2 has more cells than the header"),
    ],
)
def test_a_bad_manager_commitment_or_loop_imports_nothing(
    db: Database, run: Run, invoke: Invoke, tmp_path: Path, rows: str, problem: str
) -> None:
    run(ADMIN, "help")
    before = db.counts()
    header = "email,role,name,pronouns,title,manager,commitments\n"
    result = invoke(
        "roster", "import", write(tmp_path, "r.csv", header + rows), DATABASE_URL=db.url
    )
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
    assert problem in result.output
    assert db.counts() == before


def test_digest_preview_and_send_from_the_command_line(
    db: Database, run: Run, invoke: Invoke
) -> None:
    run(ADMIN, "team add North #north")
    preview = invoke("digest", "preview", "North", DATABASE_URL=db.url)
    assert preview.exit_code == 0
    assert "North digest" in preview.output
    assert db.count(Digest) == 0
    sent = invoke("digest", "send", "North", DATABASE_URL=db.url)
    assert sent.exit_code == 0
    assert db.count(Digest) == 1
    assert invoke("digest", "send", "North", DATABASE_URL=db.url).exit_code == 1
    assert invoke("digest", "preview", "Nowhere", DATABASE_URL=db.url).exit_code == 1
