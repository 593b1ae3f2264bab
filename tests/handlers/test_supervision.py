"""Reporting lines and `reports`: a director sees two levels, a manager one, a supervisor
none; loops are refused; notes a report did not share stay private."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.core.prompts import asks_for, read_barrier
from bot.platforms.fake import FakePlatform
from bot.scheduling.delivery import Delivery, TransientDeliveryError
from bot.store.models import AuditEvent, BarrierSummary, Person, Prompt, Record, Support
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
    add_record(agency, "U-SUP", created_at=NOW - timedelta(minutes=30))
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
    assert "this week: 6.a done, twice ·" in sam
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


# Barriers up the chain: a weekly summary to each manager, Follow up, private barriers

# The Monday after NOW's week, 09:30 UTC: Morgan's (Europe/London) summary is due at 09:00.
NEXT_MONDAY = NOW.replace(hour=9, minute=30) + timedelta(weeks=1)


def summaries(chat: FakePlatform, user_id: str) -> list[Delivery]:
    return [d for d in chat.channel.to(user_id) if d.key.startswith("summary:")]


def sent_prompt(chat: FakePlatform, user_id: str, behavior_id: str) -> int:
    """A prompt sent to the leader two hours before NOW, unanswered."""
    with chat.sessions() as session:
        person = session.scalars(select(Person).filter_by(platform_user_id=user_id)).one()
        prompt = Prompt(
            person_id=person.id,
            behavior_id=behavior_id,
            text="Did you?",
            scheduled_for=NOW - timedelta(hours=2),
            sent_at=NOW - timedelta(hours=2),
            status="sent",
            delivery_key=f"test:{user_id}:{behavior_id}",
            created_at=NOW,
        )
        session.add(prompt)
        session.commit()
        return prompt.id


def prompted_barrier(chat: FakePlatform, user_id: str, behavior_id: str, barrier: str) -> None:
    """A prompt sent to the leader, answered Not this week with the barrier as typed."""
    prompt_id = sent_prompt(chat, user_id, behavior_id)
    assert chat.press(user_id, "answer.not_this_week", prompt_id, barrier).reply.ok


@pytest.fixture
def barriers(agency: FakePlatform) -> FakePlatform:
    prompted_barrier(agency, "U-SUP", "6.a", "Court all week")
    prompted_barrier(agency, "U-SUP", "3.a", "Two court hearings ran long")
    prompted_barrier(agency, "U-SUP2", "6.a", "private: my own health this week")
    prompted_barrier(agency, "U-SUP2", "3.a", "Short-staffed, covering two units")
    return agency


def test_a_manager_gets_their_reports_barriers_once_a_week_by_theme(
    barriers: FakePlatform,
) -> None:
    barriers.now = NEXT_MONDAY
    barriers.tick()
    barriers.tick(NEXT_MONDAY + timedelta(minutes=5))

    (summary,) = summaries(barriers, "U-MGR")
    message = summary.message
    assert message.title == "What got in your people's way, week of 23 Nov"
    assert message.text.startswith("3 barriers from 2 of your reports.")
    court, staffing = message.items
    assert court.startswith("Court and legal (2): Sam Supervisor: “Court all week” (6.a, Mon)")
    assert staffing.startswith("Staffing and coverage (1): Riley Supervisor: “Short-staffed")
    assert "health" not in str(message)
    assert [b.label for b in message.buttons] == [
        "Follow up: Court and legal",
        "Follow up: Staffing and coverage",
    ]
    # Barriers go to the leader's own manager: Dana hears of Morgan's, not of Morgan's people's.
    assert summaries(barriers, "U-DIR") == []
    assert summaries(barriers, "U-SUP") == []


def test_follow_up_records_support_once_and_shows_in_reports(barriers: FakePlatform) -> None:
    barriers.now = NEXT_MONDAY
    barriers.tick()
    (summary,) = summaries(barriers, "U-MGR")
    court = summary.message.buttons[0]

    first = barriers.press("U-MGR", court.action, court.value).reply
    again = barriers.press("U-MGR", court.action, court.value).reply

    assert first.text.startswith("Noted: you followed up on 2 barriers (Court and legal) for Sam")
    assert again.ok
    assert again.text.startswith("You had already followed up")
    with barriers.sessions() as session:
        assert len(session.scalars(select(Support)).all()) == 2
    barriers.now = NOW + timedelta(hours=1)
    shown = barriers.say("U-MGR", "reports")
    assert "Court all week (Mon 23 Nov, 6.a, followed up)" in shown
    assert "Short-staffed, covering two units (Mon 23 Nov, 3.a)" in shown
    assert "health" not in shown


@pytest.mark.parametrize(
    ("who", "value", "problem"),
    [
        ("U-DIR", None, "That summary isn't yours"),
        ("U-MGR", "999999.0", "That summary isn't yours"),
        ("U-MGR", "one.two", "That button doesn't point at a summary"),
        ("U-MGR", "", "That button doesn't point at a summary"),
        ("U-MGR", "SUMMARY.7", "Those barriers are no longer on record"),
    ],
)
def test_a_follow_up_that_points_nowhere_is_refused_and_records_nothing(
    barriers: FakePlatform, who: str, value: str | None, problem: str
) -> None:
    barriers.now = NEXT_MONDAY
    barriers.tick()
    (summary,) = summaries(barriers, "U-MGR")
    button = summary.message.buttons[0]
    summary_id = button.value.split(".")[0]
    value = button.value if value is None else value.replace("SUMMARY", summary_id)

    reply = barriers.press(who, "follow_up", value).reply

    assert not reply.ok
    assert problem in reply.text
    with barriers.sessions() as session:
        assert session.scalars(select(Support)).all() == []


def test_a_private_barrier_is_kept_and_shown_only_to_its_leader(barriers: FakePlatform) -> None:
    with barriers.sessions() as session:
        record = session.scalars(select(Record).filter_by(barrier_private=True)).one()
        assert record.barrier == "my own health this week"
    assert "my own health" in barriers.say("U-SUP2", "history")
    assert "my own health" not in barriers.say("U-MGR", "reports")
    assert "my own health" not in barriers.say("U-DIR", "reports")


def test_the_not_this_week_form_says_who_sees_a_barrier() -> None:
    asks = asks_for("answer.not_this_week")
    assert asks is not None
    assert "Your manager sees it in their weekly summary" in asks.hint
    assert "start with private:" in asks.hint


def test_no_barriers_no_summary(agency: FakePlatform) -> None:
    agency.now = NEXT_MONDAY
    agency.tick()
    assert summaries(agency, "U-MGR") == []


def test_forgetting_a_report_takes_their_barriers_out_of_the_summary(
    barriers: FakePlatform,
) -> None:
    barriers.now = NEXT_MONDAY
    barriers.tick()
    with barriers.sessions() as session:
        sam = session.scalars(select(Person).filter_by(platform_user_id="U-SUP")).one()
        forget(session, sam, now=NEXT_MONDAY, by="test")
        session.commit()
        (stored,) = session.scalars(select(BarrierSummary)).all()
    assert "Sam" not in str(stored.body)
    assert "Court all week" not in str(stored.body)
    (summary,) = summaries(barriers, "U-MGR")
    court = summary.message.buttons[0]
    reply = barriers.press("U-MGR", court.action, court.value).reply
    assert "no longer on record" in reply.text


def test_a_barrier_typed_after_not_this_week_can_be_kept_private(agency: FakePlatform) -> None:
    prompt_id = sent_prompt(agency, "U-SUP", "6.a")
    asked = agency.press("U-SUP", "answer.not_this_week", prompt_id).reply
    assert "What got in the way?" in asked.text

    reply = agency.say("U-SUP", "Private: a family matter")

    assert reply == "Noted as the barrier, kept private: not shown to your manager or team."
    with agency.sessions() as session:
        record = session.scalars(select(Record)).one()
        assert (record.barrier, record.barrier_private) == ("a family matter", True)


def test_a_barrier_written_after_its_weeks_summary_is_in_the_next_one(agency: FakePlatform) -> None:
    prompt_id = sent_prompt(agency, "U-SUP", "6.a")
    assert agency.press("U-SUP", "answer.not_this_week", prompt_id).reply.ok
    agency.now = NEXT_MONDAY
    agency.tick()
    assert summaries(agency, "U-MGR") == []  # nothing got in the way, so far as Morgan knows
    # Two hours after that summary was due, Sam writes what did, on the same answer.
    agency.now = NEXT_MONDAY + timedelta(hours=2)
    assert agency.press("U-SUP", "answer.not_this_week", prompt_id, "Court all week").reply.ok
    agency.now = NEXT_MONDAY + timedelta(weeks=1)
    agency.tick()
    (summary,) = summaries(agency, "U-MGR")
    assert summary.message.title == "What got in your people's way, week of 30 Nov"
    assert summary.message.items[0].startswith(
        "Court and legal (1): Sam Supervisor: “Court all week” (6.a, Mon)"
    )


def test_a_barrier_in_one_summary_is_not_in_the_next_for_being_pressed_again(
    barriers: FakePlatform,
) -> None:
    barriers.now = NEXT_MONDAY
    barriers.tick()
    assert len(summaries(barriers, "U-MGR")) == 1
    with barriers.sessions() as session:
        court = session.scalars(select(Record).filter_by(barrier="Court all week")).one()
        prompt_id = court.prompt_id
    # The same answer and barrier pressed again the next week: nothing new got in the way.
    barriers.now = NEXT_MONDAY + timedelta(hours=2)
    assert barriers.press("U-SUP", "answer.not_this_week", prompt_id, "Court all week").reply.ok
    barriers.now = NEXT_MONDAY + timedelta(weeks=1)
    barriers.tick()
    assert len(summaries(barriers, "U-MGR")) == 1


@pytest.mark.parametrize(
    "barriers_typed",
    [
        pytest.param(("-", "😩"), id="punctuation or an emoji alone"),
        pytest.param(("short-staffed again", "Short staffed again"), id="one barrier two ways"),
    ],
)
def test_odd_barriers_never_stop_the_scheduling_pass(
    agency: FakePlatform, barriers_typed: tuple[str, str]
) -> None:
    for n, barrier in enumerate(barriers_typed):
        prompted_barrier(agency, "U-SUP", f"{3 + n}.a", barrier)
    agency.now = NEXT_MONDAY
    result = agency.tick()
    assert result.planned.window_end == NEXT_MONDAY  # the pass went through
    told = summaries(agency, "U-MGR")
    assert len(told) == (1 if "again" in barriers_typed[0] else 0)


def test_a_summary_left_empty_by_forgetting_is_not_sent(barriers: FakePlatform) -> None:
    barriers.now = NEXT_MONDAY
    # Planned at 09:00, forgotten before it goes out: plan in one pass, send in the next.
    # (three failures: the outbox tries a send three times in a pass)
    barriers.channel.failures.extend(TransientDeliveryError("down") for _ in range(3))
    barriers.tick()
    with barriers.sessions() as session:
        for user_id in ("U-SUP", "U-SUP2"):
            person = session.scalars(select(Person).filter_by(platform_user_id=user_id)).one()
            forget(session, person, now=NEXT_MONDAY, by="test")
        session.commit()
    barriers.tick(NEXT_MONDAY + timedelta(minutes=5))
    assert summaries(barriers, "U-MGR") == []
    with barriers.sessions() as session:
        assert session.scalars(select(BarrierSummary.status)).all() == ["missed"]


def test_private_dash_is_not_a_private_barrier() -> None:
    assert read_barrier("private-sector partner cancelled") == (
        "private-sector partner cancelled",
        False,
    )
    assert read_barrier("Private - court all week") == ("court all week", True)


def test_a_pass_away_from_monday_morning_reads_no_manager(agency: FakePlatform) -> None:
    loaded: list[int] = []

    def count(target: Person, _: object) -> None:
        loaded.append(target.id)

    event.listen(Person, "load", count)
    try:
        agency.tick(NOW + timedelta(days=2))  # a Wednesday afternoon: nobody's summary is due
    finally:
        event.remove(Person, "load", count)
    assert loaded == []
