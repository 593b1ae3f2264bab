"""Leader commands through the fake platform: what a leader types, and what it changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.platforms.fake import FakePlatform
from bot.store.models import Commitment, Person, Prompt, Record, Workspace
from tests.conftest import NOW


@pytest.fixture
def sam(chat: FakePlatform) -> FakePlatform:
    """Sam is enrolled as a supervisor in Los Angeles."""
    assert chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor").ok
    return chat


def rows(chat: FakePlatform, model: type, **filters: object) -> list:
    with chat.sessions() as session:
        return list(session.scalars(select(model).filter_by(**filters)))


def test_someone_not_enrolled_is_told_to_ask_an_admin(chat: FakePlatform) -> None:
    reply = chat.exchange("U-SUP", "commit 6.a")
    assert not reply.ok
    assert "aren't enrolled as a leader" in reply.text
    assert rows(chat, Commitment) == []


def test_help_lists_leader_commands_but_not_admin_ones(sam: FakePlatform) -> None:
    text = sam.say("U-SUP", "help")
    assert "commit <behavior-id>" in text
    assert "leader add" not in text
    assert "leader add" in sam.say("U-ADMIN", "help")


def test_help_on_one_command_gives_its_usage(sam: FakePlatform) -> None:
    assert "snooze <duration>" in sam.say("U-SUP", "help snooze")


def test_behaviors_lists_every_domain(sam: FakePlatform) -> None:
    text = sam.say("U-SUP", "behaviors")
    for domain in (
        "Foundational",
        "Engagement",
        "Inquiry/Exploration",
        "Advocacy",
        "Teaming",
        "Accountability",
    ):
        assert domain in text


def test_behaviors_for_a_role_lists_only_that_roles_items(sam: FakePlatform) -> None:
    text = sam.say("U-SUP", "behaviors supervisor")
    assert "4.a.i — Participate on the CPM implementation team." in text
    assert "4.a.iii" not in text  # a manager's item


def test_behaviors_for_a_domain_shows_its_items(sam: FakePlatform) -> None:
    text = sam.say("U-SUP", "behaviors advocacy")
    assert "9.b" in text
    assert "8.a" in text
    assert "6.a" not in text


def test_a_behavior_in_full_shows_its_items_impact_practice_and_lens(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "behavior 4")
    assert reply.ok
    assert reply.title == "4 Engage staff in implementation and system improvement"
    fields = dict(reply.fields)
    assert fields["Impact on staff"].startswith("Staff who experience leaders who engage staff")
    assert fields["Models the practice behavior"]
    assert fields["Supports"].startswith("The LB would especially benefit")
    assert fields["Lens"] == (
        "Lift Up: Strengthen, Affirm and Develop; Connect: Organize and Energize Teamwork"
    )
    assert fields["Stay In"].startswith("Support: Support and engage system stakeholders")
    assert " INvoke: " in fields["Stay In"]
    assert reply.items[0].startswith("4.a Participate with staff on implementation")
    assert "    4.a.iii (manager) Create and participate on implementation team(s) for CPM." in (
        reply.items
    )
    assert reply.items[-1].startswith("4.c ")
    assert "commit 4 [your goal]" in reply.text


def test_an_item_in_full_shows_its_role_items_and_its_behavior(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "behaviors 4.a")
    assert (reply.title or "").startswith("4.a ")
    assert "Part of behavior 4" in reply.text
    assert [item.split()[:2] for item in reply.items] == [
        ["4.a.i", "(supervisor)"],
        ["4.a.ii", "(supervisor)"],
        ["4.a.iii", "(manager)"],
        ["4.a.iv", "(director)"],
        ["4.a.v", "(director)"],
        ["4.a.vi", "(director)"],
        ["4.a.vii", "(director)"],
    ]
    assert "Impact on staff" in dict(reply.fields)


def test_a_role_item_in_full_names_its_role_and_its_item(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "behavior 4.a.i")
    assert reply.title == "4.a.i (for a supervisor) Participate on the CPM implementation team."
    assert reply.text.startswith("Part of 4.a: ")
    assert reply.items == ()


def test_commit_records_the_commitment_with_its_goal(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "commit 6.a Thank one worker by name every Friday")
    assert reply.ok
    assert "every Monday at 09:00" in reply.text
    assert "America/Los_Angeles" in reply.text
    assert dict(reply.fields)["Why it matters"]
    (commitment,) = rows(sam, Commitment)
    assert commitment.behavior_id == "6.a"
    assert commitment.goal == "Thank one worker by name every Friday"
    assert commitment.started_at == NOW
    assert commitment.ended_at is None


def test_commit_twice_changes_only_the_goal(sam: FakePlatform) -> None:
    sam.exchange("U-SUP", "commit 6.a first goal")
    assert not sam.exchange("U-SUP", "commit 6.a").ok
    assert "Updated your goal" in sam.say("U-SUP", "commit 6.a second goal")
    (commitment,) = rows(sam, Commitment)
    assert commitment.goal == "second goal"


def test_a_role_item_of_another_role_is_refused(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "commit 6.b.iii")
    assert not reply.ok
    assert "written for directors" in reply.text
    assert rows(sam, Commitment) == []


def test_commit_to_an_unknown_behavior_suggests_close_ids(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "commit 6.z")
    assert not reply.ok
    assert "There is no behavior `6.z`" in reply.text
    assert "6.a" in reply.text
    assert rows(sam, Commitment) == []


def test_commitments_lists_active_ones_with_their_cadence(sam: FakePlatform) -> None:
    sam.exchange("U-SUP", "commit 6.a")
    sam.exchange("U-SUP", "commit 13.d answer within a day")
    text = sam.say("U-SUP", "commitments")
    assert "6.a" in text
    assert "13.d" in text
    assert "answer within a day" in text
    assert "every Monday at 09:00" in text


def test_drop_ends_the_commitment_and_cancels_its_pending_prompts(sam: FakePlatform) -> None:
    sam.exchange("U-SUP", "commit 6.a")
    sam.exchange("U-ADMIN", "send-now <@U-SUP>")
    assert "Dropped 6.a" in sam.say("U-SUP", "drop 6.a")
    (commitment,) = rows(sam, Commitment)
    assert commitment.ended_at == NOW
    assert [p.status for p in rows(sam, Prompt)] == ["cancelled"]
    assert "You have no commitments" in sam.say("U-SUP", "commitments")


def test_drop_of_something_not_committed_names_the_commitments(sam: FakePlatform) -> None:
    sam.exchange("U-SUP", "commit 6.a")
    reply = sam.exchange("U-SUP", "drop 7.a")
    assert not reply.ok
    assert "aren't committed to 7.a" in reply.text
    assert "6.a" in reply.text


def test_log_records_what_the_leader_did(sam: FakePlatform) -> None:
    assert sam.exchange("U-SUP", "log 6.a Thanked Sam's team, by name, at huddle").ok
    (record,) = rows(sam, Record)
    assert (record.behavior_id, record.outcome, record.source) == ("6.a", "done", "log")
    assert record.note == "Thanked Sam's team, by name, at huddle"
    assert record.prompt_id is None
    assert record.created_at == NOW


def test_log_without_text_is_refused(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "log 6.a")
    assert not reply.ok
    assert "Usage: `log <behavior-id> <text>`" in reply.text
    assert rows(sam, Record) == []


def test_history_shows_recent_records_only(sam: FakePlatform) -> None:
    sam.exchange("U-SUP", "log 6.a this week")
    sam.now = NOW - timedelta(weeks=6)
    sam.exchange("U-SUP", "log 7.a long ago")
    sam.now = NOW
    text = sam.say("U-SUP", "history")
    assert "this week" in text
    assert "long ago" not in text
    assert "long ago" in sam.say("U-SUP", "history 8")


def test_history_with_no_records_says_so(sam: FakePlatform) -> None:
    assert "No records in the last week" in sam.say("U-SUP", "history 1")


def test_pause_and_resume(sam: FakePlatform) -> None:
    assert "No prompts until 2026-12-24" in sam.say("U-SUP", "pause 2026-12-24")
    (person,) = rows(sam, Person, platform_user_id="U-SUP")
    assert person.paused_until == date(2026, 12, 24)
    assert "Prompts are on again" in sam.say("U-SUP", "resume")
    (person,) = rows(sam, Person, platform_user_id="U-SUP")
    assert person.paused_until is None
    assert not sam.exchange("U-SUP", "resume").ok


def test_pause_in_the_past_is_refused(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "pause 2026-01-01")
    assert not reply.ok
    assert "in the past" in reply.text
    (person,) = rows(sam, Person, platform_user_id="U-SUP")
    assert person.paused_until is None


def test_snooze_moves_the_open_prompt(sam: FakePlatform) -> None:
    sam.exchange("U-SUP", "commit 6.a")
    sam.exchange("U-ADMIN", "send-now <@U-SUP>")
    with sam.sessions() as session:
        prompt = session.scalars(select(Prompt)).one()
        prompt.status, prompt.sent_at = "sent", sam.now
        session.commit()
    assert "Snoozed 6.a" in sam.say("U-SUP", "snooze 2h")
    (prompt,) = rows(sam, Prompt)
    assert prompt.status == "snoozed"
    assert prompt.snoozed_until == NOW + timedelta(hours=2)


def test_snooze_with_nothing_open_explains_pause(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "snooze 1d")
    assert not reply.ok
    assert "pause <date>" in reply.text


def test_profile_sets_how_the_bot_addresses_someone(sam: FakePlatform) -> None:
    reply = sam.exchange(
        "U-SUP", "profile name=Dr. Sam Rivera pronouns=they/them title=Unit Supervisor"
    )
    assert reply.ok
    (person,) = rows(sam, Person, platform_user_id="U-SUP")
    assert (person.preferred_name, person.pronouns, person.title) == (
        "Dr. Sam Rivera",
        "they/them",
        "Unit Supervisor",
    )
    sam.exchange("U-SUP", "commit 6.a")
    assert sam.say("U-SUP", "commitments").startswith("Dr. Sam Rivera, you are working on")


def test_profile_field_can_be_cleared(sam: FakePlatform) -> None:
    sam.exchange("U-SUP", "profile pronouns=she/her")
    sam.exchange("U-SUP", "profile pronouns=")
    (person,) = rows(sam, Person, platform_user_id="U-SUP")
    assert person.pronouns is None


def test_timezone_changes_the_leaders_zone(sam: FakePlatform) -> None:
    assert "Europe/London" in sam.say("U-SUP", "timezone europe/london")
    (person,) = rows(sam, Person, platform_user_id="U-SUP")
    assert person.timezone == "Europe/London"


def test_unknown_timezone_suggests_the_right_one(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "timezone America/Los_Angles")
    assert not reply.ok
    assert "America/Los_Angeles" in reply.text


def test_a_leader_cannot_run_admin_commands(sam: FakePlatform) -> None:
    reply = sam.exchange("U-SUP", "leader add <@U-MGR> role=manager")
    assert not reply.ok
    assert "for Follow-Through admins" in reply.text
    with sam.sessions() as session:
        assert (
            session.scalar(select(func.count()).select_from(Person).filter_by(is_leader=True)) == 1
        )


def test_commit_says_when_prompts_really_go_out_when_the_cadence_falls_on_a_weekend(
    sam: FakePlatform,
) -> None:
    sam.exchange("U-ADMIN", "cadence set default weekly sat 09:00")
    reply = sam.say("U-SUP", "commit 6.a")
    assert "every Saturday at 09:00 (Saturdays are off" in reply
    # NOW is Monday 2026-11-23 08:00 in Los Angeles: the first prompt is Monday the 30th.
    assert "next: Monday 30 November at 09:00 (America/Los_Angeles)" in reply


def test_commit_names_the_next_prompt(sam: FakePlatform) -> None:
    reply = sam.say("U-SUP", "commit 6.a")
    assert "every Monday at 09:00; next: Monday 23 November at 09:00 (America/Los_Angeles)" in reply


def test_people_and_their_workspace_are_stamped_with_the_moment_of_the_message(
    chat: FakePlatform,
) -> None:
    """Not the wall clock: workspace-wide figures count people from when they arrived."""
    chat.now = NOW - timedelta(days=400)
    chat.exchange("U-ADMIN", "help")
    chat.now = NOW - timedelta(days=300)
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    (admin,) = rows(chat, Person, platform_user_id="U-ADMIN")
    (sam,) = rows(chat, Person, platform_user_id="U-SUP")
    (workspace,) = rows(chat, Workspace)
    assert workspace.created_at == admin.created_at == NOW - timedelta(days=400)
    assert sam.created_at == NOW - timedelta(days=300)


def test_commitments_say_when_a_weekend_cadence_really_prompts(sam: FakePlatform) -> None:
    sam.exchange("U-ADMIN", "cadence set default weekly sun 10:00")
    sam.exchange("U-SUP", "commit 6.a")
    assert "every Sunday at 10:00 (Sundays are off" in sam.say("U-SUP", "commitments")


def test_every_domain_has_a_button_to_its_behaviors(sam: FakePlatform) -> None:
    listing = sam.exchange("U-SUP", "behaviors")
    assert [b.label for b in listing.buttons][:3] == [
        "Foundational",
        "Engagement",
        "Inquiry/Exploration",
    ]
    inquiry = sam.press("U-SUP", "run", listing.buttons[2].value).reply
    assert inquiry.title == "Inquiry/Exploration behaviors"
    assert inquiry.buttons


def test_a_domains_behaviors_come_with_a_button_to_each_in_full(sam: FakePlatform) -> None:
    listing = sam.exchange("U-SUP", "behaviors engagement")
    about = [(b.label, b.action, b.value) for b in listing.buttons]
    assert ("About 6", "run", "behavior 6") in about
    page = sam.press("U-SUP", "run", "behavior 6").reply
    assert page.title is not None
    assert page.title.startswith("6 Recognize staff strengths and successes")


def test_home_is_one_card_with_commitments_streak_recent_records_and_buttons(
    sam: FakePlatform,
) -> None:
    assert sam.exchange("U-SUP", "commit 6.a Thank one worker by name").ok
    assert sam.exchange("U-SUP", "log 6.a Thanked Jo").ok
    card = sam.exchange("U-SUP", "home")
    assert card.title == "Hi Sam Supervisor"
    assert "6.a" in card.items[0]
    assert [part.title for part in card.sections] == ["Recent records"]
    assert "Thanked Jo" in " ".join(card.sections[0].lines)
    assert [b.action for b in card.buttons] == ["home.drop", "home.add"]

    dropped = sam.press("U-SUP", "home.drop", "6.a").reply
    assert dropped.text.startswith("Dropped 6.a")
    bad = sam.press("U-SUP", "home.drop", "6.a; leader add x").reply
    assert not bad.ok
    assert "doesn't point at a behavior" in bad.text


def test_history_reads_as_sentences_with_flags_after_them(sam: FakePlatform) -> None:
    assert sam.exchange("U-SUP", "log 6.a Thanked the team.").ok
    with sam.sessions() as session:
        record = session.scalars(select(Record)).one()
        record.shared = True
        person_id = record.person_id
        session.add(
            Record(
                person_id=person_id,
                behavior_id="3.a",
                outcome="not_this_week",
                barrier="a family matter",
                barrier_private=True,
                source="button",
                created_at=NOW,
            )
        )
        session.commit()
    text = sam.say("U-SUP", "history")
    assert "6.a Done — Thanked the team. (shared)" in text
    assert "3.a Not this week — in the way: a family matter (kept private)" in text
    assert "Your last 4 weeks: 2 records" in text
