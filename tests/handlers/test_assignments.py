"""Commitments an admin assigns: by person, role and team; each leader told once, who
assigned it and how to add a goal; drop ends only what was assigned."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.platforms.fake import FakePlatform
from bot.scheduling.delivery import PermanentDeliveryError
from bot.store.models import AuditEvent, Commitment, Notice, Person


def commitments(chat: FakePlatform, **filters: object) -> list[Commitment]:
    with chat.sessions() as session:
        return list(session.scalars(select(Commitment).filter_by(**filters)))


def person_id(chat: FakePlatform, user_id: str) -> int:
    with chat.sessions() as session:
        return session.scalars(select(Person.id).filter_by(platform_user_id=user_id)).one()


def writes(chat: FakePlatform) -> tuple[int, int, int]:
    with chat.sessions() as session:
        return (
            len(session.scalars(select(Commitment.id)).all()),
            len(session.scalars(select(Notice.id)).all()),
            len(session.scalars(select(AuditEvent.id)).all()),
        )


@pytest.fixture
def agency(chat: FakePlatform) -> FakePlatform:
    """Two directors (Dana, Jo), a manager (Morgan) and a supervisor (Sam); team North has
    Morgan and Sam."""
    chat.add_user("U-DIR2", name="Jo Director", email="jo@agency.org", tz="UTC")
    for text in (
        "leader add <@U-DIR> role=director",
        "leader add <@U-DIR2> role=director",
        "leader add <@U-MGR> role=manager",
        "leader add <@U-SUP> role=supervisor",
        "team add North #north",
        "team members North add <@U-MGR> <@U-SUP>",
    ):
        reply = chat.exchange("U-ADMIN", text)
        assert reply.ok, reply.text
    return chat


def test_an_admin_assigns_a_role_item_to_every_director(agency: FakePlatform) -> None:
    reply = agency.exchange("U-ADMIN", "commit role:director 4.a.vi Share one data point a month")

    assert reply.ok, reply.text
    assert reply.text.startswith("Assigned 4.a.vi (")
    assert "to 2 leaders of every director: Dana Director, Jo Director." in reply.text
    held = commitments(agency, behavior_id="4.a.vi")
    admin = person_id(agency, "U-ADMIN")
    assert {(c.person_id, c.assigned_by_id, c.goal) for c in held} == {
        (person_id(agency, "U-DIR"), admin, "Share one data point a month"),
        (person_id(agency, "U-DIR2"), admin, "Share one data point a month"),
    }


def test_each_leader_is_told_once_who_assigned_it_and_how_to_add_a_goal(
    agency: FakePlatform,
) -> None:
    assert agency.exchange("U-ADMIN", "commit <@U-DIR> 6.a").ok

    agency.tick()
    agency.tick()

    (told,) = [d for d in agency.channel.to("U-DIR") if d.key.startswith("notice:")]
    assert told.message.title is not None
    assert told.message.title.startswith("New commitment: 6.a")
    assert "Avery Admin asked you to practice 6.a." in told.message.text
    assert "`commit 6.a <your goal>`" in told.message.text
    assert agency.say("U-DIR", "commit 6.a Thank two staff by name").startswith(
        "Updated your goal for 6.a"
    )
    assert "(assigned by Avery Admin)" in agency.say("U-DIR", "commitments")


def test_assigning_to_a_team_reaches_its_leaders(agency: FakePlatform) -> None:
    reply = agency.say("U-ADMIN", "commit team:north 6.a")
    assert "to 2 leaders of team North's leaders: Morgan Manager, Sam Supervisor." in reply
    assert len(commitments(agency, behavior_id="6.a")) == 2


def test_those_who_have_it_or_whose_role_it_is_not_are_passed_over_and_named(
    agency: FakePlatform,
) -> None:
    assert agency.exchange("U-DIR", "commit 6.a").ok
    reply = agency.exchange("U-ADMIN", "commit role:director 6.a")
    assert reply.text.endswith("Not assigned: Dana Director already has it.")
    other = agency.exchange("U-ADMIN", "commit team:North 4.a.vi")
    assert not other.ok
    assert other.text == (
        "Nothing to assign: 4.a.vi is written for another role than "
        "Morgan Manager, Sam Supervisor's."
    )


@pytest.mark.parametrize(
    ("who", "text", "problem"),
    [
        ("U-MGR", "commit <@U-SUP> 6.a", "Sorry, only Follow-Through admins assign commitments"),
        ("U-MGR", "drop role:supervisor 6.a", "only Follow-Through admins end others'"),
        ("U-ADMIN", "commit role:wizard 6.a", "`wizard` is not a role"),
        ("U-ADMIN", "commit team:South 6.a", "There is no team called South"),
        ("U-ADMIN", "commit <@U-ADMIN> 6.a", "Avery Admin isn't enrolled as a leader."),
        ("U-ADMIN", "commit role:director 6.z", "There is no behavior `6.z`"),
        ("U-ADMIN", "commit role:director", "Which behavior?"),
        ("U-ADMIN", "drop role:director 6.a", "No director holds 6.a as an assigned"),
    ],
)
def test_a_malformed_or_refused_assignment_changes_nothing(
    agency: FakePlatform, who: str, text: str, problem: str
) -> None:
    before = writes(agency)
    reply = agency.exchange(who, text)
    assert not reply.ok
    assert problem in reply.text
    assert writes(agency) == before


def test_drop_ends_only_what_an_admin_assigned(agency: FakePlatform) -> None:
    assert agency.exchange("U-SUP", "commit 6.a").ok
    assert agency.exchange("U-ADMIN", "commit team:North 6.a").ok  # Morgan only: Sam has it

    reply = agency.say("U-ADMIN", "drop team:North 6.a")

    assert reply == (
        "Ended 6.a for 1 leader: Morgan Manager. Sam Supervisor chose it themselves and keeps it."
    )
    active = commitments(agency, behavior_id="6.a", ended_at=None)
    assert [c.person_id for c in active] == [person_id(agency, "U-SUP")]
    agency.tick()
    told = [d for d in agency.channel.to("U-MGR") if d.key.startswith("notice:unassigned")]
    assert "Avery Admin ended your commitment to 6.a" in told[0].message.text
    trail = agency.say("U-ADMIN", "audit")
    assert "ended 6.a for Morgan Manager (team:North)" in trail
    assert "assigned 6.a to Morgan Manager (team:North)" in trail


def test_a_leaders_own_commit_and_drop_are_unchanged(agency: FakePlatform) -> None:
    assert agency.say("U-SUP", "commit 6.a").startswith("Committed to 6.a")
    assert agency.say("U-SUP", "drop 6.a").startswith("Dropped 6.a")


def test_help_shows_the_assigning_forms_to_admins_only(agency: FakePlatform) -> None:
    assert "`commit <user|role:<role>|team:<name>> <behavior-id> [goal]`" in agency.say(
        "U-ADMIN", "help"
    )
    assert "role:<role>" not in agency.say("U-SUP", "help")
    assert "assign a commitment" in agency.say("U-SUP", "help commit")


def test_a_notice_the_platform_refuses_for_good_is_given_up_not_resent(
    agency: FakePlatform,
) -> None:
    assert agency.exchange("U-ADMIN", "commit <@U-DIR> 6.a").ok
    agency.channel.failures.append(PermanentDeliveryError("user blocked the bot"))

    agency.tick()
    agency.tick()

    with agency.sessions() as session:
        assert session.scalars(select(Notice.status)).all() == ["missed"]
    assert len([k for _, k in agency.channel.attempts if k.startswith("notice:")]) == 1
