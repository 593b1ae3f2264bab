"""The figures the digest, the dashboard and the export share, checked against the agency of
tests/reports/agency.py, worked out by hand, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.catalog import Catalog
from bot.reports.figures import (
    DONE,
    NO_ANSWER,
    NOT_PROMPTED,
    NOT_THIS_WEEK,
    PARTLY,
    barriers,
    build_report,
    leader_weeks,
)
from bot.reports.records import record_rows
from bot.reports.scope import Period, Scope, week_index
from bot.store.models import Person, Record, Team, TeamMembership, Workspace
from bot.store.types import UTCDateTime
from tests.reports.agency import Agency, build_agency

FIRST_MONDAY = date(2026, 11, 2)
UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def agency(session: Session) -> Agency:
    return build_agency(session, FIRST_MONDAY)


def four_weeks(agency: Agency) -> Period:
    return Period(agency.mondays[0], agency.mondays[3], UTC_ZONE)


def north(agency: Agency, role: str | None = None) -> Scope:
    return Scope(workspace_id=agency.workspace_id, team_ids=(agency.north,), role=role)


def names_and_cells(
    session: Session, scope: Scope, period: Period
) -> dict[str, tuple[object, ...]]:
    return {row.name: row.cells for row in leader_weeks(session, scope, period).rows}


# The grid


def test_the_grid_shows_each_leaders_best_answer_of_each_week(
    session: Session, agency: Agency
) -> None:
    assert names_and_cells(session, north(agency), four_weeks(agency)) == {
        "Ana Alvarez": (DONE, PARTLY, NO_ANSWER, DONE),
        "Ben Brooks": (NOT_THIS_WEEK, NO_ANSWER, NO_ANSWER, NO_ANSWER),
        # In South during week 1: out of North's view; a log in North in week 2.
        "Cal Chen": (None, DONE, NO_ANSWER, DONE),
        # Paused in weeks 2 and 3: those prompts were skipped, not sent.
        "Dee Diaz": (DONE, NOT_PROMPTED, NOT_PROMPTED, DONE),
    }


def test_a_leader_who_changed_teams_counts_for_the_team_they_were_in(
    session: Session, agency: Agency
) -> None:
    south = Scope(workspace_id=agency.workspace_id, team_ids=(agency.south,))
    grid = leader_weeks(session, south, four_weeks(agency))

    assert {row.name: row.cells for row in grid.rows} == {"Cal Chen": (DONE, DONE, None, None)}
    assert [(w.leaders, w.prompts_sent, w.answered) for w in grid.weeks] == [
        (1, 1, 1),
        (1, 1, 1),
        (0, 0, 0),
        (0, 0, 0),
    ]


def test_a_leader_in_either_of_two_teams_is_counted_once(session: Session, agency: Agency) -> None:
    both = Scope(workspace_id=agency.workspace_id, team_ids=(agency.north, agency.south))
    grid = leader_weeks(session, both, four_weeks(agency))

    cal = next(row for row in grid.rows if row.name == "Cal Chen")
    assert cal.cells == (DONE, DONE, NO_ANSWER, DONE)
    assert cal.prompts_sent == 4
    assert [w.prompts_sent for w in grid.weeks] == [4, 3, 3, 4]


def test_the_whole_workspace_has_every_leader_and_no_one_else(
    session: Session, agency: Agency
) -> None:
    everyone = Scope(workspace_id=agency.workspace_id)
    cells = names_and_cells(session, everyone, four_weeks(agency))

    assert set(cells) == {"Ana Alvarez", "Ben Brooks", "Cal Chen", "Dee Diaz"}
    assert cells["Cal Chen"] == (DONE, DONE, NO_ANSWER, DONE)


# Participation per week


def test_participation_per_week_with_a_week_without_answers(
    session: Session, agency: Agency
) -> None:
    weeks = leader_weeks(session, north(agency), four_weeks(agency)).weeks

    figures = [
        (w.leaders, w.taking_part, w.prompts_sent, w.answered, w.rate, w.change) for w in weeks
    ]
    assert figures == [
        (3, 3, 3, 3, 100.0, None),
        (4, 2, 2, 1, 50.0, -50.0),
        (4, 0, 3, 0, 0.0, -50.0),  # the week nobody answered
        (4, 3, 4, 3, 75.0, 75.0),
    ]
    assert [(w.done, w.partly, w.not_this_week) for w in weeks] == [
        (2, 0, 1),
        (1, 1, 0),
        (0, 0, 0),
        (3, 0, 0),
    ]
    assert [w.week.start for w in weeks] == list(agency.mondays)


def test_a_week_with_no_prompts_has_no_rate(session: Session, agency: Agency) -> None:
    later = Period(
        agency.mondays[3] + timedelta(weeks=1), agency.mondays[3] + timedelta(weeks=1), UTC_ZONE
    )
    (week,) = leader_weeks(session, north(agency), later).weeks

    assert (week.leaders, week.prompts_sent, week.rate, week.change) == (4, 0, None, None)


def test_a_role_filter_keeps_only_that_roles_leaders(session: Session, agency: Agency) -> None:
    cells = names_and_cells(session, north(agency, role="supervisor"), four_weeks(agency))

    assert set(cells) == {"Ana Alvarez", "Cal Chen"}


def test_a_date_range_covers_whole_weeks(session: Session, agency: Agency) -> None:
    # Wednesday of week 2 to Tuesday of week 3: weeks 2 and 3, Monday to Sunday.
    period = Period(
        agency.mondays[1] + timedelta(days=2), agency.mondays[2] + timedelta(days=1), UTC_ZONE
    )
    grid = leader_weeks(session, north(agency), period)

    assert [w.week.start for w in grid.weeks] == [agency.mondays[1], agency.mondays[2]]
    assert [w.prompts_sent for w in grid.weeks] == [2, 3]


# Streaks and quiet leaders


def test_streaks_pass_over_a_pause_and_quiet_leaders_need_two_silent_weeks(
    session: Session, agency: Agency
) -> None:
    grid = leader_weeks(session, north(agency), four_weeks(agency))
    now = agency.friday_of_week_4

    # Dee practiced weeks 1 and 4 and was paused between: two prompted weeks in a row.
    assert [(row.name, weeks) for row, weeks in grid.streaks(now)] == [("Dee Diaz", 2)]
    # Ben: no answer in weeks 2 and 3; week 4 is still in progress, so it doesn't count yet.
    assert [(row.name, weeks) for row, weeks in grid.quiet(now)] == [("Ben Brooks", 2)]


def test_once_the_week_is_over_an_unanswered_week_counts(session: Session, agency: Agency) -> None:
    grid = leader_weeks(session, north(agency), four_weeks(agency))
    monday_after = datetime.combine(
        agency.mondays[3] + timedelta(weeks=1), datetime.min.time(), UTC
    )

    assert [(row.name, weeks) for row, weeks in grid.quiet(monday_after)] == [("Ben Brooks", 3)]


def test_a_paused_leader_is_not_quiet(session: Session, agency: Agency) -> None:
    weeks_two_and_three = Period(agency.mondays[1], agency.mondays[2], UTC_ZONE)
    grid = leader_weeks(session, north(agency), weeks_two_and_three)
    after = agency.friday_of_week_4

    quiet = {row.name: weeks for row, weeks in grid.quiet(after)}
    assert "Dee Diaz" not in quiet
    assert quiet == {"Ben Brooks": 2}


# Practice: domains, behaviors, roles, lenses


def test_records_by_domain_behavior_and_lens(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    report = build_report(
        session, catalog, north(agency), four_weeks(agency), now=agency.friday_of_week_4
    )

    domains = {d.name: (d.done, d.partly, d.leaders) for d in report.practice.domains}
    assert domains == {
        "Foundational": (0, 0, 0),
        "Engagement": (4, 1, 2),  # Ana 6.a done twice and partly once, Dee 4.a.v twice
        "Inquiry/Exploration": (0, 0, 0),
        "Advocacy": (0, 0, 0),
        "Teaming": (0, 0, 0),
        "Accountability": (2, 0, 1),  # Cal's log and Cal's week 4 (week 1 was South's)
    }
    assert [(b.behavior_id, b.count) for b in report.practice.behaviors] == [
        ("6", 3),
        ("4", 2),
        ("13", 2),
    ]
    assert {lens.name: lens.count for lens in report.practice.lenses} == {
        "Lean In": 2,  # 13
        "Lift Up": 5,  # 6 and 4
        "Connect": 4,  # 4 and 13
        "Culture": 0,
    }
    assert report.recognitions == (("Ana Alvarez", 3),)


def test_coverage_by_role(session: Session, catalog: Catalog, agency: Agency) -> None:
    report = build_report(
        session, catalog, north(agency), four_weeks(agency), now=agency.friday_of_week_4
    )

    roles = {
        r.role: (r.leaders, r.prompts_sent, r.answered, r.practiced, r.domains)
        for r in report.roles
    }
    assert roles == {
        "supervisor": (2, 6, 4, 5, 2),
        "manager": (1, 4, 1, 0, 0),
        "director": (1, 2, 2, 2, 1),
    }
    assert round(report.roles[0].rate or 0, 1) == 66.7


# Barriers and highlights


def test_barriers_are_grouped_and_notes_reach_the_team_only_when_meant_to(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    report = build_report(
        session, catalog, north(agency), four_weeks(agency), now=agency.friday_of_week_4
    )

    assert [(g.theme, g.count, [t.text for t in g.texts]) for g in report.barriers] == [
        ("Court and legal", 1, ["In court all week"])
    ]
    notes = [(n.leader, n.behavior_id, n.kind, n.note) for n in report.highlights.notes]
    assert notes == [
        ("Ana Alvarez", "6.a", "shared", "Named three wins at the unit meeting"),
        ("Dee Diaz", "4.a.v", "update", "Told the leadership team what is stuck"),
        ("Ana Alvarez", "6.a", "shared", "Thanked the intake unit by name"),
    ]
    # Cal's "South huddle" was shared while in South; his North log was not shared.
    assert report.highlights.total == 3


def test_a_barrier_counts_in_the_week_it_was_written_not_its_answers(
    session: Session, agency: Agency
) -> None:
    # Ben said Not this week in week 1 and wrote what got in the way on Tuesday of week 2.
    court = session.scalars(select(Record).filter_by(barrier="In court all week")).one()
    court.barrier_at = datetime.combine(agency.mondays[1], time(10), tzinfo=UTC) + timedelta(1)
    session.flush()

    def themes(week: int) -> list[str]:
        period = Period(agency.mondays[week], agency.mondays[week], UTC_ZONE)
        return [group.theme for group in barriers(session, north(agency), period)]

    assert (themes(0), themes(1)) == ([], ["Court and legal"])


def test_a_limit_on_notes_keeps_the_newest_and_the_total(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    report = build_report(
        session,
        catalog,
        north(agency),
        four_weeks(agency),
        now=agency.friday_of_week_4,
        notes_limit=1,
    )

    assert [n.note for n in report.highlights.notes] == ["Named three wins at the unit meeting"]
    assert report.highlights.total == 3


# Records for the export and the CSV


def test_record_rows_name_the_team_at_the_time(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    rows = list(record_rows(session, catalog, Scope(workspace_id=agency.workspace_id)))

    cal = [
        (r["recorded_at"][:10], r["team"], r["source"]) for r in rows if r["leader"] == "Cal Chen"
    ]
    assert cal == [
        ("2026-11-02", "South", "button"),
        ("2026-11-09", "South", "button"),
        ("2026-11-12", "North", "log"),
        ("2026-11-23", "North", "button"),
    ]
    assert len(rows) == 10


def test_record_rows_for_a_team_member_leave_out_private_notes(
    session: Session, catalog: Catalog, agency: Agency
) -> None:
    rows = list(
        record_rows(session, catalog, north(agency), period=four_weeks(agency), notes="team")
    )

    notes = {(r["leader"], r["note"]) for r in rows if r["note"]}
    assert notes == {
        ("Ana Alvarez", "Thanked the intake unit by name"),
        ("Ana Alvarez", "Named three wins at the unit meeting"),
        ("Dee Diaz", "Told the leadership team what is stuck"),
    }
    # Cal's log note was his own: the row is there, the note is not.
    assert ("Cal Chen", "log") in {(r["leader"], r["source"]) for r in rows}
    assert {r["team"] for r in rows} == {"North"}


# Weeks in a time zone


def test_weeks_run_monday_to_sunday_in_the_teams_zone_across_a_clock_change() -> None:
    pacific = ZoneInfo("America/Los_Angeles")
    period = Period(date(2026, 10, 28), date(2026, 11, 4), pacific)

    assert [(w.start, w.since, w.until) for w in period.weeks] == [
        (
            date(2026, 10, 26),
            datetime(2026, 10, 26, 7, tzinfo=UTC),  # midnight PDT
            datetime(2026, 11, 2, 8, tzinfo=UTC),  # midnight PST, after the change
        ),
        (
            date(2026, 11, 2),
            datetime(2026, 11, 2, 8, tzinfo=UTC),
            datetime(2026, 11, 9, 8, tzinfo=UTC),
        ),
    ]


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Europe/London", "Asia/Kolkata"])
def test_the_database_puts_each_moment_in_its_week(session: Session, zone: str) -> None:
    """Its first moment, one inside, its last microsecond: weeks around the clock changes
    are an hour longer or shorter than seven days."""
    period = Period(date(2026, 1, 5), date(2026, 12, 27), ZoneInfo(zone))
    tick = timedelta(microseconds=1)
    moments = [
        moment
        for week in period.weeks
        for moment in (week.since, week.since + timedelta(days=3, hours=7), week.until - tick)
    ]
    found = [
        session.scalar(select(week_index(bindparam("at", moment, type_=UTCDateTime()), period)))
        for moment in moments
    ]

    expected = [index for index in range(len(period.weeks)) for _ in range(3)]
    assert found == expected


def test_a_teams_week_is_its_own_local_week(session: Session, catalog: Catalog) -> None:
    workspace = Workspace(
        platform="fake", external_id="T-ZONE", created_at=datetime(2026, 10, 1, tzinfo=UTC)
    )
    session.add(workspace)
    session.flush()
    sam = Person(
        workspace_id=workspace.id,
        platform_user_id="U-SAM",
        display_name="Sam",
        role="supervisor",
        is_leader=True,
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    team = Team(
        workspace_id=workspace.id,
        name="West",
        channel_ref="C-W",
        timezone="America/Los_Angeles",
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    session.add_all([sam, team])
    session.flush()
    session.add(
        TeamMembership(
            team_id=team.id, person_id=sam.id, started_at=datetime(2026, 10, 1, tzinfo=UTC)
        )
    )
    # Sunday 23:30 in Los Angeles is Monday 07:30 UTC: it belongs to the week before.
    session.add(
        Record(
            person_id=sam.id,
            behavior_id="6.a",
            outcome="done",
            source="log",
            created_at=datetime(2026, 11, 16, 7, 30, tzinfo=UTC),
        )
    )
    session.flush()
    period = Period(date(2026, 11, 9), date(2026, 11, 16), ZoneInfo("America/Los_Angeles"))
    grid = leader_weeks(session, Scope(workspace_id=workspace.id, team_ids=(team.id,)), period)

    assert grid.rows[0].cells == (DONE, NOT_PROMPTED)
