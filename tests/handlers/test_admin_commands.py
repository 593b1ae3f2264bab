"""Admin commands through the fake platform: enrolment, teams, cadences, digests, audit."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.platforms.fake import FakePlatform
from bot.store.models import (
    AuditEvent,
    CadenceRule,
    Digest,
    Holiday,
    Person,
    Prompt,
    Team,
    TeamMembership,
    Workspace,
)
from bot.store.retention import forget
from tests.conftest import NOW


def rows(chat: FakePlatform, model: type, **filters: object) -> list:
    with chat.sessions() as session:
        return list(session.scalars(select(model).filter_by(**filters)))


def person(chat: FakePlatform, user_id: str) -> Person:
    (found,) = rows(chat, Person, platform_user_id=user_id)
    return found


def audit_actions(chat: FakePlatform) -> list[str]:
    with chat.sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def agency(chat: FakePlatform) -> FakePlatform:
    """A team North with Sam (supervisor) and Morgan (manager) in it."""
    assert chat.exchange("U-ADMIN", "team add North <#C0NORTH|north-impl>").ok
    assert chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor team=North").ok
    assert chat.exchange("U-ADMIN", "leader add morgan@agency.org role=manager team=north").ok
    return chat


def test_bootstrap_admin_is_an_admin_on_first_contact(chat: FakePlatform) -> None:
    chat.say("U-ADMIN", "help")
    assert person(chat, "U-ADMIN").is_admin
    chat.say("U-SUP", "help")
    assert not person(chat, "U-SUP").is_admin


def test_leader_add_by_mention_enrolls_with_role_team_and_zone(chat: FakePlatform) -> None:
    chat.exchange("U-ADMIN", "team add North #north-impl")
    reply = chat.exchange(
        "U-ADMIN", "leader add <@U-SUP|sam> role=supervisor team=North tz=America/Chicago"
    )
    assert reply.ok, reply.text
    sam = person(chat, "U-SUP")
    assert (sam.is_leader, sam.role, sam.timezone) == (True, "supervisor", "America/Chicago")
    assert sam.display_name == "Sam Supervisor"
    assert sam.email == "sam@agency.org"
    (membership,) = rows(chat, TeamMembership, person_id=sam.id)
    assert membership.ended_at is None
    assert "leader.add" in audit_actions(chat)


def test_leader_add_by_email_uses_the_platform_directory(chat: FakePlatform) -> None:
    assert chat.exchange("U-ADMIN", "leader add Dana@Agency.org role=director").ok
    dana = person(chat, "U-DIR")
    assert dana.role == "director"
    assert dana.timezone == "UTC"


def test_leader_add_keeps_the_zone_from_the_directory(chat: FakePlatform) -> None:
    chat.exchange("U-ADMIN", "leader add morgan@agency.org role=manager")
    assert person(chat, "U-MGR").timezone == "Europe/London"


def test_leader_add_of_someone_unknown_is_refused(chat: FakePlatform) -> None:
    reply = chat.exchange("U-ADMIN", "leader add ghost@agency.org role=manager")
    assert not reply.ok
    assert "can't find anyone with the email ghost@agency.org" in reply.text
    assert rows(chat, Person, email="ghost@agency.org") == []


def test_leader_add_to_an_unknown_team_changes_nothing(chat: FakePlatform) -> None:
    reply = chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor team=Nope")
    assert not reply.ok
    assert "no team called Nope" in reply.text
    assert rows(chat, Person, is_leader=True) == []
    assert "leader.add" not in audit_actions(chat)


def test_leader_add_without_a_role_shows_the_usage(chat: FakePlatform) -> None:
    reply = chat.exchange("U-ADMIN", "leader add <@U-SUP>")
    assert not reply.ok
    assert "role=supervisor, manager or director" in reply.text
    assert "Usage: `leader add <user> role=" in reply.text


def test_leader_list_shows_role_team_and_commitments(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", "commit 6.a")
    text = agency.say("U-ADMIN", "leader list")
    assert "2 leaders enrolled" in text
    assert "Sam Supervisor — supervisor, North, America/Los_Angeles, 1 commitment" in text


def test_lists_show_pronouns_and_titles_people_gave(agency: FakePlatform) -> None:
    assert agency.exchange("U-SUP", 'profile pronouns=she/her title="Intake Supervisor"').ok
    expected = "Sam Supervisor (she/her), Intake Supervisor"
    assert f"{expected} — supervisor, North" in agency.say("U-ADMIN", "leader list")
    assert f"{expected} — supervisor" in agency.say("U-ADMIN", "team members North")
    assert "Morgan Manager — manager" in agency.say("U-ADMIN", "team members North")


def test_a_title_without_pronouns_is_set_off_by_a_comma(agency: FakePlatform) -> None:
    assert agency.exchange("U-MGR", 'profile title="Intake Manager"').ok
    assert "Morgan Manager, Intake Manager — manager, North" in agency.say("U-ADMIN", "leader list")


def test_leader_role_changes_the_role_and_is_audited(agency: FakePlatform) -> None:
    assert "now a manager (was supervisor)" in agency.say("U-ADMIN", "leader role <@U-SUP> manager")
    assert person(agency, "U-SUP").role == "manager"
    (event,) = [e for e in rows(agency, AuditEvent) if e.action == "leader.role"]
    assert event.detail == {"old": "supervisor", "new": "manager"}
    assert event.target == "U-SUP"


def test_leader_remove_ends_commitments_and_keeps_records(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", "commit 6.a")
    agency.exchange("U-SUP", "log 6.a did it")
    assert "no longer enrolled" in agency.say("U-ADMIN", "leader remove <@U-SUP>")
    sam = person(agency, "U-SUP")
    assert not sam.is_leader
    assert "You have no commitments" not in agency.say("U-SUP", "commitments")
    assert not agency.exchange("U-SUP", "commitments").ok
    export = agency.exchange("U-ADMIN", "export").attachment
    assert export is not None
    assert b"did it" in export.data


def test_team_add_refuses_a_duplicate_name(agency: FakePlatform) -> None:
    reply = agency.exchange("U-ADMIN", "team add north #other")
    assert not reply.ok
    assert "already a team called North" in reply.text
    assert len(rows(agency, Team)) == 1


def test_team_add_keeps_the_slack_channel_id(agency: FakePlatform) -> None:
    (team,) = rows(agency, Team)
    assert (team.channel_ref, team.channel_name) == ("C0NORTH", "north-impl")


def test_team_members_add_list_remove(agency: FakePlatform) -> None:
    assert "Added to North: Dana Director" in agency.say(
        "U-ADMIN", "team members North add dana@agency.org <@U-SUP>"
    )
    assert "Sam Supervisor already in" in agency.say("U-ADMIN", "team members North add <@U-SUP>")
    listed = agency.say("U-ADMIN", "team members North")
    assert "Dana Director" in listed
    assert "Morgan Manager — manager" in listed
    assert "Removed from North: Sam Supervisor" in agency.say(
        "U-ADMIN", "team members North remove <@U-SUP>"
    )
    sam = person(agency, "U-SUP")
    (membership,) = rows(agency, TeamMembership, person_id=sam.id)
    assert membership.ended_at is not None
    assert "Sam" not in agency.say("U-ADMIN", "team members North")


def test_team_list_counts_members(agency: FakePlatform) -> None:
    assert "North — north-impl, 2 members, digest weekly fri 15:00" in agency.say(
        "U-ADMIN", "team list"
    )


def test_team_rename_keeps_members_and_moves_its_cadence_rule(agency: FakePlatform) -> None:
    agency.exchange("U-ADMIN", "cadence set team:North weekly thu 09:00")
    assert agency.say("U-ADMIN", 'team rename north "North Region"') == (
        "Team North is now North Region."
    )
    (team,) = rows(agency, Team)
    assert team.name == "North Region"
    assert len(rows(agency, TeamMembership, team_id=team.id)) == 2
    (rule,) = rows(agency, CadenceRule)
    assert (rule.scope_kind, rule.scope_value) == ("team", "north region")
    agency.exchange("U-SUP", "commit 6.a")
    assert "every Thursday at 09:00" in agency.say("U-SUP", "commitments")
    assert "team.rename" in audit_actions(agency)


def test_team_rename_to_another_teams_name_changes_nothing(agency: FakePlatform) -> None:
    agency.exchange("U-ADMIN", "team add South #south")
    reply = agency.exchange("U-ADMIN", "team rename North south")
    assert not reply.ok
    assert "already a team called South" in reply.text
    assert sorted(t.name for t in rows(agency, Team)) == ["North", "South"]


def test_team_rename_changes_only_the_case_of_its_own_name(agency: FakePlatform) -> None:
    assert agency.exchange("U-ADMIN", "team rename North NORTH").ok
    assert [t.name for t in rows(agency, Team)] == ["NORTH"]


def test_team_channel_and_timezone(agency: FakePlatform) -> None:
    assert "will get its digest in #north-leads" in agency.say(
        "U-ADMIN", "team channel North <#C0LEADS|north-leads>"
    )
    assert "now in America/Chicago" in agency.say("U-ADMIN", "team timezone North america/chicago")
    (team,) = rows(agency, Team)
    assert (team.channel_ref, team.channel_name, team.timezone) == (
        "C0LEADS",
        "north-leads",
        "America/Chicago",
    )
    assert {"team.channel", "team.timezone"} <= set(audit_actions(agency))


@pytest.mark.parametrize(
    "command",
    [
        "team rename Nowhere Somewhere",
        "team channel Nowhere #x",
        "team timezone Nowhere UTC",
        "team remove Nowhere",
        "cadence clear team:Nowhere",
    ],
)
def test_a_team_command_on_an_unknown_team_changes_nothing(
    agency: FakePlatform, command: str
) -> None:
    before = audit_actions(agency)
    reply = agency.exchange("U-ADMIN", command)
    assert not reply.ok
    assert "There is no team called Nowhere. Teams: North." in reply.text
    assert audit_actions(agency) == before


@pytest.mark.parametrize(
    "command",
    ["team rename North South", "team remove North", "cadence clear default"],
)
def test_team_and_cadence_changes_are_for_admins(agency: FakePlatform, command: str) -> None:
    reply = agency.exchange("U-SUP", command)
    assert not reply.ok
    assert "for Follow-Through admins" in reply.text
    assert [t.name for t in rows(agency, Team)] == ["North"]


def test_team_remove_takes_memberships_digests_and_its_cadence_rule_not_leaders(
    agency: FakePlatform,
) -> None:
    agency.exchange("U-SUP", "log 6.a Thanked the intake unit")
    agency.exchange("U-ADMIN", "digest send North")
    agency.exchange("U-ADMIN", "cadence set team:North weekly thu 09:00")
    agency.exchange("U-ADMIN", "cadence set role:manager weekly wed 10:00")
    text = agency.say("U-ADMIN", "team remove north")
    assert text == (
        "Removed team North (2 members now) and its 1 digest. Its leaders stay enrolled, and "
        "their records stay on the dashboard."
    )
    assert rows(agency, Team) == []
    assert rows(agency, TeamMembership) == []
    assert rows(agency, Digest) == []
    assert [r.scope_kind for r in rows(agency, CadenceRule)] == ["role"]
    assert person(agency, "U-SUP").is_leader
    assert "team.remove" in audit_actions(agency)


def test_cadence_clear_lets_the_next_rule_apply(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", "commit 6.a")
    agency.exchange("U-ADMIN", "cadence set default weekly tue 09:00")
    agency.exchange("U-ADMIN", "cadence set role:supervisor weekly wed 09:00")
    assert "every Wednesday at 09:00" in agency.say("U-SUP", "commitments")

    assert "a broader one applies again" in agency.say("U-ADMIN", "cadence clear role:supervisor")
    assert "every Tuesday at 09:00" in agency.say("U-SUP", "commitments")
    assert "the built-in `weekly mon 09:00` applies again" in agency.say(
        "U-ADMIN", "cadence clear default"
    )
    assert "every Monday at 09:00" in agency.say("U-SUP", "commitments")
    assert rows(agency, CadenceRule) == []
    events = [e for e in rows(agency, AuditEvent) if e.action == "cadence.clear"]
    assert [e.detail["old"] for e in events] == ["weekly wed 09:00", "weekly tue 09:00"]


def test_cadence_clear_of_a_scope_without_a_rule_changes_nothing(agency: FakePlatform) -> None:
    reply = agency.exchange("U-ADMIN", "cadence clear role:director")
    assert not reply.ok
    assert "No cadence is set for role:director" in reply.text


@pytest.mark.parametrize(
    ("scope", "kind", "value"),
    [
        ("default", "default", ""),
        ("role:supervisor", "role", "supervisor"),
        ("team:North", "team", "north"),
        ("behavior:6.a", "behavior", "6.a"),
    ],
)
def test_cadence_set_stores_one_rule_per_scope(
    agency: FakePlatform, scope: str, kind: str, value: str
) -> None:
    assert agency.exchange("U-ADMIN", f"cadence set {scope} biweekly thu 14:00").ok
    assert agency.exchange("U-ADMIN", f"cadence set {scope} weekdays 8:30").ok
    (rule,) = rows(agency, CadenceRule)
    assert (rule.scope_kind, rule.scope_value, rule.spec) == (kind, value, "weekdays 08:30")
    events = [e for e in rows(agency, AuditEvent) if e.action == "cadence.set"]
    assert [e.detail["new"] for e in events] == ["biweekly thu 14:00", "weekdays 08:30"]


def test_cadence_resolution_user_beats_behavior_team_role_default(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", "commit 6.a")

    def sams_cadence() -> str:
        return agency.say("U-SUP", "commitments")

    assert "every Monday at 09:00" in sams_cadence()
    agency.exchange("U-ADMIN", "cadence set default weekly tue 09:00")
    assert "every Tuesday at 09:00" in sams_cadence()
    agency.exchange("U-ADMIN", "cadence set role:supervisor weekly wed 09:00")
    assert "every Wednesday at 09:00" in sams_cadence()
    agency.exchange("U-ADMIN", "cadence set team:North weekly thu 09:00")
    assert "every Thursday at 09:00" in sams_cadence()
    agency.exchange("U-ADMIN", "cadence set behavior:6 weekly fri 09:00")
    assert "every Friday at 09:00" in sams_cadence()
    agency.exchange("U-ADMIN", "cadence set sam@agency.org monthly first mon 10:00")
    assert "the first Monday of each month at 10:00" in sams_cadence()


def test_cadence_show_lists_rules_and_explains_a_person(agency: FakePlatform) -> None:
    agency.exchange("U-ADMIN", "cadence set role:manager weekly wed 10:00")
    text = agency.say("U-ADMIN", "cadence show")
    assert "default: `weekly mon 09:00` (built in)" in text
    assert "role:manager: `weekly wed 10:00`" in text
    assert "from the role:manager cadence" in agency.say("U-ADMIN", "cadence show <@U-MGR>")
    assert "No cadence set for team North" in agency.say("U-ADMIN", "cadence show team:North")


def test_cadence_set_with_a_bad_spec_changes_nothing(agency: FakePlatform) -> None:
    reply = agency.exchange("U-ADMIN", "cadence set default weekly funday 09:00")
    assert not reply.ok
    assert "a day of the week" in reply.text
    assert "weekly mon 09:00" in reply.text
    assert rows(agency, CadenceRule) == []


def test_reminder_and_quiet_hours_are_workspace_settings(chat: FakePlatform) -> None:
    assert "after 6 hours" in chat.say("U-ADMIN", "reminder 6")
    assert "between 18:00 and 08:00" in chat.say("U-ADMIN", "quiet 18:00-08:00")
    (workspace,) = rows(chat, Workspace)
    assert (workspace.reminder_hours, workspace.quiet_start, workspace.quiet_end) == (
        6,
        "18:00",
        "08:00",
    )
    chat.say("U-ADMIN", "reminder off")
    chat.say("U-ADMIN", "quiet off")
    (workspace,) = rows(chat, Workspace)
    assert (workspace.reminder_hours, workspace.quiet_start) == (None, None)
    assert audit_actions(chat) == ["reminder", "quiet", "reminder", "quiet"]


def test_workdays_are_shown_set_and_audited(chat: FakePlatform) -> None:
    assert "Prompts go out Monday to Friday" in chat.say("U-ADMIN", "workdays")
    assert "Working days: Sunday to Thursday." in chat.say("U-ADMIN", "workdays sun-thu")
    assert "Prompts go out Sunday to Thursday" in chat.say("U-ADMIN", "workdays")
    (workspace,) = rows(chat, Workspace)
    assert workspace.working_days == "mon,tue,wed,thu,sun"
    chat.say("U-ADMIN", "workdays mon-fri")
    (workspace,) = rows(chat, Workspace)
    assert workspace.working_days is None  # the usual week is stored as no setting
    events = [e for e in rows(chat, AuditEvent) if e.action == "workdays"]
    assert [e.detail["new"] for e in events] == ["mon,tue,wed,thu,sun", "mon,tue,wed,thu,fri"]


@pytest.mark.parametrize(
    ("user", "command", "says"),
    [
        ("U-ADMIN", "workdays funday", "`funday` is not a day of the week"),
        ("U-ADMIN", "workdays mon-", "is not a day of the week"),
        ("U-SUP", "workdays sun-thu", "for Follow-Through admins"),
    ],
)
def test_workdays_refused_changes_nothing(
    chat: FakePlatform, user: str, command: str, says: str
) -> None:
    chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor")
    reply = chat.exchange(user, command)
    assert not reply.ok
    assert says in reply.text
    (workspace,) = rows(chat, Workspace)
    assert workspace.working_days is None


def test_holidays_add_list_remove(chat: FakePlatform) -> None:
    assert "2026-12-25 is a holiday" in chat.say("U-ADMIN", "holiday add 2026-12-25")
    assert not chat.exchange("U-ADMIN", "holiday add 2026-12-25").ok
    assert "2026-12-25" in chat.say("U-ADMIN", "holiday list")
    assert [h.day for h in rows(chat, Holiday)] == [date(2026, 12, 25)]
    assert "no longer a holiday" in chat.say("U-ADMIN", "holiday remove 2026-12-25")
    assert rows(chat, Holiday) == []
    assert not chat.exchange("U-ADMIN", "holiday remove 2026-12-25").ok


def test_digest_preview_shows_shared_notes_and_barriers(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", "log 6.a Thanked the intake unit")
    text = agency.say("U-ADMIN", "digest preview North")
    assert "North digest, 2026-11-23 to 2026-11-29" in text
    assert "1 of 2 leaders took part" in text
    assert "Engagement: 1 done" in text
    assert "Thanked the intake unit" not in text  # a log is not shared unless the leader shares
    assert rows(agency, Digest) == []


def test_digest_send_goes_out_once_per_week(agency: FakePlatform) -> None:
    assert "Queued the digest for North" in agency.say("U-ADMIN", "digest send North")
    reply = agency.exchange("U-ADMIN", "digest send north")
    assert not reply.ok
    assert "already out" in reply.text
    (digest,) = rows(agency, Digest)
    assert digest.period_start == date(2026, 11, 23)
    assert digest.status == "pending"
    assert digest.body["leaders"] == 2


def test_digest_schedule_sets_the_teams_cadence(agency: FakePlatform) -> None:
    assert "every Thursday at 16:00" in agency.say(
        "U-ADMIN", "digest schedule North weekly thu 16:00"
    )
    (team,) = rows(agency, Team)
    assert team.digest_cadence == "weekly thu 16:00"


def test_export_returns_every_record_as_csv(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", 'log 6.a Thanked "the unit", all of them')
    reply = agency.exchange("U-ADMIN", "export")
    assert reply.attachment is not None
    assert reply.attachment.content_type == "text/csv"
    (row,) = csv.DictReader(io.StringIO(reply.attachment.data.decode()))
    assert row["leader"] == "Sam Supervisor"
    assert row["team"] == "North"
    assert row["note"] == 'Thanked "the unit", all of them'
    assert row["platform"] == "fake"
    assert row["shared"] == "no"


def test_export_turns_a_formula_in_a_note_into_text(agency: FakePlatform) -> None:
    formula = '=HYPERLINK("http://evil.example","x")'
    agency.exchange("U-SUP", f"log 6.a {formula}")
    reply = agency.exchange("U-ADMIN", "export")
    assert reply.attachment is not None
    (row,) = csv.DictReader(io.StringIO(reply.attachment.data.decode()))
    assert row["note"] == f"'{formula}"


def test_export_since_a_day_leaves_out_the_records_before_it(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", "log 6.a Thanked the intake unit")
    agency.now = tomorrow = NOW + timedelta(days=1)
    agency.exchange("U-SUP", "log 7.b Walked the floor with the new hires")
    reply = agency.exchange("U-ADMIN", f"export since {tomorrow.date()}")
    assert f"1 records since {tomorrow.date()}" in reply.text
    assert reply.attachment is not None
    exported = csv.DictReader(io.StringIO(reply.attachment.data.decode()))
    assert [row["note"] for row in exported] == ["Walked the floor with the new hires"]


def test_admin_add_and_remove(agency: FakePlatform) -> None:
    assert "now an admin" in agency.say("U-ADMIN", "admin add <@U-MGR>")
    assert person(agency, "U-MGR").is_admin
    assert agency.exchange("U-MGR", "leader list").ok
    assert "no longer an admin" in agency.say("U-ADMIN", "admin remove <@U-MGR>")
    assert not person(agency, "U-MGR").is_admin
    assert not agency.exchange("U-MGR", "leader list").ok


def test_an_admin_from_the_setting_is_removed_in_the_setting(agency: FakePlatform) -> None:
    agency.exchange("U-ADMIN", "admin add <@U-MGR>")
    reply = agency.exchange("U-MGR", "admin remove <@U-ADMIN>")
    assert not reply.ok
    assert "FOLLOWTHROUGH_ADMINS" in reply.text
    assert person(agency, "U-ADMIN").is_admin


def test_the_last_admin_cannot_remove_themselves(chat: FakePlatform) -> None:
    reply = chat.exchange("U-ADMIN", "admin remove <@U-ADMIN>")
    assert not reply.ok
    assert "last admin" in reply.text
    assert person(chat, "U-ADMIN").is_admin


def test_send_now_queues_one_prompt_per_commitment_once(agency: FakePlatform) -> None:
    agency.exchange("U-SUP", "commit 6.a")
    agency.exchange("U-SUP", "commit 7.b")
    assert "about 6.a, 7.b" in agency.say("U-ADMIN", "send-now <@U-SUP>")
    assert not agency.exchange("U-ADMIN", "send-now <@U-SUP>").ok
    prompts = rows(agency, Prompt)
    assert sorted(p.behavior_id for p in prompts) == ["6.a", "7.b"]
    assert {p.status for p in prompts} == {"pending"}


def test_send_now_for_someone_without_commitments_needs_a_behavior(agency: FakePlatform) -> None:
    reply = agency.exchange("U-ADMIN", "send-now <@U-MGR>")
    assert not reply.ok
    assert "no commitments yet" in reply.text
    assert agency.exchange("U-ADMIN", "send-now <@U-MGR> 9.a.ii").ok


def test_dashboard_gives_a_signed_link(chat: FakePlatform) -> None:
    reply = chat.exchange("U-ADMIN", "dashboard")
    link = dict(reply.fields)["Dashboard"]
    assert link.startswith("http://127.0.0.1:3978/dashboard?token=")


def test_an_implementation_team_member_gets_a_dashboard_link_too(agency: FakePlatform) -> None:
    reply = agency.exchange("U-SUP", "dashboard")
    assert reply.ok
    assert dict(reply.fields)["Dashboard"].startswith("http://127.0.0.1:3978/dashboard?token=")


def test_the_dashboard_is_refused_to_someone_in_no_team(agency: FakePlatform) -> None:
    agency.exchange("U-ADMIN", "leader add <@U-DIR> role=director")
    reply = agency.exchange("U-DIR", "dashboard")
    assert not reply.ok
    assert "for Follow-Through admins, implementation team members and leaders" in reply.text
    assert "dashboard.link" not in audit_actions(agency)


def test_every_admin_command_is_refused_to_non_admins(agency: FakePlatform) -> None:
    commands = [
        "leader add <@U-DIR> role=director",
        "leader remove <@U-SUP>",
        "leader list",
        "leader role <@U-SUP> manager",
        "team add South #south",
        "team list",
        "team members North add <@U-DIR>",
        "cadence set default off",
        "cadence show",
        "reminder 4",
        "quiet 18:00-08:00",
        "holiday add 2026-12-25",
        "holiday remove 2026-12-25",
        "holiday list",
        "digest preview North",
        "digest send North",
        "digest schedule North weekly fri 15:00",
        "export",
        "admin add <@U-SUP>",
        "admin remove <@U-ADMIN>",
        "send-now <@U-SUP>",
        "audit",
        "audit since 2026-01-01",
    ]
    with agency.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    for command in commands:
        reply = agency.exchange("U-SUP", command)
        assert not reply.ok, command
        assert "for Follow-Through admins" in reply.text
    with agency.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_audit_shows_who_changed_what_newest_first_in_the_admins_zone(
    agency: FakePlatform,
) -> None:
    agency.exchange("U-ADMIN", "timezone America/Chicago")
    agency.now = NOW + timedelta(days=2)
    assert agency.exchange("U-ADMIN", "leader role <@U-SUP> manager").ok

    reply = agency.exchange("U-ADMIN", "audit")

    assert reply.ok
    assert reply.text == "4 changes, newest first (America/Chicago):"
    later = (NOW + timedelta(days=2)).astimezone(ZoneInfo("America/Chicago"))
    earlier = NOW.astimezone(ZoneInfo("America/Chicago"))
    assert reply.items == (
        f"{later:%Y-%m-%d %H:%M %Z} — Avery Admin (admin) made Sam Supervisor a manager "
        "(was supervisor)",
        f"{earlier:%Y-%m-%d %H:%M %Z} — Avery Admin (admin) enrolled Morgan Manager as a "
        "manager in team North (Europe/London)",
        f"{earlier:%Y-%m-%d %H:%M %Z} — Avery Admin (admin) enrolled Sam Supervisor as a "
        "supervisor in team North (America/Los_Angeles)",
        f"{earlier:%Y-%m-%d %H:%M %Z} — Avery Admin (admin) added team North (channel C0NORTH)",
    )


def test_audit_since_a_day_leaves_out_what_came_before(agency: FakePlatform) -> None:
    agency.now = NOW + timedelta(days=2)
    agency.exchange("U-ADMIN", "holiday add 2026-12-25")
    since = (NOW + timedelta(days=1)).date().isoformat()

    reply = agency.exchange("U-ADMIN", f"audit since {since}")

    assert reply.text == f"1 change since {since}, newest first (UTC):"
    assert len(reply.items) == 1
    assert "Avery Admin (admin) made 2026-12-25 a holiday" in reply.items[0]
    later = (NOW + timedelta(days=3)).date().isoformat()
    agency.now = NOW + timedelta(days=3)
    assert agency.say("U-ADMIN", f"audit {later}") == f"No changes recorded since {later}."


def test_audit_shows_the_newest_twenty_and_says_how_many_more(agency: FakePlatform) -> None:
    for hours in range(1, 24):
        assert agency.exchange("U-ADMIN", f"reminder {hours}").ok

    reply = agency.exchange("U-ADMIN", "audit")

    assert reply.text == "The last 20 of 26 changes, newest first (UTC):"
    assert len(reply.items) == 21
    assert reply.items[0].endswith("set reminders to 23 hours (was 22 hours)")
    assert reply.items[-1] == "and 6 more — use `followthrough audit` for all"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("audit since", "Since when? Give a date after `since`."),
        ("audit since last week", "`last week` is not a date: use YYYY-MM-DD."),
        ("audit 7d", "`7d` is not a date: use YYYY-MM-DD."),
    ],
)
def test_audit_with_a_malformed_since_says_what_is_wrong(
    agency: FakePlatform, text: str, problem: str
) -> None:
    reply = agency.exchange("U-ADMIN", text)
    assert not reply.ok
    assert reply.text == f"{problem}\nUsage: `audit [since YYYY-MM-DD]`"


def test_audit_names_a_forgotten_person_and_an_operator(
    agency: FakePlatform, sessions: sessionmaker[Session]
) -> None:
    agency.exchange("U-ADMIN", "admin add <@U-MGR>")
    agency.exchange("U-MGR", "leader remove <@U-SUP>")
    with sessions.begin() as session:
        morgan = session.get_one(Person, person(agency, "U-MGR").id)
        forget(session, morgan, now=NOW, by="an operator (followthrough forget)")

    items = agency.exchange("U-ADMIN", "audit").items

    assert items[0].endswith(
        "an operator (followthrough forget) forgot a person: deleted their records and took "
        "their identity out of the trail"
    )
    assert items[1].endswith("a forgotten person removed Sam Supervisor as a leader")
    assert items[2].endswith("Avery Admin (admin) made a forgotten person an admin")
    assert not any("Morgan" in item for item in items)


def test_help_lists_audit_for_admins_only(agency: FakePlatform) -> None:
    assert "audit [since YYYY-MM-DD]" in agency.say("U-ADMIN", "help")
    assert "audit" not in agency.say("U-SUP", "help")
