"""The admin's command line: roster import (all or nothing) and digests."""

from __future__ import annotations

from pathlib import Path

from bot.store.models import Digest, Person, TeamMembership
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
    assert "Enrolled 2 leaders" in result.output
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
