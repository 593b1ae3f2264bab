"""Admin use cases: enrolling leaders, teams, cadences, quiet hours, holidays, admins, send-now,
and reading the audit trail."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select

from bot.core import commands as c
from bot.core.cadence import MONDAY_TO_FRIDAY, describe_working_days, format_working_days
from bot.core.lifecycle import answer_window
from bot.core.messages import Message
from bot.handlers.cadences import effective_cadence
from bot.handlers.context import Context, Refusal
from bot.handlers.people import current_teams, find_team, is_bootstrap_admin, resolve
from bot.handlers.replies import DEFAULT_SNOOZE, choose_phrasing
from bot.reports.audit import audit_entries, count_audit
from bot.reports.chain import managers_above
from bot.scheduling.cadences import DEFAULT_CADENCE, working_days
from bot.store.models import (
    CadenceRule,
    Commitment,
    Digest,
    Holiday,
    Person,
    Prompt,
    Team,
    TeamMembership,
    Workspace,
)
from bot.store.prompts import cancel_unsent
from bot.store.retention import plural


def _join_team(ctx: Context, person: Person, team: Team) -> bool:
    member = ctx.session.scalar(
        select(TeamMembership).filter_by(team_id=team.id, person_id=person.id, ended_at=None)
    )
    if member is not None:
        return False
    ctx.session.add(TeamMembership(team_id=team.id, person_id=person.id, started_at=ctx.now))
    return True


def _leave_team(ctx: Context, person: Person, team: Team) -> bool:
    member = ctx.session.scalar(
        select(TeamMembership).filter_by(team_id=team.id, person_id=person.id, ended_at=None)
    )
    if member is None:
        return False
    member.ended_at = ctx.now
    return True


def leader_add(command: c.LeaderAdd, ctx: Context) -> Message:
    team = find_team(ctx, command.team) if command.team else None
    person = resolve(ctx, command.user)
    manager = _leader(ctx, command.reports_to) if command.reports_to else None
    was_leader = person.is_leader
    person.is_leader = True
    person.role = command.role
    # Enrolling again is how an admin says "they can be reached now": try again.
    person.undeliverable_reason = None
    if command.timezone:
        person.timezone = command.timezone
    ctx.session.flush()
    if manager is not None:
        _reports_to(ctx, person, manager)
    joined = team is not None and _join_team(ctx, person, team)
    ctx.audit(
        "leader.add",
        person.platform_user_id,
        role=command.role,
        team=team.name if team else None,
        timezone=person.timezone,
        **({"manager": manager.name} if manager else {}),
    )
    verb = "Updated" if was_leader else "Enrolled"
    text = f"{verb} {person.name} as a {command.role} ({person.timezone})."
    if manager is not None:
        text += f" Reports to {manager.name}."
    if joined and team is not None:
        text += f" Added to team {team.name}."
    if not was_leader:
        text += " They can now choose commitments with `behaviors` and `commit`."
    return Message(text=text)


def _leader(ctx: Context, ref: c.UserRef) -> Person:
    person = resolve(ctx, ref)
    if not person.is_leader:
        raise Refusal(f"{person.name} isn't enrolled as a leader.")
    return person


def _reports_to(ctx: Context, person: Person, manager: Person) -> None:
    """Make `manager` the leader `person` reports to; refused when that would close a loop."""
    if manager.id == person.id:
        raise Refusal(f"{person.name} can't report to themselves.")
    if ctx.session.get_bind().dialect.name == "postgresql":
        # Two admins closing a loop at once (A under B, B under A) would each find none:
        # changes to a workspace's reporting lines take turns. SQLite's writers already do.
        ctx.session.execute(
            select(Workspace.id).where(Workspace.id == ctx.workspace.id).with_for_update()
        )
    above = managers_above(ctx.session, manager.id)
    if person.id in above:
        chain = [manager.name] + [_name(ctx, pid) for pid in above[: above.index(person.id)]]
        raise Refusal(
            f"{person.name} can't report to {manager.name}: {manager.name} reports to "
            f"{person.name} ({' → '.join([*chain, person.name])}). Change that line first "
            "with `leader reports-to`."
        )
    person.manager_id = manager.id


def _name(ctx: Context, person_id: int) -> str:
    person = ctx.session.get(Person, person_id)
    return person.name if person is not None else "someone"


def leader_reports_to(command: c.LeaderReportsTo, ctx: Context) -> Message:
    person = _leader(ctx, command.user)
    manager = _leader(ctx, command.manager) if command.manager else None
    old = _name(ctx, person.manager_id) if person.manager_id else None
    if manager is None:
        if old is None:
            raise Refusal(f"{person.name} doesn't report to anyone.")
        person.manager_id = None
        text = f"{person.name} no longer reports to anyone (was {old})."
    else:
        if person.manager_id == manager.id:
            raise Refusal(f"{person.name} already reports to {manager.name}.")
        _reports_to(ctx, person, manager)
        was = f" (was {old})" if old else ""
        text = f"{person.name} now reports to {manager.name}{was}."
    ctx.audit(
        "leader.reports_to",
        person.platform_user_id,
        old=old,
        new=manager.name if manager else None,
    )
    return Message(text=text)


def leader_remove(command: c.LeaderRemove, ctx: Context) -> Message:
    person = _leader(ctx, command.user)
    person.is_leader = False
    person.manager_id = None
    reports = list(
        ctx.session.scalars(
            select(Person).filter_by(manager_id=person.id).order_by(Person.display_name)
        )
    )
    for report in reports:
        report.manager_id = None
    for commitment in ctx.session.scalars(
        select(Commitment).filter_by(person_id=person.id, ended_at=None)
    ):
        commitment.ended_at = ctx.now
    cancel_unsent(ctx.session, Prompt.person_id == person.id)
    names = [report.name for report in reports]
    ctx.audit("leader.remove", person.platform_user_id, reports=names)
    text = f"{person.name} is no longer enrolled. Their records are kept."
    if names:
        text += (
            f" {', '.join(names)} reported to them and now report to no one: give them a "
            "manager with `leader reports-to <user> <manager>`."
        )
    return Message(text=text)


def leader_list(command: c.LeaderList, ctx: Context) -> Message:
    leaders = ctx.session.scalars(
        select(Person)
        .filter_by(workspace_id=ctx.workspace.id, is_leader=True)
        .order_by(Person.role, Person.display_name)
    ).all()
    if not leaders:
        return Message(text="No leaders enrolled yet. Add one with `leader add`.")
    counts = {
        person_id: count
        for person_id, count in ctx.session.execute(
            select(Commitment.person_id, func.count())
            .where(Commitment.ended_at.is_(None))
            .group_by(Commitment.person_id)
        ).tuples()
    }
    names = {person.id: person.name for person in leaders}
    items = []
    for person in leaders:
        teams = ", ".join(t.name for t in current_teams(ctx.session, person)) or "no team"
        paused = f"; paused until {person.paused_until}" if person.paused_until else ""
        manager = names.get(person.manager_id) if person.manager_id else None
        reports = f", reports to {manager}" if manager else ""
        items.append(
            f"{person.listed_name} — {person.role}, {teams}, {person.timezone}{reports}, "
            f"{plural(counts.get(person.id, 0), 'commitment')}{paused}"
        )
    return Message(text=f"{plural(len(leaders), 'leader')} enrolled.", items=tuple(items))


def leader_role(command: c.LeaderRole, ctx: Context) -> Message:
    person = _leader(ctx, command.user)
    old = person.role
    if old == command.role:
        raise Refusal(f"{person.name} is already a {command.role}.")
    person.role = command.role
    ctx.audit("leader.role", person.platform_user_id, old=old, new=command.role)
    return Message(text=f"{person.name} is now a {command.role} (was {old}).")


def _clashing_team(ctx: Context, name: str, *, besides: Team | None = None) -> None:
    clash = ctx.session.scalar(
        select(Team).where(
            Team.workspace_id == ctx.workspace.id, func.lower(Team.name) == name.lower()
        )
    )
    if clash is not None and clash is not besides:
        raise Refusal(f"There is already a team called {clash.name}.")


def team_add(command: c.TeamAdd, ctx: Context) -> Message:
    _clashing_team(ctx, command.name)
    ctx.session.add(
        Team(
            workspace_id=ctx.workspace.id,
            name=command.name,
            channel_ref=command.channel.value,
            channel_name=command.channel.label,
            timezone=ctx.caller.timezone,
            created_at=ctx.now,
        )
    )
    ctx.audit("team.add", command.name, channel=command.channel.value)
    return Message(
        text=f"Team {command.name} will get its digest in {command.channel}. "
        f'Add people with `team members "{command.name}" add <user>…`.'
    )


def team_list(command: c.TeamList, ctx: Context) -> Message:
    teams = ctx.session.scalars(
        select(Team).filter_by(workspace_id=ctx.workspace.id).order_by(Team.name)
    ).all()
    if not teams:
        return Message(text="No teams yet. Create one with `team add <name> <channel>`.")
    items = []
    for team in teams:
        members = _members(ctx, team)
        items.append(
            f"{team.name} — {team.channel_name or team.channel_ref}, "
            f"{plural(len(members), 'member')}, digest {team.digest_cadence}"
        )
    return Message(text=f"{plural(len(teams), 'team')}:", items=tuple(items))


def team_rename(command: c.TeamRename, ctx: Context) -> Message:
    team = find_team(ctx, command.name)
    _clashing_team(ctx, command.new_name, besides=team)
    old = team.name
    if old == command.new_name:
        return Message(text=f"Team {old} already has that name.")
    # A team's cadence rule names it: it follows the team to its new name.
    for rule in ctx.session.scalars(
        select(CadenceRule).filter_by(
            workspace_id=ctx.workspace.id, scope_kind="team", scope_value=old.lower()
        )
    ):
        rule.scope_value = command.new_name.lower()
        rule.updated_at = ctx.now
    team.name = command.new_name
    ctx.audit("team.rename", command.new_name, old=old, new=command.new_name)
    return Message(text=f"Team {old} is now {command.new_name}.")


def team_channel(command: c.TeamChannel, ctx: Context) -> Message:
    team = find_team(ctx, command.name)
    old = team.channel_ref
    team.channel_ref = command.channel.value
    team.channel_name = command.channel.label
    ctx.audit("team.channel", team.name, old=old, new=command.channel.value)
    return Message(text=f"Team {team.name} will get its digest in {command.channel}.")


def team_timezone(command: c.TeamTimezone, ctx: Context) -> Message:
    team = find_team(ctx, command.name)
    old = team.timezone
    team.timezone = command.zone
    ctx.audit("team.timezone", team.name, old=old, new=command.zone)
    return Message(
        text=f"Team {team.name}'s weeks and digest schedule ({team.digest_cadence}) are now "
        f"in {command.zone}."
    )


def team_remove(command: c.TeamRemove, ctx: Context) -> Message:
    team = find_team(ctx, command.name)
    members = len(_members(ctx, team))
    digests = ctx.session.scalar(
        select(func.count()).select_from(Digest).where(Digest.team_id == team.id)
    )
    ctx.session.execute(
        delete(CadenceRule).where(
            CadenceRule.workspace_id == ctx.workspace.id,
            CadenceRule.scope_kind == "team",
            CadenceRule.scope_value == team.name.lower(),
        )
    )
    ctx.session.delete(team)  # its memberships and digests go with it (ON DELETE CASCADE)
    ctx.audit("team.remove", team.name, members=members, digests=digests)
    return Message(
        text=f"Removed team {team.name} ({plural(members, 'member')} now) and its "
        f"{plural(digests or 0, 'digest')}. Its leaders stay enrolled, and their records "
        "stay on the dashboard."
    )


def _members(ctx: Context, team: Team) -> list[Person]:
    return list(
        ctx.session.scalars(
            select(Person)
            .join(TeamMembership, TeamMembership.person_id == Person.id)
            .where(TeamMembership.team_id == team.id, TeamMembership.ended_at.is_(None))
            .order_by(Person.display_name)
        )
    )


def team_members(command: c.TeamMembers, ctx: Context) -> Message:
    team = find_team(ctx, command.name)
    if command.action == "list":
        members = _members(ctx, team)
        if not members:
            return Message(text=f"Team {team.name} has no members yet.")
        return Message(
            text=f"Team {team.name}:",
            items=tuple(p.listed_name + (f" — {p.role}" if p.role else "") for p in members),
        )
    people = [resolve(ctx, user) for user in command.users]
    ctx.session.flush()
    changed: list[str] = []
    unchanged: list[str] = []
    for person in people:
        did = (_join_team if command.action == "add" else _leave_team)(ctx, person, team)
        (changed if did else unchanged).append(person.name)
    ctx.audit(f"team.members.{command.action}", team.name, people=changed)
    verb = "Added to" if command.action == "add" else "Removed from"
    text = f"{verb} {team.name}: {', '.join(changed) or 'nobody'}."
    if unchanged:
        state = "already in" if command.action == "add" else "not in"
        text += f" ({', '.join(unchanged)} {state} the team.)"
    return Message(text=text)


def _scope_key(ctx: Context, scope: c.Scope) -> tuple[str, str, str]:
    """(kind, stored value, label) for a cadence scope; teams and people must exist."""
    if scope.kind == "team":
        team = find_team(ctx, scope.value)
        return "team", team.name.lower(), f"team {team.name}"
    if scope.kind == "user":
        assert scope.user is not None
        person = resolve(ctx, scope.user)
        ctx.session.flush()
        return "user", str(person.id), person.name
    return scope.kind, scope.value, str(scope)


def cadence_set(command: c.CadenceSet, ctx: Context) -> Message:
    kind, value, label = _scope_key(ctx, command.scope)
    rule = ctx.session.scalar(
        select(CadenceRule).filter_by(
            workspace_id=ctx.workspace.id, scope_kind=kind, scope_value=value
        )
    )
    old = rule.spec if rule else None
    if rule is None:
        rule = CadenceRule(workspace_id=ctx.workspace.id, scope_kind=kind, scope_value=value)
        ctx.session.add(rule)
    rule.spec = str(command.spec)
    rule.updated_at = ctx.now
    ctx.audit("cadence.set", f"{kind}:{value}", old=old, new=rule.spec)
    return Message(text=f"Cadence for {label}: {command.spec.describe()} (`{command.spec}`).")


def cadence_show(command: c.CadenceShow, ctx: Context) -> Message:
    if command.scope is not None and command.scope.kind == "user":
        assert command.scope.user is not None
        person = resolve(ctx, command.scope.user)
        ctx.session.flush()
        effective = effective_cadence(ctx.session, person)
        return Message(
            text=f"{person.name} is prompted {effective.spec.describe()} in {person.timezone} "
            f"(from the {effective.source} cadence; behavior cadences can override it)."
        )
    rules = ctx.session.scalars(
        select(CadenceRule)
        .filter_by(workspace_id=ctx.workspace.id)
        .order_by(CadenceRule.scope_kind, CadenceRule.scope_value)
    ).all()
    if command.scope is not None:
        kind, value, label = _scope_key(ctx, command.scope)
        rule = next((r for r in rules if (r.scope_kind, r.scope_value) == (kind, value)), None)
        if rule is None:
            return Message(text=f"No cadence set for {label}; a broader one applies.")
        return Message(text=f"Cadence for {label}: `{rule.spec}`.")
    people = {
        str(p.id): p.name
        for p in ctx.session.scalars(select(Person).filter_by(workspace_id=ctx.workspace.id))
    }
    items = []
    if not any(r.scope_kind == "default" for r in rules):
        items.append(f"default: `{DEFAULT_CADENCE}` (built in)")
    for rule in rules:
        label = (
            people.get(rule.scope_value, "?")
            if rule.scope_kind == "user"
            else f"{rule.scope_kind}:{rule.scope_value}"
            if rule.scope_value
            else rule.scope_kind
        )
        items.append(f"{label}: `{rule.spec}`")
    return Message(
        text="Cadences (a person's own beats behavior, then team, then role, then default):",
        items=tuple(items),
    )


def cadence_clear(command: c.CadenceClear, ctx: Context) -> Message:
    kind, value, label = _scope_key(ctx, command.scope)
    rule = ctx.session.scalar(
        select(CadenceRule).filter_by(
            workspace_id=ctx.workspace.id, scope_kind=kind, scope_value=value
        )
    )
    if rule is None:
        raise Refusal(f"No cadence is set for {label}: there is nothing to clear.")
    ctx.session.delete(rule)
    ctx.audit("cadence.clear", f"{kind}:{value}", old=rule.spec)
    if kind == "default":
        return Message(
            text=f"Cleared the default cadence: the built-in `{DEFAULT_CADENCE}` applies again."
        )
    return Message(text=f"Cleared the cadence for {label}: a broader one applies again.")


def reminder(command: c.Reminder, ctx: Context) -> Message:
    old = ctx.workspace.reminder_hours
    ctx.workspace.reminder_hours = command.hours
    ctx.audit("reminder", "workspace", old=old, new=command.hours)
    if command.hours is None:
        return Message(text="Reminders are off: each prompt is sent once, with no nudge.")
    return Message(text=f"One reminder after {command.hours} hours without an answer.")


def _length(length: timedelta) -> str:
    """`4 hours`, `1 day and 12 hours`, `90 minutes` → how a person says a length."""
    days, rest = divmod(int(length.total_seconds()) // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if minutes and not days:
        return plural(hours * 60 + minutes, "minute")
    parts = [plural(days, "day")] * bool(days) + [plural(hours, "hour")] * bool(hours)
    parts += [plural(minutes, "minute")] * bool(minutes)
    return " and ".join(parts)


def snooze_length(command: c.SnoozeLength, ctx: Context) -> Message:
    old = ctx.workspace.snooze_minutes
    current = timedelta(minutes=old) if old else DEFAULT_SNOOZE
    if command.length is None and not command.reset:
        default = " (the default)" if old is None else ""
        return Message(text=f"The Snooze button asks again after {_length(current)}{default}.")
    new = int(command.length.total_seconds() // 60) if command.length else None
    ctx.workspace.snooze_minutes = new
    ctx.audit("snooze-length", "workspace", old=old, new=new)
    length = command.length or DEFAULT_SNOOZE
    return Message(
        text=f"The Snooze button now asks again after {_length(length)}. "
        "A leader can still say their own: `snooze 2d`."
    )


def expiry(command: c.Expiry, ctx: Context) -> Message:
    old = ctx.workspace.expiry_hours
    reminder = ctx.workspace.reminder_hours
    if command.length is None and not command.reset:
        window = answer_window(reminder, old)
        after = "its reminder" if reminder else "it is sent, as reminders are off"
        default = ", the default length" if old is None else ""
        return Message(
            text=f"A prompt stays open {_length(window)} after {after}{default}; "
            "an answer after that still counts, marked late."
        )
    new = int(command.length.total_seconds() // 3600) if command.length else None
    ctx.workspace.expiry_hours = new
    ctx.audit("expiry", "workspace", old=old, new=new)
    window = answer_window(reminder, new)
    after = "its reminder" if reminder else "it is sent, as reminders are off"
    return Message(text=f"A prompt now stays open {_length(window)} after {after}.")


def quiet(command: c.Quiet, ctx: Context) -> Message:
    start = command.start.strftime("%H:%M") if command.start else None
    end = command.end.strftime("%H:%M") if command.end else None
    ctx.audit(
        "quiet",
        "workspace",
        old=[ctx.workspace.quiet_start, ctx.workspace.quiet_end],
        new=[start, end],
    )
    ctx.workspace.quiet_start, ctx.workspace.quiet_end = start, end
    if start is None:
        return Message(text="Quiet hours are off.")
    return Message(text=f"No prompts between {start} and {end}, in each leader's own time.")


def workdays(command: c.Workdays, ctx: Context) -> Message:
    current = working_days(ctx.workspace)
    if command.days is None:
        return Message(
            text=f"Prompts go out {describe_working_days(current)}; on other days they wait "
            "for the next working day. Change it with `workdays <days>`, like `workdays "
            "sun-thu`."
        )
    stored = None if command.days == MONDAY_TO_FRIDAY else format_working_days(command.days)
    ctx.audit(
        "workdays",
        "workspace",
        old=format_working_days(current),
        new=format_working_days(command.days),
    )
    ctx.workspace.working_days = stored
    return Message(
        text=f"Working days: {describe_working_days(command.days)}. A prompt or reminder "
        "that falls on another day waits for the next working day, as on a holiday."
    )


def holiday_change(command: c.HolidayChange, ctx: Context) -> Message:
    existing = ctx.session.scalar(
        select(Holiday).filter_by(workspace_id=ctx.workspace.id, day=command.day)
    )
    day = command.day.isoformat()
    if command.action == "add":
        if existing is not None:
            raise Refusal(f"{day} is already a holiday.")
        ctx.session.add(Holiday(workspace_id=ctx.workspace.id, day=command.day))
        text = f"{day} is a holiday: no prompts that day."
    else:
        if existing is None:
            raise Refusal(f"{day} isn't a holiday.")
        ctx.session.delete(existing)
        text = f"{day} is no longer a holiday."
    ctx.audit(f"holiday.{command.action}", day)
    return Message(text=text)


def holiday_list(command: c.HolidayList, ctx: Context) -> Message:
    days = ctx.session.scalars(
        select(Holiday.day)
        .where(Holiday.workspace_id == ctx.workspace.id, Holiday.day >= ctx.today)
        .order_by(Holiday.day)
    ).all()
    if not days:
        return Message(text="No holidays ahead.")
    return Message(text="Holidays ahead:", items=tuple(d.isoformat() for d in days))


def admin_change(command: c.AdminChange, ctx: Context) -> Message:
    person = resolve(ctx, command.user)
    if command.action == "add":
        if person.is_admin:
            raise Refusal(f"{person.name} is already an admin.")
        person.is_admin = True
        text = f"{person.name} is now an admin."
    else:
        if not person.is_admin:
            raise Refusal(f"{person.name} isn't an admin.")
        admins = ctx.session.scalar(
            select(func.count())
            .select_from(Person)
            .filter_by(workspace_id=ctx.workspace.id, is_admin=True)
        )
        if admins == 1:
            raise Refusal(f"{person.name} is the last admin; add another admin first.")
        if is_bootstrap_admin(person, ctx.settings):
            raise Refusal(
                f"{person.name} is an admin through the FOLLOWTHROUGH_ADMINS setting; "
                "take them out of it there, then run this again."
            )
        person.is_admin = False
        text = f"{person.name} is no longer an admin."
    ctx.session.flush()
    ctx.audit(f"admin.{command.action}", person.platform_user_id)
    return Message(text=text)


def send_now(command: c.SendNow, ctx: Context) -> Message:
    person = _leader(ctx, command.user)
    commitments = ctx.session.scalars(
        select(Commitment).filter_by(person_id=person.id, ended_at=None).order_by(Commitment.id)
    ).all()
    if command.behavior_id:
        chosen = [x for x in commitments if x.behavior_id == command.behavior_id]
        behaviors = [(chosen[0].id if chosen else None, command.behavior_id)]
    elif commitments:
        behaviors = [(x.id, x.behavior_id) for x in commitments]
    else:
        raise Refusal(
            f"{person.name} has no commitments yet; name a behavior: `send-now <user> <id>`."
        )
    minute = ctx.now.replace(second=0, microsecond=0)
    queued = []
    for commitment_id, behavior_id in behaviors:
        key = f"now:{person.id}:{behavior_id}:{minute.isoformat()}"
        if ctx.session.scalar(select(Prompt.id).filter_by(delivery_key=key)) is not None:
            continue
        phrasing, text = choose_phrasing(ctx, person, behavior_id)
        ctx.session.add(
            Prompt(
                person_id=person.id,
                commitment_id=commitment_id,
                behavior_id=behavior_id,
                text=text,
                phrasing=phrasing,
                scheduled_for=minute,
                delivery_key=key,
                created_at=ctx.now,
            )
        )
        queued.append(behavior_id)
    if not queued:
        raise Refusal(f"A prompt for {person.name} was already queued this minute.")
    ctx.audit("send-now", person.platform_user_id, behaviors=queued)
    return Message(
        text=f"Queued a prompt for {person.name} about {', '.join(queued)}; "
        "it goes out with the next delivery pass.",
    )


# The most audit entries a chat reply shows: the rest are a `followthrough audit` away.
AUDIT_SHOWN = 20


def audit_trail(command: c.Audit, ctx: Context) -> Message:
    """The workspace's audit trail, newest first, in the admin's own time zone."""
    since = datetime.combine(command.since, time(0), tzinfo=ctx.zone) if command.since else None
    total = count_audit(ctx.session, workspace_id=ctx.workspace.id, since=since)
    when = f" since {command.since.isoformat()}" if command.since else ""
    if total == 0:
        return Message(text=f"No changes recorded{when}.")
    entries = audit_entries(
        ctx.session, workspace_id=ctx.workspace.id, since=since, limit=AUDIT_SHOWN
    )
    items = [
        f"{entry.at.astimezone(ctx.zone):%Y-%m-%d %H:%M %Z} — {entry.actor} {entry.summary}"
        for entry in entries
    ]
    if total > len(entries):
        items.append(f"and {total - len(entries)} more — use `followthrough audit` for all")
    counted = plural(total, "change")
    shown = f"The last {len(entries)} of {counted}" if total > len(entries) else counted
    return Message(
        title="Audit trail",
        text=f"{shown}{when}, newest first ({ctx.caller.timezone}):",
        items=tuple(items),
    )
