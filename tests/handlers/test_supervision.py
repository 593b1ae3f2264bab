"""Reporting lines and `reports`: a director sees two levels, a manager one, a supervisor
none; loops are refused; notes a report did not share stay private."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.platforms.fake import FakePlatform
from bot.store.models import AuditEvent, Person, Record
from bot.store.retention import forget
from tests.conftest import NOW


def manager_of(chat: FakePlatform, user_id: str) -> str | None:
    with chat.sessions() as session:
        person = session.scalars(select(Person).filter_by(platform_user_id=user_id)).one()
        manager = session.get(Person, person.manager_id) if person.manager_id else None
        return manager.platform_user_id if manager else None


def audit_count(chat: FakePlatform) -> int:
    with chat.sessions() as session:
        return len(session.scalars(select(AuditEvent.id)).all())


@pytest.fixture
def agency(chat: FakePlatform) -> FakePlatform:
    """Dana directs; Morgan reports to Dana; Sam and Riley report to Morgan."""
    chat.add_user("U-SUP2", name="Riley Supervisor", email="riley@agency.org", tz="UTC")
    for text in (
        "leader add <@U-DIR> role=director",
        "leader add <@U-MGR> role=manager reports-to=<@U-DIR>",
        "leader add <@U-SUP> role=supervisor reports-to=morgan@agency.org",
        "leader add riley@agency.org role=supervisor manager=<@U-MGR>",
    ):
        reply = chat.exchange("U-ADMIN", text)
        assert reply.ok, reply.text
    return chat


def add_record(chat: FakePlatform, user_id: str, **fields: object) -> None:
    with chat.sessions() as session:
        person = session.scalars(select(Person).filter_by(platform_user_id=user_id)).one()
        values: dict[str, object] = {
            "behavior_id": "6.a",
            "outcome": "done",
            "source": "button",
            "created_at": chat.now,
            **fields,
        }
        session.add(Record(person_id=person.id, **values))
        session.commit()


def test_leader_add_with_a_manager_sets_the_reporting_line(agency: FakePlatform) -> None:
    assert manager_of(agency, "U-MGR") == "U-DIR"
    assert manager_of(agency, "U-SUP") == "U-MGR"
    assert manager_of(agency, "U-SUP2") == "U-MGR"
    assert manager_of(agency, "U-DIR") is None
    reply = agency.say("U-ADMIN", "leader add <@U-SUP> role=supervisor reports-to=<@U-MGR>")
    assert "Reports to Morgan Manager." in reply


def test_the_leader_list_names_each_leaders_manager(agency: FakePlatform) -> None:
    listing = agency.say("U-ADMIN", "leader list")
    assert "Sam Supervisor — supervisor, no team, America/Los_Angeles, reports to Morgan " in (
        listing
    )
    assert "Dana Director — director, no team, UTC, 0 commitments" in listing


def test_a_director_sees_two_levels_a_manager_one_a_supervisor_none(
    agency: FakePlatform,
) -> None:
    director = agency.exchange("U-DIR", "reports")
    assert director.ok
    assert director.text.startswith("1 person reports to you, and 2 more people below them.")
    assert [item.split(" — ")[0] for item in director.items] == [
        "Morgan Manager",
        "Riley Supervisor",
        "Sam Supervisor",
    ]
    assert "supervisor, via Morgan Manager" in director.items[1]
    manager = agency.exchange("U-MGR", "reports")
    assert manager.text.startswith("2 people report to you.")
    assert len(manager.items) == 2
    assert "via" not in " ".join(manager.items)
    supervisor = agency.exchange("U-SUP", "reports")
    assert not supervisor.ok
    assert "Nobody reports to you" in supervisor.text


def test_reports_show_commitments_this_weeks_answers_streaks_and_barriers(
    agency: FakePlatform,
) -> None:
    assert agency.exchange("U-SUP", "commit 6.a").ok
    assert agency.exchange("U-SUP", "commit 3.a").ok
    add_record(agency, "U-SUP", created_at=NOW - timedelta(weeks=1))
    add_record(agency, "U-SUP", created_at=NOW - timedelta(hours=1))
    add_record(
        agency,
        "U-SUP2",
        outcome="not_this_week",
        barrier="Court all week",
        created_at=NOW - timedelta(hours=2),
    )
    reply = agency.exchange("U-MGR", "reports")
    riley, sam = reply.items
    assert "working on 6.a, 3.a" in sam
    assert "this week: 6.a done" in sam
    assert "2 weeks in a row" in sam
    assert "no commitments" in riley
    assert "this week: 6.a not this week" in riley
    assert "in the way: Court all week" in riley


def test_notes_a_report_did_not_share_stay_private(agency: FakePlatform) -> None:
    add_record(agency, "U-SUP", note="Private thoughts on my team", shared=False)
    add_record(agency, "U-SUP", behavior_id="3.a", note="Thanked Jo at huddle", shared=True)
    reply = agency.say("U-MGR", "reports")
    assert "Private thoughts" not in reply
    assert "Thanked Jo at huddle" in reply


def test_a_loop_is_refused_and_changes_nothing(agency: FakePlatform) -> None:
    before = audit_count(agency)
    reply = agency.exchange("U-ADMIN", "leader reports-to <@U-DIR> <@U-SUP>")
    assert not reply.ok
    assert reply.text == (
        "Dana Director can't report to Sam Supervisor: Sam Supervisor reports to Dana "
        "Director (Sam Supervisor → Morgan Manager → Dana Director). Change that line first "
        "with `leader reports-to`."
    )
    assert manager_of(agency, "U-DIR") is None
    assert audit_count(agency) == before


def test_a_leader_cannot_report_to_themselves(agency: FakePlatform) -> None:
    reply = agency.exchange("U-ADMIN", "leader reports-to <@U-MGR> <@U-MGR>")
    assert not reply.ok
    assert "can't report to themselves" in reply.text
    assert manager_of(agency, "U-MGR") == "U-DIR"


def test_a_manager_must_be_an_enrolled_leader(chat: FakePlatform) -> None:
    reply = chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor reports-to=<@U-MGR>")
    assert not reply.ok
    assert reply.text == "Morgan Manager isn't enrolled as a leader."
    with chat.sessions() as session:
        assert session.scalars(select(Person).filter_by(is_leader=True)).all() == []


def test_reports_to_moves_and_ends_a_line_and_is_audited(agency: FakePlatform) -> None:
    moved = agency.say("U-ADMIN", "leader reports-to <@U-SUP> <@U-DIR>")
    assert moved == "Sam Supervisor now reports to Dana Director (was Morgan Manager)."
    assert manager_of(agency, "U-SUP") == "U-DIR"
    again = agency.exchange("U-ADMIN", "leader reports-to <@U-SUP> dana@agency.org")
    assert again.text == "Sam Supervisor already reports to Dana Director."
    ended = agency.say("U-ADMIN", "leader reports-to <@U-SUP> none")
    assert ended == "Sam Supervisor no longer reports to anyone (was Dana Director)."
    assert manager_of(agency, "U-SUP") is None
    nothing = agency.exchange("U-ADMIN", "leader reports-to <@U-SUP> none")
    assert (nothing.ok, nothing.text) == (False, "Sam Supervisor doesn't report to anyone.")
    trail = agency.say("U-ADMIN", "audit")
    assert "made Sam Supervisor report to no one (was Dana Director)" in trail
    assert "made Sam Supervisor report to Dana Director (was Morgan Manager)" in trail
    assert "enrolled Morgan Manager as a manager (Europe/London), reporting to Dana" in trail


def test_only_admins_set_reporting_lines(agency: FakePlatform) -> None:
    reply = agency.exchange("U-MGR", "leader reports-to <@U-SUP> none")
    assert "for Follow-Through admins" in reply.text
    assert manager_of(agency, "U-SUP") == "U-MGR"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("leader reports-to <@U-SUP>", "Name the leader, then their manager (or none)"),
        ("leader reports-to <@U-SUP> Morgan", "`Morgan` is not a person"),
        ("leader reports-to <@U-NOBODY> none", "I can't find the person"),
        ("leader reports-to <@U-ADMIN> <@U-DIR>", "Avery Admin isn't enrolled as a leader."),
        ("leader add <@U-SUP> role=supervisor reports-to=", "`reports-to=` needs a person"),
        ("reports all", "This command takes nothing after it"),
    ],
)
def test_malformed_reporting_commands_say_what_is_wrong(
    agency: FakePlatform, text: str, problem: str
) -> None:
    before = audit_count(agency)
    reply = agency.exchange("U-ADMIN", text)
    assert not reply.ok
    assert problem in reply.text
    assert manager_of(agency, "U-SUP") == "U-MGR"
    assert audit_count(agency) == before


def test_removing_a_manager_leaves_their_reports_without_one(agency: FakePlatform) -> None:
    reply = agency.say("U-ADMIN", "leader remove <@U-MGR>")
    assert "Riley Supervisor, Sam Supervisor reported to them and now report to no one" in reply
    assert manager_of(agency, "U-SUP") is None
    assert manager_of(agency, "U-MGR") is None
    assert "Nobody reports to you" in agency.say("U-DIR", "reports")


def test_forgetting_a_manager_takes_them_out_of_the_chain(agency: FakePlatform) -> None:
    with agency.sessions() as session:
        morgan = session.scalars(select(Person).filter_by(platform_user_id="U-MGR")).one()
        forget(session, morgan, now=NOW, by="test")
        session.commit()
    assert manager_of(agency, "U-SUP") is None
    assert "Nobody reports to you" in agency.say("U-DIR", "reports")


def test_help_offers_reports(agency: FakePlatform) -> None:
    assert "`reports` — the people who report to you" in agency.say("U-SUP", "help")
