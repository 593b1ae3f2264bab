"""The digest commands: `digest preview|send <team>` for this week's digest, and
`digest schedule <team> <cadence>` for when it goes out by itself."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.core import commands as c
from bot.core.messages import Message
from bot.handlers.context import Context, Refusal
from bot.handlers.people import find_team
from bot.reports.digest import DigestBody, compute_digest, week_of
from bot.reports.digest_message import quiet_leaders_for_admins, render_digest
from bot.store.models import Digest, Team


def digest_run(command: c.DigestRun, ctx: Context) -> Message:
    """This week's digest for a team: previewed for the admin alone, or queued for its
    channel (once per team and week)."""
    team = find_team(ctx, command.team)
    today = ctx.now.astimezone(ZoneInfo(team.timezone)).date()
    start, end = week_of(today)
    body = compute_digest(ctx.session, ctx.catalog, team, start, end, now=ctx.now)
    if command.action == "preview":
        return _preview(body)
    _queue(ctx, team, body)
    return Message(
        text=f"Queued the digest for {team.name} (week of {start}) to "
        f"{team.channel_name or team.channel_ref}.",
    )


def _preview(body: DigestBody) -> Message:
    """What the channel will get, then the line only the admin sees."""
    preview = render_digest(body)
    for_admins = quiet_leaders_for_admins(body)
    if for_admins is None:
        return preview
    return replace(preview, items=(*preview.items, for_admins))


def _queue(ctx: Context, team: Team, body: DigestBody) -> None:
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                Digest(
                    team_id=team.id,
                    period_start=body.period_start,
                    period_end=body.period_end,
                    body=body.to_json(),
                    requested_by_id=ctx.caller.id,
                    created_at=ctx.now,
                )
            )
    except IntegrityError:
        raise Refusal(
            f"The digest for {team.name} for the week of {body.period_start} is already out."
        ) from None
    ctx.audit("digest.send", team.name, period_start=body.period_start.isoformat())


def digest_schedule(command: c.DigestSchedule, ctx: Context) -> Message:
    team = find_team(ctx, command.team)
    old = team.digest_cadence
    team.digest_cadence = str(command.spec)
    ctx.audit("digest.schedule", team.name, old=old, new=team.digest_cadence)
    return Message(
        text=f"{team.name}'s digest goes out {command.spec.describe()} ({team.timezone})."
    )
