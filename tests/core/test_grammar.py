"""The chat command grammar: every command in SPEC.md, and a clear answer for every mistake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import commands as c
from bot.core.cadence import CadenceSpec
from bot.core.catalog import Catalog, load_catalog
from bot.core.grammar import SYNTAX, CommandError, parse_command

TODAY = date(2026, 11, 23)  # a Monday
JANE = "@[Jane Doe](29:1jane-aad-id)"  # a mention whose name has a space

Parse = Callable[..., c.Command]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def bound(catalog: Catalog) -> Parse:
    def run(text: str) -> c.Command:
        return parse_command(text, catalog=catalog, today=TODAY)

    return run


@pytest.fixture(scope="module")
def parse(catalog: Catalog) -> Parse:
    return bound(catalog)


def error_of(parse: Parse, text: str, **kwargs: object) -> CommandError:
    with pytest.raises(CommandError) as info:
        parse(text, **kwargs)
    return info.value


def outcome_of(parse: Parse, text: str) -> c.Command | CommandError:
    """What parsing gave: the command, or the CommandError (any other exception propagates)."""
    try:
        return parse(text)
    except CommandError as error:
        return error


def assert_command_or_error(outcome: c.Command | CommandError) -> None:
    if isinstance(outcome, CommandError):
        assert str(outcome).strip()
    else:
        assert isinstance(outcome, c.Command)


def usage_of(name: str) -> str:
    return next(s.usage for s in SYNTAX if s.name == name)


def mentioned(user_id: str, label: str = "") -> c.UserRef:
    return c.UserRef("id", user_id, label)


def email(address: str) -> c.UserRef:
    return c.UserRef("email", address)


# --- leader commands -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.Help()),
        ("help", c.Help()),
        ("?", c.Help()),
        ("HELP", c.Help()),
        ("help commit", c.Help("commit")),
        ("help leader", c.Help("leader")),
        ("help leader add", c.Help("leader add")),
        ("help  Cadence   Set", c.Help("cadence set")),
    ],
)
def test_help_with_or_without_a_topic(parse: Parse, text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("behaviors", c.Behaviors()),
        ("behaviours", c.Behaviors()),
        ("behaviors engagement", c.Behaviors(domain="engagement")),
        ("behaviors Teaming", c.Behaviors(domain="teaming")),
        ("behaviors Inquiry/Exploration", c.Behaviors(domain="inquiry")),
        ("behaviors inquiry", c.Behaviors(domain="inquiry")),
        ("behaviors 6", c.BehaviorPage("6")),
        ("behaviors 4.A.v", c.BehaviorPage("4.a.v")),
        ("behaviors accou", c.Behaviors(domain="accountability")),
        ("behaviors supervisor", c.Behaviors(role="supervisor")),
        ("behaviors managers", c.Behaviors(role="manager")),
        ("behaviors Director", c.Behaviors(role="director")),
    ],
)
def test_behaviors_by_domain_or_role(parse: Parse, text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("behavior 6", c.BehaviorPage("6")),
        ("behaviour 6.a", c.BehaviorPage("6.a")),
        ("Behavior 4.A.V", c.BehaviorPage("4.a.v")),
    ],
)
def test_one_behavior_in_full(parse: Parse, text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("behavior", "Which behavior? Give its id, like 6 or 6.a."),
        ("behavior 6 7", "Give one id, like 6 or 6.a, not `6 7`."),
        ("behavior 99", "There is no behavior `99`."),
        ("behaviors 17", "`17` is not a behavior id, a domain or a role."),
    ],
)
def test_one_behavior_malformed(parse: Parse, text: str, says: str) -> None:
    error = error_of(parse, text)
    assert says in str(error)
    assert error.usage


def test_commitments(parse: Parse) -> None:
    assert parse("commitments") == c.Commitments()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("commit 6.a", c.Commit("6.a")),
        ("commit 6", c.Commit("6")),
        ("commit 4.a.v", c.Commit("4.a.v")),
        ("commit 6.A", c.Commit("6.a")),
        ("commit 6.a Thank two staff members", c.Commit("6.a", "Thank two staff members")),
        ('commit 6.a "Thank two staff members"', c.Commit("6.a", "Thank two staff members")),
        (
            "commit 6.a \u201cThank two staff members\u201d",
            c.Commit("6.a", "Thank two staff members"),
        ),
        ("commit 1.b Ask   everyone's pronouns", c.Commit("1.b", "Ask   everyone's pronouns")),
    ],
)
def test_commit_with_optional_goal(parse: Parse, text: str, expected: c.Command) -> None:
    assert parse(text) == expected


def test_drop(parse: Parse) -> None:
    assert parse("drop 6.a") == c.Drop("6.a")
    assert parse("drop 12.C.iii") == c.Drop("12.c.iii")


def test_log_keeps_the_text_as_typed(parse: Parse) -> None:
    assert parse("log 6.a Thanked Maria at the huddle, in front of the team") == c.Log(
        "6.a", "Thanked Maria at the huddle, in front of the team"
    )


def test_log_straightens_curly_quotes(parse: Parse) -> None:
    command = parse("log 6.a Told Sam \u201cgreat catch\u201d and it\u2019s stuck")
    assert command == c.Log("6.a", 'Told Sam "great catch" and it\'s stuck')


@pytest.mark.parametrize(
    ("text", "weeks"), [("history", 4), ("history 1", 1), ("history 8", 8), ("history 52", 52)]
)
def test_history_weeks(parse: Parse, text: str, weeks: int) -> None:
    assert parse(text) == c.History(weeks)


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("pause 2026-12-01", date(2026, 12, 1)),
        ("pause 2027-01-04", date(2027, 1, 4)),
        ("pause tomorrow", date(2026, 11, 24)),
        ("pause friday", date(2026, 11, 27)),
        ("pause Fri", date(2026, 11, 27)),
        ("pause mon", date(2026, 11, 30)),  # today is a Monday: the next one
    ],
)
def test_pause_until_a_date(parse: Parse, text: str, until: date) -> None:
    assert parse(text) == c.Pause(until)


def test_resume(parse: Parse) -> None:
    assert parse("resume") == c.Resume()


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("snooze 30m", timedelta(minutes=30)),
        ("snooze 2h", timedelta(hours=2)),
        ("snooze 1d", timedelta(days=1)),
        ("snooze 1w", timedelta(weeks=1)),
        ("snooze 1h30m", timedelta(hours=1, minutes=30)),
        ("snooze 1h 30m", timedelta(hours=1, minutes=30)),
        ("snooze 2 hours", timedelta(hours=2)),
        ("snooze 45 minutes", timedelta(minutes=45)),
        ("snooze 1m", timedelta(minutes=1)),
        ("snooze 2w", timedelta(weeks=2)),
        ("snooze 14d", timedelta(days=14)),
    ],
)
def test_snooze_durations(parse: Parse, text: str, duration: timedelta) -> None:
    assert parse(text) == c.Snooze(duration)


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("profile", ()),
        ("profile pronouns=she/her", (("pronouns", "she/her"),)),
        (
            "profile name=Dr. Jane Smith pronouns=she/her title=Program Director",
            (("name", "Dr. Jane Smith"), ("pronouns", "she/her"), ("title", "Program Director")),
        ),
        ('profile name="Jane Q. Public" title=', (("name", "Jane Q. Public"), ("title", ""))),
        ("profile name=\u201cJane Q\u201d", (("name", "Jane Q"),)),
        ("profile pronouns=", (("pronouns", ""),)),
        ("profile NAME=Jo", (("name", "Jo"),)),
        ("profile title = Deputy Director", (("title", "Deputy Director"),)),
    ],
)
def test_profile_fields(
    parse: Parse, text: str, changes: tuple[tuple[c.ProfileField, str], ...]
) -> None:
    assert parse(text) == c.Profile(changes)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("timezone America/Los_Angeles", "America/Los_Angeles"),
        ("timezone america/los_angeles", "America/Los_Angeles"),
        ("timezone Europe/London", "Europe/London"),
        ("timezone UTC", "UTC"),
        ("timezone gmt", "UTC"),
        ("tz Asia/Kolkata", "Asia/Kolkata"),
    ],
)
def test_timezone(parse: Parse, text: str, zone: str) -> None:
    assert parse(text) == c.SetTimezone(zone)


# --- naming people and channels --------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "user"),
    [
        ("@[](U123)", mentioned("U123")),
        ("@[jane](U123)", mentioned("U123", "jane")),
        ("@[Jane Doe](W0ABC12)", mentioned("W0ABC12", "Jane Doe")),
        ("jane.doe@agency.org", email("jane.doe@agency.org")),
        ("Jane.Doe@Agency.ORG", email("jane.doe@agency.org")),
        (JANE, c.UserRef("id", "29:1jane-aad-id", "Jane Doe")),
    ],
)
def test_users_by_mention_or_email(parse: Parse, token: str, user: c.UserRef) -> None:
    assert parse(f"admin add {token}") == c.AdminChange("add", user)


@pytest.mark.parametrize(
    ("token", "channel"),
    [
        ("#[impl-team](C123)", c.ChannelRef("C123", "impl-team")),
        ("#[](C0123ABC)", c.ChannelRef("C0123ABC")),
        ("#impl-team", c.ChannelRef("impl-team", "impl-team")),
        ("C0123ABC", c.ChannelRef("C0123ABC")),
    ],
)
def test_team_channels(parse: Parse, token: str, channel: c.ChannelRef) -> None:
    assert parse(f"team add north {token}") == c.TeamAdd("north", channel)


# --- admin commands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leader add @[](U123) role=manager", c.LeaderAdd(mentioned("U123"), "manager")),
        (
            "leader add @[jane](U123) role=Supervisors team=north tz=America/Chicago",
            c.LeaderAdd(mentioned("U123", "jane"), "supervisor", "north", "America/Chicago"),
        ),
        (
            'leader add jane@agency.org role=director team="Impl Team North"',
            c.LeaderAdd(email("jane@agency.org"), "director", "Impl Team North"),
        ),
        (
            "leader add @[](U1) tz=europe/london role=manager",
            c.LeaderAdd(mentioned("U1"), "manager", None, "Europe/London"),
        ),
        (
            "leader add @[](U1) role=manager timezone=UTC",
            c.LeaderAdd(mentioned("U1"), "manager", None, "UTC"),
        ),
        (
            "leader add @[](U1) ROLE=Manager",
            c.LeaderAdd(mentioned("U1"), "manager"),
        ),
        (
            f"leader add {JANE} role=director",
            c.LeaderAdd(c.UserRef("id", "29:1jane-aad-id", "Jane Doe"), "director"),
        ),
        (
            "leader add @[](U1) role=manager reports-to=@[Dana Ortiz](U9)",
            c.LeaderAdd(mentioned("U1"), "manager", reports_to=mentioned("U9", "Dana Ortiz")),
        ),
        (
            "leader add @[](U1) manager=dana@agency.org role=supervisor team=North",
            c.LeaderAdd(
                mentioned("U1"), "supervisor", "North", reports_to=email("dana@agency.org")
            ),
        ),
    ],
)
def test_leader_add(parse: Parse, text: str, expected: c.Command) -> None:
    assert parse(text) == expected


def test_leader_reports_to_a_manager_or_none(parse: Parse) -> None:
    assert parse("leader reports-to @[Sam Rivera](U1) @[Dana Ortiz](U9)") == c.LeaderReportsTo(
        mentioned("U1", "Sam Rivera"), mentioned("U9", "Dana Ortiz")
    )
    assert parse("leader reports-to sam@agency.org NONE") == c.LeaderReportsTo(
        email("sam@agency.org"), None
    )
    assert parse("reports") == c.Reports()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("leader reports-to @[](U1)", "Name the leader, then their manager (or none)"),
        ("leader reports-to @[](U1) @[](U2) @[](U3)", "Name the leader, then their manager"),
        ("leader reports-to Dana @[](U2)", "`Dana` is not a person"),
        ("leader add @[](U1) role=manager reports-to=", "`reports-to=` needs a person"),
        ("leader add @[](U1) role=manager reports-to=Dana", "`Dana` is not a person"),
        ("leader add @[](U1) role=manager boss=@[](U2)", "`boss` is not an option here"),
        ("reports everyone", "This command takes nothing after it"),
    ],
)
def test_reporting_lines_malformed(parse: Parse, text: str, says: str) -> None:
    assert says in str(error_of(parse, text))


def test_leader_remove_list_and_role(parse: Parse) -> None:
    assert parse("leader remove @[](U1)") == c.LeaderRemove(mentioned("U1"))
    assert parse("leader remove jo@agency.org") == c.LeaderRemove(email("jo@agency.org"))
    assert parse("leader list") == c.LeaderList()
    assert parse("leader role @[](U1) director") == c.LeaderRole(mentioned("U1"), "director")
    assert parse("leader role @[](U1) role=Managers") == c.LeaderRole(mentioned("U1"), "manager")
    assert parse("LEADER LIST") == c.LeaderList()


def test_team_add_list_and_members(parse: Parse) -> None:
    assert parse('team add "North Region" #impl-north') == c.TeamAdd(
        "North Region", c.ChannelRef("impl-north", "impl-north")
    )
    assert parse("team add \u201cNorth Region\u201d #[impl-north](C9)") == c.TeamAdd(
        "North Region", c.ChannelRef("C9", "impl-north")
    )
    assert parse("team list") == c.TeamList()
    assert parse("team members north") == c.TeamMembers("north", "list")
    assert parse(f"team members north add @[](U1) @[bo](U2) jo@agency.org {JANE}") == c.TeamMembers(
        "north",
        "add",
        (
            mentioned("U1"),
            mentioned("U2", "bo"),
            email("jo@agency.org"),
            c.UserRef("id", "29:1jane-aad-id", "Jane Doe"),
        ),
    )
    assert parse('team members "North Region" REMOVE @[](U1)') == c.TeamMembers(
        "North Region", "remove", (mentioned("U1"),)
    )


def test_team_rename_channel_timezone_and_remove(parse: Parse) -> None:
    assert parse('team rename north "North Region"') == c.TeamRename("north", "North Region")
    assert parse("team channel north #[leads](C7)") == c.TeamChannel(
        "north", c.ChannelRef("C7", "leads")
    )
    assert parse('team timezone "North Region" america/chicago') == c.TeamTimezone(
        "North Region", "America/Chicago"
    )
    assert parse("team remove north") == c.TeamRemove("north")
    assert parse("cadence clear role:manager") == c.CadenceClear(c.Scope("role", "manager"))
    assert parse("cadence clear default") == c.CadenceClear(c.Scope("default"))


@pytest.mark.parametrize(
    ("text", "name", "problem"),
    [
        ("team rename north", "team rename", "and its new name"),
        ("team rename north a=b", "team rename", "`a=b` is not a team name"),
        ("team channel north", "team channel", "and its channel"),
        ("team channel north !!", "team channel", "`!!` is not a channel"),
        ("team timezone north", "team timezone", "and an IANA time zone"),
        ("team timezone north Mars/Olympus", "team timezone", "is not a time zone I know"),
        ("team remove", "team remove", "Name one team"),
        ("team remove north south", "team remove", "Name one team"),
        ("cadence clear", "cadence clear", "Give the one scope"),
        ("cadence clear role:wizard", "cadence clear", "`wizard` is not a role"),
    ],
)
def test_team_and_cadence_changes_malformed(
    parse: Parse, text: str, name: str, problem: str
) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage == usage_of(name)


WEEKLY_MON_9 = CadenceSpec("weekly", at=time(9, 0), weekday=0)


@pytest.mark.parametrize(
    ("text", "scope", "spec"),
    [
        ("cadence set default weekly mon 09:00", c.Scope("default"), WEEKLY_MON_9),
        (
            "cadence set role:manager biweekly thu 14:00",
            c.Scope("role", "manager"),
            CadenceSpec("biweekly", at=time(14, 0), weekday=3),
        ),
        (
            "cadence set role:Directors weekly mon 09:00",
            c.Scope("role", "director"),
            WEEKLY_MON_9,
        ),
        (
            "cadence set team:north monthly first mon 10:00",
            c.Scope("team", "north"),
            CadenceSpec("monthly", at=time(10, 0), weekday=0, ordinal="first"),
        ),
        (
            'cadence set team:"North Region" weekdays 08:30',
            c.Scope("team", "North Region"),
            CadenceSpec("weekdays", at=time(8, 30)),
        ),
        ("cadence set behavior:6.a off", c.Scope("behavior", "6.a"), CadenceSpec("off")),
        ("cadence set behavior:4.A.v off", c.Scope("behavior", "4.a.v"), CadenceSpec("off")),
        (
            "cadence set @[](U1) weekly fri 9am",
            c.Scope("user", user=mentioned("U1")),
            CadenceSpec("weekly", at=time(9, 0), weekday=4),
        ),
        (
            "cadence set Jo@Agency.org weekly fri 2:30pm",
            c.Scope("user", user=email("jo@agency.org")),
            CadenceSpec("weekly", at=time(14, 30), weekday=4),
        ),
        (
            f"cadence set {JANE} weekly mon 09:00",
            c.Scope("user", user=c.UserRef("id", "29:1jane-aad-id", "Jane Doe")),
            WEEKLY_MON_9,
        ),
        ("cadence set DEFAULT Weekly Monday 9:00", c.Scope("default"), WEEKLY_MON_9),
    ],
)
def test_cadence_set_for_every_scope(
    parse: Parse, text: str, scope: c.Scope, spec: CadenceSpec
) -> None:
    assert parse(text) == c.CadenceSet(scope, spec)


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("cadence show", None),
        ("cadence show default", c.Scope("default")),
        ("cadence show role:supervisor", c.Scope("role", "supervisor")),
        ("cadence show team:north", c.Scope("team", "north")),
        ("cadence show behavior:6", c.Scope("behavior", "6")),
        ("cadence show @[jo](U1)", c.Scope("user", user=mentioned("U1", "jo"))),
    ],
)
def test_cadence_show(parse: Parse, text: str, scope: c.Scope | None) -> None:
    assert parse(text) == c.CadenceShow(scope)


def test_scopes_print_as_typed() -> None:
    assert str(c.Scope("default")) == "default"
    assert str(c.Scope("role", "manager")) == "role:manager"
    assert str(c.Scope("user", user=mentioned("U1", "jo"))) == "jo"


@pytest.mark.parametrize(
    ("text", "hours"),
    [("reminder 24", 24), ("reminder 4h", 4), ("reminder 168", 168), ("reminder off", None)],
)
def test_reminder(parse: Parse, text: str, hours: int | None) -> None:
    assert parse(text) == c.Reminder(hours)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("quiet 18:00-08:00", time(18, 0), time(8, 0)),
        ("quiet 18:00 - 08:00", time(18, 0), time(8, 0)),
        ("quiet 6pm-8am", time(18, 0), time(8, 0)),
        ("quiet 12:30-13:15", time(12, 30), time(13, 15)),
        ("quiet off", None, None),
    ],
)
def test_quiet_hours(parse: Parse, text: str, start: time | None, end: time | None) -> None:
    assert parse(text) == c.Quiet(start, end)


def test_holidays(parse: Parse) -> None:
    assert parse("holiday add 2026-12-25") == c.HolidayChange("add", date(2026, 12, 25))
    assert parse("holiday add friday") == c.HolidayChange("add", date(2026, 11, 27))
    assert parse("holiday add today") == c.HolidayChange("add", TODAY)
    assert parse("holiday remove 2026-12-25") == c.HolidayChange("remove", date(2026, 12, 25))
    # taking back a holiday that already passed is fine
    assert parse("holiday remove 2026-11-02") == c.HolidayChange("remove", date(2026, 11, 2))
    assert parse("holiday list") == c.HolidayList()


def test_digests(parse: Parse) -> None:
    assert parse("digest preview north") == c.DigestRun("preview", "north")
    assert parse('digest send "North Region"') == c.DigestRun("send", "North Region")
    assert parse("digest schedule north weekly fri 15:00") == c.DigestSchedule(
        "north", CadenceSpec("weekly", at=time(15, 0), weekday=4)
    )
    assert parse('digest schedule "North Region" monthly last fri 4pm') == c.DigestSchedule(
        "North Region", CadenceSpec("monthly", at=time(16, 0), weekday=4, ordinal="last")
    )


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("export", None),
        ("export since 2026-01-01", date(2026, 1, 1)),
        ("export 2026-01-01", date(2026, 1, 1)),
        ("export Since 2026-11-23", TODAY),
        ("export since today", TODAY),
    ],
)
def test_export(parse: Parse, text: str, since: date | None) -> None:
    assert parse(text) == c.Export(since)


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("audit", None),
        ("audit since 2026-01-01", date(2026, 1, 1)),
        ("audit 2026-11-02", date(2026, 11, 2)),
        ("Audit SINCE today", TODAY),
    ],
)
def test_audit_reads_since_as_export_does(parse: Parse, text: str, since: date | None) -> None:
    assert parse(text) == c.Audit(since)


def test_admin_send_now_and_dashboard(parse: Parse) -> None:
    assert parse("admin add @[](U1)") == c.AdminChange("add", mentioned("U1"))
    assert parse("admin remove jo@agency.org") == c.AdminChange("remove", email("jo@agency.org"))
    assert parse("send-now @[](U1)") == c.SendNow(mentioned("U1"))
    assert parse("send-now @[](U1) 6.a") == c.SendNow(mentioned("U1"), "6.a")
    assert parse("sendnow jo@agency.org 4.A.v") == c.SendNow(email("jo@agency.org"), "4.a.v")
    assert parse("dashboard") == c.Dashboard()


def test_non_breaking_and_zero_width_spaces_are_ignored(parse: Parse) -> None:
    assert parse("\u200bcommit\u00a06.a\u00a0") == c.Commit("6.a")


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("comit 6.a", "commit"),
        ("histroy", "history"),
        ("snoze 2h", "snooze"),
        ("timezon Europe/London", "timezone"),
        ("dashbord", "dashboard"),
        ("leeder add @[](U1) role=manager", "leader"),
        ("cadense show", "cadence"),
        ("behavoirs", "behaviors"),
    ],
)
def test_unknown_command_suggests_the_closest(parse: Parse, text: str, suggestion: str) -> None:
    error = error_of(parse, text)
    word = text.split()[0]
    assert f"I don't know the command `{word}`" in str(error)
    assert "Type `help`" in str(error)
    assert suggestion in error.suggestions
    assert f"Did you mean `{suggestion}`" in str(error)


def test_unknown_command_with_nothing_close(parse: Parse) -> None:
    error = error_of(parse, "xyzzy")
    assert "I don't know the command `xyzzy`" in str(error)
    assert error.suggestions == ()
    assert "Did you mean" not in str(error)


def test_a_huge_message_is_refused(parse: Parse) -> None:
    assert "too long" in str(error_of(parse, "log 6.a " + "x" * 5000))


@pytest.mark.parametrize(
    ("text", "group", "subcommands"),
    [
        ("leader", "leader", "add, remove, list, role, reports-to"),
        ("team", "team", "add, list, members, rename, channel, timezone, remove"),
        ("cadence", "cadence", "set, show, clear"),
        ("holiday", "holiday", "add, remove, list"),
        ("digest", "digest", "preview, send, schedule"),
        ("admin", "admin", "add, remove"),
    ],
)
def test_group_command_without_a_subcommand(
    parse: Parse, text: str, group: str, subcommands: str
) -> None:
    error = error_of(parse, text)
    assert f"`{group}` needs one of: {subcommands}." in str(error)
    # the usage lists every form of the group
    for name in (s.name for s in SYNTAX if s.name.startswith(group + " ")):
        assert usage_of(name) in str(error)


@pytest.mark.parametrize(
    ("text", "got", "suggestion"),
    [
        ("leader ad @[](U1)", "ad", "leader add"),
        ("team memebrs north", "memebrs", "team members"),
        ("cadence sho", "sho", "cadence show"),
        ("holiday lst", "lst", "holiday list"),
        ("digest sned north", "sned", "digest send"),
        ("admin remvoe @[](U1)", "remvoe", "admin remove"),
        ("leader fire @[](U1)", "fire", None),
    ],
)
def test_group_command_with_an_unknown_subcommand(
    parse: Parse, text: str, got: str, suggestion: str | None
) -> None:
    error = error_of(parse, text)
    assert f"(got `{got}`)" in str(error)
    if suggestion is None:
        assert error.suggestions == ()
    else:
        assert error.suggestions == (suggestion,)
        assert f"Did you mean `{suggestion}`?" in str(error)


@pytest.mark.parametrize(
    ("text", "name", "problem"),
    [
        ("commit", "commit", "Which behavior? Give its id"),
        ("drop", "drop", "Give exactly one behavior id"),
        ("log", "log", "Which behavior, and what did you do?"),
        ("log 6.a", "log", "Say what you did after the behavior id"),
        ("pause", "pause", "Until when? Give a date."),
        ("snooze", "snooze", "For how long?"),
        ("timezone", "timezone", "Give one IANA time zone"),
        ("leader add", "leader add", "Who? Name the leader"),
        ("leader add @[](U1)", "leader add", "Give the leader's role: role=supervisor"),
        ("leader remove", "leader remove", "Name one person"),
        ("leader role @[](U1)", "leader role", "Name the leader and the new role"),
        ("team add north", "team add", "Give the team's name (quote it if it has spaces)"),
        ("team members", "team members", "Which team?"),
        ("team members north add", "team members", "Whom should I add?"),
        ("team members north remove", "team members", "Whom should I remove?"),
        ("cadence set default", "cadence set", "Give a scope and a cadence"),
        ("reminder", "reminder", "Give a number of hours (1-168), or off"),
        ("quiet", "quiet", "Give the quiet hours"),
        ("holiday add", "holiday add", "Give one date, YYYY-MM-DD"),
        ("holiday remove", "holiday remove", "Give one date, YYYY-MM-DD"),
        ("digest preview", "digest preview", "Name one team"),
        ("digest send", "digest send", "Name one team"),
        ("digest schedule north", "digest schedule", "Name the team and the cadence"),
        ("admin add", "admin add", "Name one person"),
        ("admin remove", "admin remove", "Name one person"),
        ("send-now", "send-now", "Name one leader"),
    ],
)
def test_missing_argument_names_what_is_missing_and_shows_usage(
    parse: Parse, text: str, name: str, problem: str
) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage == usage_of(name)
    assert str(error).endswith(f"Usage: `{usage_of(name)}`")


@pytest.mark.parametrize(
    ("text", "name", "extra"),
    [
        ("commitments all", "commitments", "all"),
        ("resume now", "resume", "now"),
        ("leader list everyone", "leader list", "everyone"),
        ("team list north", "team list", "north"),
        ("holiday list 2026", "holiday list", "2026"),
        ("dashboard please", "dashboard", "please"),
    ],
)
def test_commands_without_arguments_refuse_extra_words(
    parse: Parse, text: str, name: str, extra: str
) -> None:
    error = error_of(parse, text)
    assert f"takes nothing after it (got `{extra}`)" in str(error)
    assert error.usage == usage_of(name)


@pytest.mark.parametrize(
    ("text", "name", "too_many"),
    [
        ("drop 6.a 6.b", "drop", "Give exactly one behavior id"),
        ("timezone Europe/London Europe/Paris", "timezone", "Give one IANA time zone"),
        ("leader remove @[](U1) @[](U2)", "leader remove", "Name one person"),
        ("leader role @[](U1) manager now", "leader role", "Name the leader and the new role"),
        ("team add north #a #b", "team add", "Give the team's name"),
        ("cadence show default role:manager", "cadence show", "Give at most one scope"),
        ("holiday add 2026-12-24 2026-12-25", "holiday add", "Give one date"),
        ("digest send north south", "digest send", "Name one team"),
        ("admin add @[](U1) @[](U2)", "admin add", "Name one person"),
        ("send-now @[](U1) 6.a 6.b", "send-now", "Name one leader, and optionally"),
    ],
)
def test_too_many_arguments(parse: Parse, text: str, name: str, too_many: str) -> None:
    error = error_of(parse, text)
    assert too_many in str(error)
    assert error.usage == usage_of(name)


@pytest.mark.parametrize(
    ("text", "word", "suggestions"),
    [
        ("commit 6.z", "6.z", ("6.b", "6.a")),
        ("commit 17", "17", ("7", "1", "16")),
        ("drop 6.z", "6.z", ("6.b", "6.a")),
        ("log 99.a did it", "99.a", ("9.a",)),
        ("send-now @[](U1) 4.a.x", "4.a.x", ("4.a.v",)),
        ("cadence set behavior:6.z off", "6.z", ("6.b",)),
    ],
)
def test_unknown_behavior_id_suggests_the_closest_ids(
    parse: Parse, text: str, word: str, suggestions: tuple[str, ...]
) -> None:
    error = error_of(parse, text)
    assert f"There is no behavior `{word}`" in str(error)
    assert "Ids look like 6, 6.b or 6.b.ii" in str(error)
    for suggestion in suggestions:
        assert suggestion in error.suggestions
        assert f"`{suggestion}`" in str(error)


def test_unknown_behavior_id_with_nothing_close(parse: Parse) -> None:
    error = error_of(parse, "commit banana")
    assert "There is no behavior `banana`" in str(error)
    assert error.suggestions == ()


@pytest.mark.parametrize("text", ["help comit", "help leader ad"])
def test_help_on_an_unknown_topic(parse: Parse, text: str) -> None:
    error = error_of(parse, text)
    assert "There is no command" in str(error)
    assert error.suggestions
    assert error.usage == usage_of("help")


def test_help_on_an_unknown_topic_suggests_a_command(parse: Parse) -> None:
    error = error_of(parse, "help comit")
    assert "commit" in error.suggestions


def test_behaviors_with_an_unknown_domain_lists_domains_and_roles(parse: Parse) -> None:
    error = error_of(parse, "behaviors engagment")
    message = str(error)
    assert "`engagment` is not a behavior id, a domain or a role" in message
    assert "Foundational, Engagement, Inquiry/Exploration, Advocacy, Teaming, Accountability" in (
        message
    )
    assert "roles: supervisor, manager, director" in message
    assert error.suggestions == ("engagement",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("history 0", "`0` is not a number of weeks from 1 to 52"),
        ("history 53", "`53` is not a number of weeks from 1 to 52"),
        ("history -1", "`-1` is not a number of weeks"),
        ("history lots", "`lots` is not a number of weeks"),
    ],
)
def test_history_out_of_range(parse: Parse, text: str, problem: str) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage == usage_of("history")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pause 2026-11-01", "2026-11-01 is in the past"),
        ("pause 2026-11-22", "2026-11-22 is in the past"),
        ("pause today", "Pause until a day after today"),
        ("pause 2026-02-30", "`2026-02-30` is not a real date"),
        ("pause 2027-13-01", "`2027-13-01` is not a real date"),
        ("pause soon", "`soon` is not a date: use YYYY-MM-DD"),
        ("pause 12/25/2026", "`12/25/2026` is not a date: use YYYY-MM-DD"),
        ("holiday add 2026-11-20", "2026-11-20 is in the past"),
        ("holiday add 2026-02-29", "`2026-02-29` is not a real date"),
        ("holiday remove 2026-04-31", "`2026-04-31` is not a real date"),
        ("export since 2026-02-30", "`2026-02-30` is not a real date"),
        ("export since 2027-01-01", "2027-01-01 is in the future"),
        ("export since tomorrow", "2026-11-24 is in the future"),
        ("export since yesterday", "`yesterday` is not a date"),
        ("export sincerely", "`sincerely` is not a date"),
        ("audit since", "Since when? Give a date after `since`"),
        ("audit since 7d", "`7d` is not a date: use YYYY-MM-DD"),
        ("audit since 2026-02-30", "`2026-02-30` is not a real date"),
        ("audit 2027-01-01", "2027-01-01 is in the future"),
    ],
)
def test_bad_dates(parse: Parse, text: str, problem: str) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage is not None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("snooze 0m", "Snooze for between one minute and two weeks"),
        ("snooze 3w", "Snooze for between one minute and two weeks"),
        ("snooze 15d", "Snooze for between one minute and two weeks"),
        ("snooze 9999h", "Snooze for between one minute and two weeks"),
        ("snooze forever", "`forever` is not a duration: try 30m, 2h or 1d"),
        ("snooze 2", "`2` is not a duration"),
        ("snooze 2h please", "`2h please` is not a duration"),
        ("snooze -2h", "`-2h` is not a duration"),
    ],
)
def test_bad_snooze_durations(parse: Parse, text: str, problem: str) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage == usage_of("snooze")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("profile foo=bar", "Set fields as name=…, pronouns=… or title=…"),
        ("profile hello", "Set fields as name=…, pronouns=… or title=…"),
        ("profile hello name=Jo", "Set fields as name=…, pronouns=… or title=…"),
        ("profile name=Jo name=Joanna", "`name` is given twice"),
        ("profile name=Jo Pronouns=they/them NAME=J", "`name` is given twice"),
        ("profile name=Jo nickname=JJ", "`Jo nickname=JJ` holds another field"),
        ("profile title=" + "x" * 101, "Keep title under 100 characters"),
    ],
)
def test_bad_profile(parse: Parse, text: str, problem: str) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage == usage_of("profile")


def test_unknown_time_zone_suggests_the_right_spelling(parse: Parse) -> None:
    error = error_of(parse, "timezone America/Los_Angles")
    assert "`America/Los_Angles` is not a time zone I know" in str(error)
    assert "America/Los_Angeles" in error.suggestions
    assert "Did you mean `America/Los_Angeles`" in str(error)
    assert error.usage == usage_of("timezone")


def test_unknown_time_zone_in_leader_add(parse: Parse) -> None:
    error = error_of(parse, "leader add @[](U1) role=manager tz=Europe/Londn")
    assert "`Europe/Londn` is not a time zone I know" in str(error)
    assert "Europe/London" in error.suggestions
    assert error.usage == usage_of("leader add")


def test_made_up_time_zone_has_no_suggestion(parse: Parse) -> None:
    error = error_of(parse, "timezone Nowhere")
    assert "`Nowhere` is not a time zone I know" in str(error)
    assert "IANA name like America/Los_Angeles" in str(error)


@pytest.mark.parametrize(
    ("text", "name", "word", "suggestion"),
    [
        ("leader add @[](U1) role=intern", "leader add", "intern", None),
        ("leader add @[](U1) role=manger", "leader add", "manger", "manager"),
        ("leader add @[](U1) role=", "leader add", "", None),
        ("leader role @[](U1) boss", "leader role", "boss", None),
        ("leader role @[](U1) directer", "leader role", "directer", "director"),
        ("cadence set role:intern weekly mon 09:00", "cadence set", "intern", None),
        ("cadence show role:supervisr", "cadence show", "supervisr", "supervisor"),
    ],
)
def test_bad_roles(parse: Parse, text: str, name: str, word: str, suggestion: str | None) -> None:
    error = error_of(parse, text)
    assert f"`{word}` is not a role: use supervisor, manager or director" in str(error)
    assert error.usage == usage_of(name)
    assert error.suggestions == ((suggestion,) if suggestion else ())


@pytest.mark.parametrize(
    ("text", "problem", "suggestions"),
    [
        ("leader add @[](U1) role=manager role=director", "`role` is given twice", ()),
        ("leader add @[](U1) role=manager team=a team=b", "`team` is given twice", ()),
        ("leader add @[](U1) role=manager tz=UTC timezone=UTC", "`timezone` is given twice", ()),
        ("leader add @[](U1) role=manager colour=red", "`colour` is not an option here", ()),
        (
            "leader add @[](U1) role=manager teams=north",
            "`teams` is not an option here",
            ("team=",),
        ),
        ("leader add @[](U1) rol=manager", "`rol` is not an option here", ("role=",)),
        ("leader add @[](U1) manager", "I don't understand `manager` here", ()),
        ("leader add @[](U1) role=manager team=", "`team=` needs a team name", ()),
    ],
)
def test_bad_leader_add_options(
    parse: Parse, text: str, problem: str, suggestions: tuple[str, ...]
) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.suggestions == suggestions
    assert error.usage == usage_of("leader add")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("leader add jane role=manager", "leader add"),
        ("leader remove @jane", "leader remove"),
        ("admin add jane@", "admin add"),
        ("team members north add @[](U1) bob", "team members"),
        ("send-now 6.a", "send-now"),
    ],
)
def test_something_that_is_not_a_person(parse: Parse, text: str, name: str) -> None:
    error = error_of(parse, text)
    assert "is not a person: mention them (@name) or give their email address" in str(error)
    assert error.usage == usage_of(name)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("team add north bad!channel", "`bad!channel` is not a channel"),
        ("team add north @[](U1)", "`@U1` is not a channel"),
        ('team add "" #north', '`""` is not a team name'),
        ("team add a=b #north", "`a=b` is not a team name"),
        ("digest send @[](U1)", "`@U1` is not a team name"),
        ("team members north delete @[](U1)", "`delete` should be add or remove"),
    ],
)
def test_bad_teams_and_channels(parse: Parse, text: str, problem: str) -> None:
    assert problem in str(error_of(parse, text))


def test_team_members_mistyped_action_suggests_the_right_one(parse: Parse) -> None:
    error = error_of(parse, "team members north ad @[](U1)")
    assert "`ad` should be add or remove" in str(error)
    assert error.suggestions == ("add",)


@pytest.mark.parametrize(
    ("text", "problem", "suggestion"),
    [
        ("cadence set deflt weekly mon 09:00", "`deflt` is not a scope", "default"),
        ("cadence set tema:north weekly mon 09:00", "`tema:north` is not a scope", "team:"),
        ("cadence show everyone", "`everyone` is not a scope", None),
        ("cadence set team: weekly mon 09:00", "Name the team after `team:`", None),
    ],
)
def test_bad_scopes(parse: Parse, text: str, problem: str, suggestion: str | None) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    if suggestion:
        assert error.suggestions == (suggestion,)
        assert "default, role:<role>, team:<name>, behavior:<id> or a person" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cadence set default sometimes", "expected weekly, biweekly, monthly, weekdays or off"),
        ("cadence set default daily 09:00", "got 'daily'"),
        ("cadence set default weekly", "expected a day of the week (mon … sun) after `weekly`"),
        ("cadence set default weekly someday 09:00", "got 'someday'"),
        ("cadence set default weekly mon", "expected a time of day like 09:00"),
        ("cadence set default weekly mon 25:00", "got '25:00'"),
        ("cadence set default monthly mon 10:00", "first, second, third, fourth or last"),
        ("cadence set default off please", "expected nothing after `off`"),
        ("digest schedule north fortnightly", "got 'fortnightly'"),
        ("digest schedule north weekdays", "expected a time of day like 09:00"),
    ],
)
def test_bad_cadence_spec_says_what_was_expected_with_an_example(
    parse: Parse, text: str, expected: str
) -> None:
    error = error_of(parse, text)
    message = str(error)
    assert "That cadence doesn't read right" in message
    assert expected in message
    assert "`weekly mon 09:00`" in message
    assert error.usage == usage_of(text.split()[0] + " " + text.split()[1])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("reminder 0", "`0` should be a number of hours (1-168) or off"),
        ("reminder 169", "`169` should be a number of hours (1-168) or off"),
        ("reminder soon", "`soon` should be a number of hours"),
        ("reminder 2.5", "`2.5` should be a number of hours"),
    ],
)
def test_bad_reminder(parse: Parse, text: str, problem: str) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage == usage_of("reminder")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("quiet 18:00", "`18:00` is not a time range: use HH:MM-HH:MM"),
        ("quiet 25:00-08:00", "`25:00-08:00` is not a time range"),
        ("quiet 18:00-", "`18:00-` is not a time range"),
        ("quiet evenings", "`evenings` is not a time range"),
        ("quiet 18:00-18:00", "Quiet hours must start and end at different times"),
    ],
)
def test_bad_quiet_hours(parse: Parse, text: str, problem: str) -> None:
    error = error_of(parse, text)
    assert problem in str(error)
    assert error.usage == usage_of("quiet")


def test_overlong_goal_and_note(parse: Parse) -> None:
    assert "Keep the goal under 500 characters" in str(error_of(parse, "commit 6.a " + "g" * 501))
    assert "Keep the note under 2,000 characters" in str(error_of(parse, "log 6.a " + "n" * 2001))


def test_error_text_puts_problem_then_suggestion_then_usage() -> None:
    error = CommandError("Bad.", usage="do <thing>", suggestions=("a", "b"))
    assert str(error) == "Bad.\nDid you mean `a` or `b`?\nUsage: `do <thing>`"
    assert str(CommandError("Just bad.")) == "Just bad."


def test_every_command_in_syntax_has_a_parser(parse: Parse) -> None:
    # every name help lists is understood: a parse either succeeds or fails on its arguments,
    # never with "I don't know the command"
    for syntax in SYNTAX:
        outcome = outcome_of(parse, syntax.name)
        assert "I don't know the command" not in str(outcome), syntax.name


# --- properties ------------------------------------------------------------------------------

COMMAND_WORDS = sorted({word for syntax in SYNTAX for word in syntax.name.split()})
TOKENS = [
    *COMMAND_WORDS,
    "6.a",
    "4.a.v",
    "17",
    "@[](U123)",
    "@[jane](U123)",
    "<mailto:a@b.org|a@b.org>",
    "jo@agency.org",
    JANE,
    "<at>",
    "</at>",
    "#[impl](C1)",
    "#impl",
    "role=manager",
    "role=",
    "team=",
    'team="North',
    "tz=UTC",
    "name=",
    "title=x",
    "default",
    "role:",
    "team:",
    'team:"',
    "behavior:",
    "weekly",
    "monthly",
    "first",
    "mon",
    "09:00",
    "9am",
    "off",
    "2h",
    "2026-12-01",
    "2026-02-30",
    "since",
    '"',
    "\u201c",
    "=",
    "<",
    ">",
    "|",
    "-",
]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.text())
def test_any_text_parses_or_raises_command_error(catalog: Catalog, text: str) -> None:
    assert_command_or_error(outcome_of(bound(catalog), text))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    words=st.lists(
        st.one_of(st.sampled_from(TOKENS), st.text(min_size=1, max_size=10)), max_size=8
    ),
    separator=st.sampled_from([" ", "  ", "\u00a0", "\t"]),
)
def test_command_like_text_parses_or_raises_command_error(
    catalog: Catalog, words: list[str], separator: str
) -> None:
    text = separator.join(words)
    assert_command_or_error(outcome_of(bound(catalog), text))
