"""`followthrough chat --as <user> "<command>"`: every chat command in SPEC.md, run from the
terminal against a real database, with what it changed checked in that database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import update

from bot.core.catalog import load_catalog
from bot.store.models import (
    AuditEvent,
    CadenceRule,
    Commitment,
    Digest,
    Holiday,
    Person,
    Prompt,
    Record,
    Team,
    TeamMembership,
    Workspace,
)
from tests.cli.conftest import ADMIN, SECRET, Database, Run

SAM = "sam@agency.org"  # a supervisor, in UTC
MORGAN = "morgan@agency.org"  # not enrolled until a test enrolls them
CATALOG = load_catalog()
SUPERVISOR_ITEM = "4.a.i"
DIRECTOR_ITEM = "3.a.i"


def today() -> date:
    return datetime.now(UTC).date()


def ok(run: Run, as_user: str, command: str, expected: str) -> str:
    """Run a command that must succeed and say `expected`; its whole output."""
    result = run(as_user, command)
    assert result.exit_code == 0, f"{command!r} failed: {result.output}"
    assert expected in result.output
    return result.output


def refused(run: Run, as_user: str, command: str) -> str:
    """Run a command that must be refused; its output."""
    result = run(as_user, command)
    assert result.exit_code == 1, f"{command!r} was not refused: {result.output}"
    return result.output


def item_lines(output: str) -> list[str]:
    return [line.removeprefix("  • ") for line in output.splitlines() if line.startswith("  • ")]


def backdate(db: Database, model: type, column: str, when: datetime, **filters: object) -> None:
    with db.session() as session:
        session.execute(update(model).filter_by(**filters).values({column: when}))
        session.commit()


def open_prompt(
    db: Database,
    email: str,
    behavior_id: str,
    status: str = "sent",
    commitment_id: int | None = None,
) -> int:
    """A prompt the scheduler already delivered to a leader (status `sent` by default)."""
    now = datetime.now(UTC)
    with db.session() as session:
        person = session.query(Person).filter_by(email=email).one()
        prompt = Prompt(
            person_id=person.id,
            behavior_id=behavior_id,
            commitment_id=commitment_id,
            scheduled_for=now - timedelta(hours=1),
            status=status,
            sent_at=now - timedelta(hours=1) if status == "sent" else None,
            delivery_key=f"test:{person.id}:{behavior_id}:{status}",
            created_at=now - timedelta(hours=1),
        )
        session.add(prompt)
        session.commit()
        return prompt.id


@pytest.fixture
def sam(run: Run) -> str:
    """Sam is enrolled as a supervisor (in UTC, the local chat's default zone)."""
    ok(run, ADMIN, f"leader add {SAM} role=supervisor", "Enrolled")
    return SAM


@pytest.fixture
def alpha(run: Run) -> str:
    """An implementation team called Alpha, with its digest in #alpha."""
    ok(run, ADMIN, "team add Alpha #alpha", "Team Alpha")
    return "Alpha"


# --- help ------------------------------------------------------------------------------------


def test_help_for_an_admin_lists_the_admin_commands(run: Run) -> None:
    output = ok(run, ADMIN, "help", "Follow-Through help")
    assert "Admin commands:" in output
    for usage in ("leader add <user>", "cadence set", "digest preview <team>", "dashboard"):
        assert usage in output


def test_help_for_a_leader_lists_leader_commands_and_no_admin_ones(run: Run, sam: str) -> None:
    output = ok(run, sam, "help", "Follow-Through help")
    assert "commit <behavior-id> [goal text]" in output
    assert "snooze <duration>" in output
    assert "Admin commands:" not in output
    assert "leader add" not in output
    assert "digest send" not in output


def test_help_on_one_command_gives_its_usage(run: Run, sam: str) -> None:
    output = ok(run, sam, "help snooze", "Help: snooze")
    assert "snooze <duration>" in output


# --- behaviors -------------------------------------------------------------------------------


def test_behaviors_lists_every_domain_and_behavior(run: Run, sam: str) -> None:
    output = ok(run, sam, "behaviors", CATALOG.framework)
    lines = item_lines(output)
    assert [line.split(":")[0] for line in lines] == [d.name for d in CATALOG.domains]
    for _, behavior in CATALOG.behaviors():
        assert f"{behavior.id} {behavior.title}" in output


def test_behaviors_for_a_domain_shows_only_that_domains_behaviors_and_items(
    run: Run, sam: str
) -> None:
    output = ok(run, sam, "behaviors teaming", "Teaming behaviors")
    ids = {line.split()[0] for line in item_lines(output)}
    assert ids == {"10", "11", "12"} | {
        item.id
        for domain in CATALOG.domains
        if domain.id == "teaming"
        for behavior in domain.behaviors
        for item in behavior.items
    }


def test_behaviors_for_a_role_lists_exactly_that_roles_items(run: Run, sam: str) -> None:
    output = ok(run, sam, "behaviors director", "Behaviors for directors")
    shown = {line.split(" — ")[0] for line in item_lines(output)}
    directors = {
        e.id for e in CATALOG.entries.values() if e.role_item and e.role_item.role == "director"
    }
    assert shown == directors
    assert DIRECTOR_ITEM in shown
    assert SUPERVISOR_ITEM not in shown


# --- commitments, commit, drop ---------------------------------------------------------------


def test_commit_with_a_goal_stores_the_commitment_and_commitments_lists_it(
    db: Database, run: Run, sam: str
) -> None:
    ok(run, sam, "commit 6.a Thank one worker by name every Friday", "Committed to 6.a")

    commitment = db.one(Commitment)
    assert commitment.person_id == db.person(sam).id
    assert commitment.behavior_id == "6.a"
    assert commitment.goal == "Thank one worker by name every Friday"
    assert commitment.ended_at is None
    output = ok(run, sam, "commitments", "you are working on")
    assert "6.a" in output
    assert "goal: Thank one worker by name every Friday" in output


def test_commitments_with_none_yet_says_how_to_pick_one(run: Run, sam: str) -> None:
    ok(run, sam, "commitments", "You have no commitments yet")


def test_commit_to_an_item_of_ones_own_role_is_allowed(db: Database, run: Run, sam: str) -> None:
    ok(run, sam, f"commit {SUPERVISOR_ITEM}", f"Committed to {SUPERVISOR_ITEM}")
    assert db.one(Commitment).behavior_id == SUPERVISOR_ITEM


def test_commit_to_another_roles_item_is_refused_and_stores_nothing(
    db: Database, run: Run, sam: str
) -> None:
    output = refused(run, sam, f"commit {DIRECTOR_ITEM}")
    assert "written for directors" in output
    assert "you are enrolled as a supervisor" in output
    assert db.count(Commitment) == 0


def test_commit_by_someone_not_enrolled_is_refused(db: Database, run: Run) -> None:
    output = refused(run, MORGAN, "commit 6.a")
    assert "aren't enrolled as a leader" in output
    assert db.count(Commitment) == 0


def test_drop_ends_the_commitment_and_cancels_its_pending_prompts(
    db: Database, run: Run, sam: str
) -> None:
    ok(run, sam, "commit 6.a", "Committed")
    open_prompt(db, sam, "6.a", status="pending", commitment_id=db.one(Commitment).id)

    ok(run, sam, "drop 6.a", "Dropped 6.a")

    assert db.one(Commitment).ended_at is not None
    assert db.one(Prompt).status == "cancelled"
    ok(run, sam, "commitments", "You have no commitments yet")


def test_drop_of_something_not_committed_to_is_refused(db: Database, run: Run, sam: str) -> None:
    ok(run, sam, "commit 6.a", "Committed")
    output = refused(run, sam, "drop 7.a")
    assert "aren't committed to 7.a" in output
    assert "6.a" in output
    assert db.one(Commitment).ended_at is None


# --- log, history ----------------------------------------------------------------------------


def test_log_stores_a_done_record_with_the_note(db: Database, run: Run, sam: str) -> None:
    ok(run, sam, "log 6.a Thanked Jo for the home visit write-up", "Logged for 6.a")

    record = db.one(Record)
    assert record.person_id == db.person(sam).id
    assert (record.behavior_id, record.outcome, record.source) == ("6.a", "done", "log")
    assert record.note == "Thanked Jo for the home visit write-up"
    assert record.prompt_id is None


def test_history_lists_recent_records_within_the_weeks_asked_for(
    db: Database, run: Run, sam: str
) -> None:
    ok(run, sam, "log 6.a this week", "Logged")
    ok(run, sam, "log 7.a three weeks ago", "Logged")
    backdate(db, Record, "created_at", datetime.now(UTC) - timedelta(weeks=3), behavior_id="7.a")

    last_week = ok(run, sam, "history 1", "Your last week: 1 record,")
    assert "6.a Done — this week" in last_week
    assert "7.a" not in last_week
    four_weeks = ok(run, sam, "history", "Your last 4 weeks: 2 records, 2 done")
    assert "7.a Done — three weeks ago" in four_weeks


def test_history_with_nothing_recorded_says_so(run: Run, sam: str) -> None:
    ok(run, sam, "history 2", "No records in the last 2 weeks")


# --- pause, resume, snooze -------------------------------------------------------------------


def test_pause_until_a_date_stores_it_and_shows_in_the_leader_list(
    db: Database, run: Run, sam: str
) -> None:
    until = today() + timedelta(days=10)
    ok(run, sam, f"pause {until}", f"No prompts until {until}")

    assert db.person(sam).paused_until == until
    ok(run, ADMIN, "leader list", f"paused until {until}")


def test_resume_after_a_pause_turns_prompts_back_on(db: Database, run: Run, sam: str) -> None:
    ok(run, sam, f"pause {today() + timedelta(days=10)}", "Paused")
    ok(run, sam, "resume", "Prompts are on again")
    assert db.person(sam).paused_until is None


def test_resume_when_not_paused_is_refused(run: Run, sam: str) -> None:
    assert "aren't paused" in refused(run, sam, "resume")


def test_snooze_puts_off_the_open_prompt_for_the_duration(db: Database, run: Run, sam: str) -> None:
    open_prompt(db, sam, "6.a")
    before = datetime.now(UTC)

    ok(run, sam, "snooze 2h", "Snoozed 6.a")

    prompt = db.one(Prompt)
    assert prompt.status == "snoozed"
    assert before + timedelta(hours=2) <= prompt.snoozed_until
    assert prompt.snoozed_until <= datetime.now(UTC) + timedelta(hours=2)


def test_snooze_with_no_open_prompt_is_refused(db: Database, run: Run, sam: str) -> None:
    open_prompt(db, sam, "6.a", status="pending")  # not delivered yet, so not open
    assert "no open prompt to snooze" in refused(run, sam, "snooze 1d")
    assert db.one(Prompt).status == "pending"


# --- profile, timezone -----------------------------------------------------------------------


def test_profile_stores_name_pronouns_and_title_and_the_bot_uses_that_name(
    db: Database, run: Run, sam: str
) -> None:
    ok(run, sam, "profile name=Samantha pronouns=she/her title=Unit Supervisor", "Saved.")

    person = db.person(sam)
    assert (person.preferred_name, person.pronouns, person.title) == (
        "Samantha",
        "she/her",
        "Unit Supervisor",
    )
    ok(run, sam, "help", "Hi Samantha.")


def test_profile_without_fields_shows_the_profile_and_changes_nothing(
    db: Database, run: Run, sam: str
) -> None:
    output = ok(run, sam, "profile", "This is how I address you")
    assert "Pronouns: not set" in output
    assert db.person(sam).pronouns is None


def test_timezone_stores_the_iana_zone(db: Database, run: Run, sam: str) -> None:
    ok(run, sam, "timezone europe/london", "Your time zone is now Europe/London")
    assert db.person(sam).timezone == "Europe/London"


def test_a_misspelled_timezone_is_refused_with_a_suggestion(
    db: Database, run: Run, sam: str
) -> None:
    output = refused(run, sam, "timezone Europe/Londn")
    assert "Did you mean `Europe/London`" in output
    assert db.person(sam).timezone == "UTC"


# --- leader add / remove / list / role -------------------------------------------------------


def test_leader_add_with_role_team_and_zone_enrolls_them_and_is_audited(
    db: Database, run: Run, alpha: str
) -> None:
    ok(
        run,
        ADMIN,
        f"leader add {MORGAN} role=manager team=Alpha tz=America/Chicago",
        "Enrolled morgan as a manager (America/Chicago). Added to team Alpha.",
    )

    morgan = db.person(MORGAN)
    assert (morgan.is_leader, morgan.role, morgan.timezone) == (True, "manager", "America/Chicago")
    membership = db.one(TeamMembership)
    assert (membership.person_id, membership.ended_at) == (morgan.id, None)
    assert membership.team_id == db.one(Team).id
    event = db.one(AuditEvent, action="leader.add")
    assert event.actor_id == db.person(ADMIN).id
    assert event.target == MORGAN
    assert event.detail == {"role": "manager", "team": "Alpha", "timezone": "America/Chicago"}


def test_leader_remove_unenrolls_ends_commitments_cancels_prompts_and_keeps_records(
    db: Database, run: Run, sam: str
) -> None:
    ok(run, sam, "commit 6.a", "Committed")
    ok(run, sam, "log 6.a kept", "Logged")
    open_prompt(db, sam, "6.a", status="pending")

    ok(run, ADMIN, f"leader remove {SAM}", "is no longer enrolled")

    assert db.person(sam).is_leader is False
    assert db.one(Commitment).ended_at is not None
    assert db.one(Prompt).status == "cancelled"
    assert db.count(Record) == 1
    assert db.one(AuditEvent, action="leader.remove").target == SAM
    assert "aren't enrolled" in refused(run, sam, "commitments")


def test_leader_list_shows_each_leader_with_role_team_zone_and_commitments(
    run: Run, sam: str, alpha: str
) -> None:
    ok(run, ADMIN, f"team members Alpha add {SAM}", "Added")
    ok(run, sam, "commit 6.a", "Committed")
    ok(run, ADMIN, f"leader add {MORGAN} role=director tz=Europe/London", "Enrolled")

    output = ok(run, ADMIN, "leader list", "2 leaders enrolled.")
    assert "sam — supervisor, Alpha, UTC, 1 commitment" in output
    assert "morgan — director, no team, Europe/London, 0 commitments" in output


def test_leader_role_changes_the_role_and_is_audited(db: Database, run: Run, sam: str) -> None:
    ok(run, ADMIN, f"leader role {SAM} manager", "sam is now a manager (was supervisor)")

    assert db.person(sam).role == "manager"
    event = db.one(AuditEvent, action="leader.role")
    assert event.detail == {"old": "supervisor", "new": "manager"}


# --- teams -----------------------------------------------------------------------------------


def test_team_add_creates_the_team_with_its_channel_and_is_audited(db: Database, run: Run) -> None:
    ok(run, ADMIN, 'team add "Family Services" #family-services', "Team Family Services")

    team = db.one(Team)
    assert (team.name, team.channel_ref) == ("Family Services", "family-services")
    assert db.one(AuditEvent, action="team.add").target == "Family Services"


def test_team_add_with_a_name_already_taken_is_refused(db: Database, run: Run, alpha: str) -> None:
    assert "already a team called Alpha" in refused(run, ADMIN, "team add alpha #other")
    assert db.count(Team) == 1


def test_team_list_shows_each_team_its_channel_members_and_digest_cadence(
    run: Run, sam: str, alpha: str
) -> None:
    ok(run, ADMIN, f"team members Alpha add {SAM}", "Added")
    ok(run, ADMIN, "team add Beta #beta", "Team Beta")

    output = ok(run, ADMIN, "team list", "2 teams:")
    assert "Alpha — alpha, 1 member, digest weekly fri 15:00" in output
    assert "Beta — beta, 0 members" in output


def test_team_members_add_and_remove_change_memberships_and_list_shows_them(
    db: Database, run: Run, sam: str, alpha: str
) -> None:
    ok(run, ADMIN, f"team members Alpha add {SAM} {MORGAN}", "Added to Alpha: sam, morgan.")
    assert db.count(TeamMembership, ended_at=None) == 2
    listing = ok(run, ADMIN, "team members Alpha", "Team Alpha:")
    assert item_lines(listing) == ["morgan", "sam — supervisor"]

    ok(run, ADMIN, f"team members Alpha remove {MORGAN}", "Removed from Alpha: morgan.")

    (left,) = [m for m in db.rows(TeamMembership) if m.ended_at is not None]
    assert left.person_id == db.person(MORGAN).id
    assert item_lines(ok(run, ADMIN, "team members Alpha", "Team Alpha:")) == ["sam — supervisor"]
    assert db.audit_actions()[-2:] == ["team.members.add", "team.members.remove"]


# --- cadences --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "kind", "value", "spec"),
    [
        ("default", "default", "", "weekly mon 09:00"),
        ("role:manager", "role", "manager", "biweekly thu 14:00"),
        ("team:Alpha", "team", "alpha", "monthly first mon 10:00"),
        ("behavior:6.a", "behavior", "6.a", "weekdays 08:30"),
        (SAM, "user", None, "off"),  # a person's rule is keyed by their person id
    ],
)
def test_cadence_set_stores_one_rule_per_scope_and_is_audited(
    db: Database,
    run: Run,
    sam: str,
    alpha: str,
    scope: str,
    kind: str,
    value: str | None,
    spec: str,
) -> None:
    ok(run, ADMIN, f"cadence set {scope} {spec}", "Cadence for")

    rule = db.one(CadenceRule)
    if value is None:
        value = str(db.person(sam).id)
    assert (rule.scope_kind, rule.scope_value, rule.spec) == (kind, value, spec)
    event = db.one(AuditEvent, action="cadence.set")
    assert event.detail == {"old": None, "new": spec}
    assert f"`{spec}`" in ok(run, ADMIN, "cadence show", "Cadences")


def test_cadence_set_again_replaces_the_rule_for_that_scope(db: Database, run: Run) -> None:
    ok(run, ADMIN, "cadence set default weekly mon 09:00", "Cadence for default")
    ok(run, ADMIN, "cadence set default weekly wed 11:00", "Cadence for default")

    assert db.one(CadenceRule).spec == "weekly wed 11:00"
    assert db.rows(AuditEvent)[-1].detail == {"old": "weekly mon 09:00", "new": "weekly wed 11:00"}


def test_cadence_show_lists_every_rule_and_the_built_in_default(
    run: Run, sam: str, alpha: str
) -> None:
    ok(run, ADMIN, "cadence set role:supervisor weekly tue 10:00", "Cadence")
    ok(run, ADMIN, f"cadence set {SAM} weekdays 08:30", "Cadence")

    output = ok(run, ADMIN, "cadence show", "Cadences")
    assert item_lines(output) == [
        "default: `weekly mon 09:00` (built in)",
        "role:supervisor: `weekly tue 10:00`",
        "sam: `weekdays 08:30`",
    ]
    ok(
        run,
        ADMIN,
        "cadence show role:supervisor",
        "Cadence for role:supervisor: `weekly tue 10:00`",
    )
    ok(run, ADMIN, "cadence show team:Alpha", "No cadence set for team Alpha")


def test_cadence_show_for_a_person_follows_user_over_team_over_role(
    run: Run, sam: str, alpha: str
) -> None:
    ok(run, ADMIN, f"team members Alpha add {SAM}", "Added")
    ok(run, ADMIN, "cadence set role:supervisor weekly tue 10:00", "Cadence")
    ok(run, ADMIN, f"cadence show {SAM}", "from the role:supervisor cadence")
    ok(run, ADMIN, "cadence set team:Alpha weekly wed 10:00", "Cadence")
    ok(run, ADMIN, f"cadence show {SAM}", "every Wednesday at 10:00 in UTC")
    ok(run, ADMIN, f"cadence set {SAM} weekdays 08:30", "Cadence")
    ok(run, ADMIN, f"cadence show {SAM}", "every working day at 08:30")


def test_a_role_cadence_is_what_a_leader_of_that_role_is_told_on_commit(run: Run, sam: str) -> None:
    ok(run, ADMIN, "cadence set role:supervisor biweekly thu 14:00", "Cadence")
    ok(run, sam, "commit 6.a", "I'll check in every other Thursday at 14:00; next: Thursday")


# --- reminder, quiet, holidays ---------------------------------------------------------------


def test_reminder_sets_the_workspace_reminder_hours_and_off_clears_them(
    db: Database, run: Run
) -> None:
    ok(run, ADMIN, "reminder 12", "One reminder after 12 hours")
    assert db.one(Workspace).reminder_hours == 12
    ok(run, ADMIN, "reminder off", "Reminders are off")
    assert db.one(Workspace).reminder_hours is None
    assert [e.detail for e in db.rows(AuditEvent, action="reminder")] == [
        {"old": 24, "new": 12},
        {"old": 12, "new": None},
    ]


def test_quiet_sets_the_workspace_quiet_hours_and_off_clears_them(db: Database, run: Run) -> None:
    ok(run, ADMIN, "quiet 18:00-08:00", "No prompts between 18:00 and 08:00")
    workspace = db.one(Workspace)
    assert (workspace.quiet_start, workspace.quiet_end) == ("18:00", "08:00")
    ok(run, ADMIN, "quiet off", "Quiet hours are off")
    workspace = db.one(Workspace)
    assert (workspace.quiet_start, workspace.quiet_end) == (None, None)
    assert db.audit_actions() == ["quiet", "quiet"]


def test_holiday_add_list_and_remove(db: Database, run: Run) -> None:
    day = today() + timedelta(days=30)
    ok(run, ADMIN, f"holiday add {day}", f"{day} is a holiday")
    assert [h.day for h in db.rows(Holiday)] == [day]
    assert item_lines(ok(run, ADMIN, "holiday list", "Holidays ahead:")) == [day.isoformat()]

    ok(run, ADMIN, f"holiday remove {day}", f"{day} is no longer a holiday")

    assert db.count(Holiday) == 0
    ok(run, ADMIN, "holiday list", "No holidays ahead.")
    assert db.audit_actions() == ["holiday.add", "holiday.remove"]


def test_holiday_added_twice_is_refused_and_stored_once(db: Database, run: Run) -> None:
    day = today() + timedelta(days=30)
    ok(run, ADMIN, f"holiday add {day}", "is a holiday")
    assert "already a holiday" in refused(run, ADMIN, f"holiday add {day}")
    assert db.count(Holiday) == 1


# --- digests ---------------------------------------------------------------------------------


def test_digest_preview_shows_the_teams_week_and_stores_nothing(
    db: Database, run: Run, sam: str, alpha: str
) -> None:
    ok(run, ADMIN, f"team members Alpha add {SAM}", "Added")
    ok(run, sam, "log 6.a thanked the team", "Logged")

    output = ok(run, ADMIN, "digest preview Alpha", "Alpha digest,")
    assert "1 of 1 leader took part" in output
    assert "Engagement: 1 done" in output
    assert db.count(Digest) == 0


def test_digest_send_twice_queues_exactly_one_digest(
    db: Database, run: Run, sam: str, alpha: str
) -> None:
    ok(run, ADMIN, f"team members Alpha add {SAM}", "Added")

    ok(run, ADMIN, "digest send Alpha", "Queued the digest for Alpha")
    assert "already out" in refused(run, ADMIN, "digest send Alpha")

    digest = db.one(Digest)
    assert digest.team_id == db.one(Team).id
    assert digest.status == "pending"
    assert digest.body["leaders"] == 1
    assert digest.requested_by_id == db.person(ADMIN).id
    assert db.count(AuditEvent, action="digest.send") == 1


def test_digest_schedule_changes_the_teams_digest_cadence(
    db: Database, run: Run, alpha: str
) -> None:
    ok(
        run,
        ADMIN,
        "digest schedule Alpha weekly thu 16:00",
        "Alpha's digest goes out every Thursday at 16:00",
    )

    assert db.one(Team).digest_cadence == "weekly thu 16:00"
    ok(run, ADMIN, "team list", "digest weekly thu 16:00")
    assert db.one(AuditEvent, action="digest.schedule").detail == {
        "old": "weekly fri 15:00",
        "new": "weekly thu 16:00",
    }


def test_digest_for_an_unknown_team_is_refused(db: Database, run: Run, alpha: str) -> None:
    assert "There is no team called Beta. Teams: Alpha." in refused(run, ADMIN, "digest send Beta")
    assert db.count(Digest) == 0


# --- export ----------------------------------------------------------------------------------


def test_export_prints_every_record_as_csv(run: Run, sam: str) -> None:
    ok(run, sam, "log 6.a first", "Logged")
    ok(run, sam, "log 7.a second", "Logged")

    output = ok(run, ADMIN, "export", "2 records.")

    header = "recorded_at,leader,role,team,behavior_id,behavior_title,outcome,note,barrier,"
    assert header in output
    rows = [line for line in output.splitlines() if ",sam,supervisor," in line]
    assert len(rows) == 2
    assert ",6.a," in rows[0]
    assert ",first," in rows[0]
    assert ",7.a," in rows[1]
    assert ",second," in rows[1]


def test_export_since_a_date_leaves_out_older_records(db: Database, run: Run, sam: str) -> None:
    ok(run, sam, "log 6.a recent", "Logged")
    ok(run, sam, "log 7.a old", "Logged")
    backdate(db, Record, "created_at", datetime.now(UTC) - timedelta(days=20), behavior_id="7.a")
    since = today() - timedelta(days=7)

    output = ok(run, ADMIN, f"export since {since}", f"1 records since {since}.")

    assert ",recent," in output
    assert ",old," not in output


# --- admins ----------------------------------------------------------------------------------


def test_admin_add_gives_admin_rights_and_admin_remove_takes_them_away(
    db: Database, run: Run
) -> None:
    ok(run, ADMIN, "admin add ann@agency.org", "ann is now an admin")
    assert db.person("ann@agency.org").is_admin is True
    ok(run, "ann@agency.org", "team list", "No teams yet")

    ok(run, ADMIN, "admin remove ann@agency.org", "ann is no longer an admin")

    assert db.person("ann@agency.org").is_admin is False
    assert "for Follow-Through admins" in refused(run, "ann@agency.org", "team list")
    assert db.audit_actions() == ["admin.add", "admin.remove"]


def test_the_last_admin_cannot_remove_themselves(db: Database, run: Run) -> None:
    ok(run, ADMIN, "help", "Follow-Through help")
    before = db.counts()

    assert "boss is the last admin" in refused(run, ADMIN, f"admin remove {ADMIN}")

    assert db.person(ADMIN).is_admin is True
    assert db.counts() == before


def test_removing_a_bootstrap_admin_is_refused_with_a_pointer_to_the_setting(
    db: Database, run: Run
) -> None:
    ok(run, ADMIN, "admin add ann@agency.org", "ann is now an admin")

    removal = run("ann@agency.org", f"admin remove {ADMIN}")

    assert removal.exit_code == 1
    assert "FOLLOWTHROUGH_ADMINS" in removal.output
    assert db.person(ADMIN).is_admin
    assert run(ADMIN, "team list").exit_code == 0


# --- send-now, dashboard ---------------------------------------------------------------------


def test_send_now_with_a_behavior_queues_a_pending_prompt(db: Database, run: Run, sam: str) -> None:
    ok(run, ADMIN, f"send-now {SAM} 6.b", "Queued a prompt for sam about 6.b")

    prompt = db.one(Prompt)
    assert prompt.person_id == db.person(sam).id
    assert (prompt.behavior_id, prompt.status, prompt.commitment_id) == ("6.b", "pending", None)
    assert db.one(AuditEvent, action="send-now").detail == {"behaviors": ["6.b"]}


def test_send_now_without_a_behavior_queues_one_prompt_per_commitment(
    db: Database, run: Run, sam: str
) -> None:
    ok(run, sam, "commit 6.a", "Committed")
    ok(run, sam, "commit 13.a", "Committed")

    ok(run, ADMIN, f"send-now {SAM}", "about 6.a, 13.a")

    commitments = {c.behavior_id: c.id for c in db.rows(Commitment)}
    prompts = db.rows(Prompt)
    assert {(p.behavior_id, p.commitment_id, p.status) for p in prompts} == {
        ("6.a", commitments["6.a"], "pending"),
        ("13.a", commitments["13.a"], "pending"),
    }


def test_send_now_to_a_leader_without_commitments_needs_a_behavior(
    db: Database, run: Run, sam: str
) -> None:
    assert "name a behavior" in refused(run, ADMIN, f"send-now {SAM}")
    assert db.count(Prompt) == 0


def test_dashboard_gives_a_signed_link_for_the_admin(db: Database, run: Run) -> None:
    output = ok(run, ADMIN, "dashboard", "Your private dashboard link")

    (link,) = [line for line in output.splitlines() if line.startswith("Dashboard: ")]
    url = link.removeprefix("Dashboard: ")
    assert url.startswith("http://127.0.0.1:3978/dashboard?token=")
    token = url.split("token=", 1)[1]
    claims = URLSafeTimedSerializer(SECRET, salt="dashboard").loads(token, max_age=15 * 60)
    admin = db.person(ADMIN)
    assert claims == {"person": admin.id, "workspace": admin.workspace_id}
    assert db.one(AuditEvent, action="dashboard.link").actor_id == admin.id


def test_dashboard_link_uses_the_public_url_when_set(run: Run) -> None:
    result = run(ADMIN, "dashboard", PUBLIC_URL="https://followthrough.agency.org/")
    assert result.exit_code == 0
    assert "Dashboard: https://followthrough.agency.org/dashboard?token=" in result.output


# --- refusals change nothing -----------------------------------------------------------------

PAST = (today() - timedelta(days=10)).isoformat()


@pytest.mark.parametrize(
    ("as_user", "command", "message"),
    [
        pytest.param(
            SAM,
            f"leader add {MORGAN} role=manager",
            "Sorry, that command is for Follow-Through admins.",
            id="non-admin-leader-add",
        ),
        pytest.param(
            SAM, "dashboard", "that command is for Follow-Through admins", id="non-admin-dashboard"
        ),
        pytest.param(
            ADMIN,
            "frobnicate now",
            "I don't know the command `frobnicate`. Type `help`",
            id="unknown-command",
        ),
        pytest.param(
            ADMIN, "comit 6.a", "Did you mean `commit`", id="mistyped-command-gets-a-suggestion"
        ),
        pytest.param(
            ADMIN,
            "cadence set default weekly funday 09:00",
            "That cadence doesn't read right: expected a day of the week",
            id="bad-cadence-spec",
        ),
        pytest.param(
            ADMIN,
            "cadence set everyone weekly mon 09:00",
            "`everyone` is not a scope",
            id="bad-cadence-scope",
        ),
        pytest.param(SAM, "commit 99.z", "There is no behavior `99.z`", id="unknown-behavior"),
        pytest.param(SAM, "log 6.aa did it", "Did you mean `6.a`", id="mistyped-behavior-id"),
        pytest.param(
            ADMIN,
            f"leader add {MORGAN} role=manager team=Nope",
            "There is no team called Nope. Teams: Alpha.",
            id="unknown-team",
        ),
        pytest.param(
            ADMIN,
            f"leader add {MORGAN} role=boss",
            "`boss` is not a role: use supervisor, manager or director.",
            id="unknown-role",
        ),
        pytest.param(SAM, f"pause {PAST}", f"{PAST} is in the past.", id="pause-in-the-past"),
        pytest.param(
            ADMIN, f"holiday add {PAST}", f"{PAST} is in the past.", id="holiday-in-the-past"
        ),
        pytest.param(
            ADMIN, "reminder 500", "should be a number of hours (1-168) or off", id="bad-reminder"
        ),
        pytest.param(ADMIN, "quiet 18:00", "is not a time range", id="bad-quiet-hours"),
        pytest.param(SAM, "snooze forever", "is not a duration", id="bad-snooze-duration"),
    ],
)
def test_a_malformed_or_forbidden_command_is_refused_specifically_and_changes_nothing(
    db: Database, run: Run, sam: str, alpha: str, as_user: str, command: str, message: str
) -> None:
    before = db.counts()
    people_before = [(p.email, p.is_leader, p.role, p.paused_until) for p in db.rows(Person)]

    output = refused(run, as_user, command)

    assert message in output
    assert db.counts() == before
    assert [(p.email, p.is_leader, p.role, p.paused_until) for p in db.rows(Person)] == (
        people_before
    )


def test_a_malformed_command_shows_the_usage_line(run: Run, sam: str) -> None:
    output = refused(run, ADMIN, "leader add")
    assert "Usage: `leader add <user> role=<supervisor|manager|director>" in output


def test_chat_at_a_moment_acts_as_if_it_were_then(run: Run, sam: str) -> None:
    # Monday 1 March 2027, 08:00 UTC: the default cadence's next prompt is an hour away.
    result = run(sam, "--at", "2027-03-01T08:00", "commit 6.a")
    assert result.exit_code == 0, result.output
    assert "next: Monday 1 March at 09:00 (UTC)" in result.output
    assert "since 2027-03-01" in ok(run, sam, "commitments", "6.a")


def test_chat_at_a_moment_that_is_not_one_is_a_usage_error(run: Run, sam: str) -> None:
    result = run(sam, "--at", "soon", "help")
    assert result.exit_code == 2
    assert "'soon' is not an ISO-8601 time" in result.output
