"""The handler layer's front door: parse a command, check who may run it, run it, reply."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core import commands as c
from bot.core import links, mentions
from bot.core.catalog import Catalog
from bot.core.grammar import CommandError, looks_like_command, parse_command
from bot.core.messages import RUN, Attachment, Message
from bot.handlers import admin, assignments, digest, home, leader, supervision
from bot.handlers.callers import Known, KnownCallers, Remembered
from bot.handlers.context import Context, Directory, PlatformUser, Reading, Refusal
from bot.handlers.home import HOME_COMMANDS
from bot.handlers.people import current_teams, identify, welcome
from bot.handlers.replies import (
    ANSWER,
    OUTCOME_LABELS,
    AnswerResult,
    add_to_answer,
    answer,
    open_prompt,
    own_prompt,
    snooze_pressed,
    take_free_text,
)
from bot.reports.chain import people_under
from bot.reports.export import csv_bytes, export_rows
from bot.reports.summary import FOLLOW_UP
from bot.store.db import UNKNOWN_TABLE, first_sight, writes, written_tables
from bot.store.models import Person, Record, Workspace
from bot.store.workspaces import get_workspace, workspace_and_person

Handler = Callable[[Any, Context], Message]


def export(command: c.Export, ctx: Context) -> Message:
    data, count = csv_bytes(
        export_rows(ctx.session, ctx.catalog, workspace_id=ctx.workspace.id, since=command.since)
    )
    since = f" since {command.since}" if command.since else ""
    return Message(
        text=f"{count} records{since}.",
        attachment=Attachment(
            filename=f"followthrough-records-{ctx.today.isoformat()}.csv",
            content_type="text/csv",
            data=data,
        ),
    )


def dashboard(command: c.Dashboard, ctx: Context) -> Message:
    """A private link to the dashboard, for admins (their whole workspace), members of an
    implementation team (their own teams) and leaders with reports (the people under them)."""
    if not (
        ctx.caller.is_admin
        or current_teams(ctx.session, ctx.caller)
        or (ctx.caller.is_leader and people_under(ctx.session, ctx.caller.id))
    ):
        raise Refusal(
            "Sorry, that command is for Follow-Through admins, implementation team members "
            "and leaders with people reporting to them."
        )
    token = links.sign(
        ctx.settings.secret_key,
        links.LINK_SALT,
        person_id=ctx.caller.id,
        workspace_id=ctx.workspace.id,
        now=ctx.now,
    )
    ctx.audit("dashboard.link", ctx.caller.platform_user_id)
    return Message(
        text="Your private dashboard link, good once, for 15 minutes and for you alone:",
        fields=(("Dashboard", f"{ctx.settings.base_url}/dashboard?token={token}"),),
    )


# Commands answered from the catalog and who asks alone: `answer_known` runs them without the
# database for a caller remembered from an earlier request.
FROM_CATALOG: Mapping[type, Callable[[Any, Reading], Message]] = {
    c.Help: leader.show_help,
    c.Behaviors: leader.list_behaviors,
    c.BehaviorPage: leader.behavior_page,
}
HANDLERS: Mapping[type, tuple[Handler, bool]] = {
    **{kind: (handler, False) for kind, handler in FROM_CATALOG.items()},
    c.Commitments: (leader.list_commitments, False),
    c.Commit: (assignments.commit, False),
    c.Drop: (assignments.drop, False),
    c.Log: (leader.log, False),
    c.History: (leader.history, False),
    c.Reports: (supervision.reports, False),
    c.Home: (home.home_card, False),
    c.Pause: (leader.pause, False),
    c.Resume: (leader.resume, False),
    c.Snooze: (leader.snooze, False),
    c.Profile: (leader.profile, False),
    c.SetTimezone: (leader.set_timezone, False),
    c.LeaderAdd: (admin.leader_add, True),
    c.LeaderRemove: (admin.leader_remove, True),
    c.LeaderList: (admin.leader_list, True),
    c.LeaderRole: (admin.leader_role, True),
    c.LeaderReportsTo: (admin.leader_reports_to, True),
    c.TeamAdd: (admin.team_add, True),
    c.TeamList: (admin.team_list, True),
    c.TeamMembers: (admin.team_members, True),
    c.TeamRename: (admin.team_rename, True),
    c.TeamChannel: (admin.team_channel, True),
    c.TeamTimezone: (admin.team_timezone, True),
    c.TeamRemove: (admin.team_remove, True),
    c.CadenceSet: (admin.cadence_set, True),
    c.CadenceShow: (admin.cadence_show, True),
    c.CadenceClear: (admin.cadence_clear, True),
    c.Reminder: (admin.reminder, True),
    c.Quiet: (admin.quiet, True),
    c.SnoozeLength: (admin.snooze_length, True),
    c.Expiry: (admin.expiry, True),
    c.Workdays: (admin.workdays, True),
    c.HolidayChange: (admin.holiday_change, True),
    c.HolidayList: (admin.holiday_list, True),
    c.DigestRun: (digest.digest_run, True),
    c.DigestSchedule: (digest.digest_schedule, True),
    c.Export: (export, True),
    c.Audit: (admin.audit_trail, True),
    c.AdminChange: (admin.admin_change, True),
    c.SendNow: (admin.send_now, True),
    c.Dashboard: (dashboard, False),
}


def run_command(command: c.Command, ctx: Context) -> Message:
    """Run one parsed command; a refusal leaves the database exactly as it was."""
    handler, admin_only = HANDLERS[type(command)]
    if admin_only and not ctx.caller.is_admin:
        return Message.refusal(
            "Sorry, that command is for Follow-Through admins. An admin can make you one "
            "(`admin add`); the first admins are named by whoever runs Follow-Through, in its "
            "FOLLOWTHROUGH_ADMINS setting. Type `help` to see your commands."
        )
    return run_step(ctx, lambda: handler(command, ctx))


# What a remembered caller is taken from: a request that writes to it forgets the workspace's
# snapshots (one that only records answers or logs does not); a table not told, to be safe.
CALLERS_FROM = frozenset({"person", UNKNOWN_TABLE})
R = TypeVar("R")
# Set on a session whose request `in_context` can run again: its steps need no savepoint.
OPTIMISTIC = "followthrough_optimistic"


class Redo(Exception):
    """A step refused after it had written, with no savepoint to undo just the step: the
    request is to run again from the start, its steps in savepoints this time."""


def refusable(session: Session, step: Callable[[], R], refused: Callable[[Refusal], R]) -> R:
    """Run `step`; when it refuses, leave the database exactly as it was and give
    `refused(refusal)`. A step runs in a savepoint, unless its request can be run again
    (`in_context` marks it OPTIMISTIC): almost every refusal comes before the step writes
    anything, so then none is taken (SAVEPOINT and RELEASE were a fifth of a writing
    command's cost), and a refusal after a write raises Redo."""
    if session.info.get(OPTIMISTIC):
        session.flush()  # what came before the step is kept, whatever the step does
        before = writes(session)
        try:
            result = step()
            session.flush()
        except Refusal as refusal:
            if writes(session) == before and not (session.new or session.dirty or session.deleted):
                return refused(refusal)
            raise Redo from refusal
        return result
    savepoint = session.begin_nested()
    try:
        result = step()
        session.flush()
    except Refusal as refusal:
        savepoint.rollback()
        return refused(refusal)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


def run_step(ctx: Context, step: Callable[[], Message]) -> Message:
    """Run one step; a refusal leaves the database exactly as it was."""
    return refusable(ctx.session, step, lambda refusal: Message.refusal(str(refusal)))


def handle_text(
    text: str,
    ctx: Context,
    *,
    direct: bool = False,
) -> Message:
    """Parse and run what someone typed; every problem comes back as a specific reply. In a
    direct conversation, text that does not look like a command (see `looks_like_command`)
    is a note on the most recent open prompt, and the leader then picks the outcome; text
    that does gets the command's own answer or error, and never becomes an answer."""
    try:
        command = parse_command(text, catalog=ctx.catalog, today=ctx.today)
    except CommandError as error:
        if direct and not looks_like_command(text):
            note = mentions.readable(text.strip())[:2000]
            return run_step(ctx, lambda: take_free_text(ctx, note))
        hint = ""
        if direct and open_prompt(ctx) is not None:
            hint = (
                "\nIf you meant it as a note on your open prompt, use the prompt's "
                "Add a note button."
            )
        return Message.refusal(str(error) + hint)
    return run_command(command, ctx)


def answer_known(text: str, known: Known, *, now: datetime) -> Message | None:
    """The answer to a command in FROM_CATALOG for a remembered caller, with no database;
    None for anything else, which then takes the usual way (a malformed command too: in a
    direct conversation its answer depends on whether a prompt is open)."""
    today = now.astimezone(ZoneInfo(known.caller.timezone)).date()
    try:
        command = parse_command(text, catalog=known.catalog, today=today)
    except CommandError:
        return None
    handler = FROM_CATALOG.get(type(command))
    return handler(command, known) if handler is not None else None


def enter(
    session: Session,
    *,
    settings: Settings,
    catalog: Catalog,
    workspace: Workspace,
    user: PlatformUser,
    directory: Directory,
    now: datetime,
    strangers: bool = True,
    caller: Person | None = None,
) -> Context:
    """The one way in: who is writing (met on first contact, or Stranger where `strangers`
    is False; `caller` when the edge's way in has identified them already), where, and at
    what moment."""
    if caller is None:
        caller = identify(
            session,
            workspace=workspace,
            user=user,
            settings=settings,
            now=now,
            strangers=strangers,
        )
    return Context(
        session=session,
        workspace=workspace,
        caller=caller,
        catalog=catalog,
        settings=settings,
        directory=directory,
        now=now,
    )


def handle_action(ctx: Context, action: str, value: str, text: str | None = None) -> AnswerResult:
    """A button pressed on a prompt (with the text of a note or barrier, if the platform
    collected one), or Follow up on a manager's summary; anything malformed comes back as a
    refusal and changes nothing."""
    if action == RUN:
        return AnswerResult(None, _run_button(ctx, value))
    if action in HOME_COMMANDS:
        if not re.fullmatch(r"[0-9a-z.]{0,20}", value):
            return AnswerResult(None, Message.refusal("That button doesn't point at a behavior."))
        return AnswerResult(None, handle_text(HOME_COMMANDS[action].format(value=value), ctx))
    if action == FOLLOW_UP:
        return refusable(
            ctx.session,
            lambda: AnswerResult(None, supervision.follow_up(ctx, value)),
            lambda refusal: AnswerResult(None, Message.refusal(str(refusal))),
        )
    outcome = action.removeprefix(ANSWER) if action.startswith(ANSWER) else None
    if outcome is not None and outcome not in OUTCOME_LABELS:
        return AnswerResult(None, Message.refusal(f"I don't know the answer `{outcome}`."))
    if not value.isdigit() or len(value) > 12:
        return AnswerResult(None, Message.refusal("That button doesn't point at a prompt."))
    text = text.strip() if text else None

    def press() -> AnswerResult:
        prompt = own_prompt(ctx, int(value))
        if outcome is not None:
            barrier = text if outcome == "not_this_week" else None
            note = text if outcome != "not_this_week" else None
            result = answer(
                ctx, prompt, outcome=outcome, note=note, barrier=barrier, source="button"
            )
        elif action == "snooze":
            result = snooze_pressed(ctx, prompt)
        elif action == "note":
            if not text:
                raise Refusal("Write the note, then send it.")
            result = add_to_answer(ctx, prompt, note=text, shared=None, source="note")
        elif action == "share":
            result = add_to_answer(ctx, prompt, note=text, shared=True, source="share")
            recorded = ctx.session.execute(
                select(Record.note).filter_by(prompt_id=prompt.id)
            ).first()
            if recorded is not None and not recorded.note:
                result = AnswerResult(
                    result.prompt,
                    Message(text="Marked to share. Add a note so the team sees what you did."),
                )
        else:
            raise Refusal(f"I don't know the action `{action}`.")
        return replace(result, posted_as=prompt.platform_message_id)

    return refusable(
        ctx.session, press, lambda refusal: AnswerResult(None, Message.refusal(str(refusal)))
    )


def _run_button(ctx: Context, command_text: str) -> Message:
    """What a Run button shows: a command that reads only the catalog, as if typed."""
    try:
        command = parse_command(command_text, catalog=ctx.catalog, today=ctx.today)
    except CommandError as error:
        return Message.refusal(str(error))
    handler = FROM_CATALOG.get(type(command))
    if handler is None:
        return Message.refusal("That button doesn't show anything I know.")
    return handler(command, ctx)


T = TypeVar("T")


def once(
    platform: str, event_id: str, work: Callable[[Context], T]
) -> Callable[[Context], T | None]:
    """`work`, unless this platform event was handled before (then None). The event is
    recorded as seen in the transaction that handles it: a platform's retry of a handled
    event is skipped, while one whose handling failed is handled again."""

    def run(ctx: Context) -> T | None:
        if not first_sight(ctx.session, platform, event_id, now=ctx.now):
            return None
        return work(ctx)

    return run


def in_context(
    sessions: sessionmaker[Session],
    *,
    settings: Settings,
    catalog: Catalog,
    platform: str,
    workspace: str,
    user: PlatformUser,
    directory: Directory,
    work: Callable[[Context], T],
    now: datetime,
    strangers: bool = True,
    callers: KnownCallers | None = None,
) -> T:
    """Run `work` for a person of a platform's workspace, in one transaction that commits
    when it returns (a platform edge's way into the handlers). With `strangers` False, a
    person not met before raises Stranger and nothing is kept. With `callers`, the caller is
    remembered after a request that changed no one, and the workspace forgotten after one
    that did. Its steps run without savepoints; in the rare case that one refuses after
    writing (Redo), all is rolled back and `work` runs again with them."""
    generation = callers.generation(platform, workspace) if callers is not None else 0

    def attempt(optimistic: bool) -> tuple[T, bool, Remembered]:
        with sessions.begin() as session:
            session.info[OPTIMISTIC] = optimistic
            place, known = workspace_and_person(
                session, platform=platform, external_id=workspace, user_id=user.user_id
            )
            if place is None:
                place = get_workspace(session, platform=platform, external_id=workspace, now=now)
            if not place.active:
                place.active = True  # someone is using it: the app is installed again
            caller = welcome(
                session,
                known,
                workspace=place,
                user=user,
                settings=settings,
                now=now,
                strangers=strangers,
            )
            ctx = enter(
                session,
                settings=settings,
                catalog=catalog,
                workspace=place,
                user=user,
                directory=directory,
                now=now,
                caller=caller,
            )
            result = work(ctx)
            snapshot = Remembered.of(ctx.caller)
        # After the commit, which may flush: did it change anyone a snapshot is taken from?
        return result, bool(written_tables(session) & CALLERS_FROM), snapshot

    try:
        result, written, snapshot = attempt(optimistic=True)
    except Redo:
        result, written, snapshot = attempt(optimistic=False)
    if callers is not None:
        if written:
            callers.forget(platform, workspace)
        else:
            callers.remember(platform, workspace, user.user_id, snapshot, generation)
    return result
