"""Team digests: the week's figures for one implementation team, previewed or queued to send."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core import commands as c
from bot.core.catalog import Catalog
from bot.core.messages import Message
from bot.handlers.context import Context, Refusal
from bot.handlers.people import find_team
from bot.reports.figures import barriers, highlights, leader_weeks, practice
from bot.reports.scope import Period, Scope
from bot.store.models import Digest, Team

# How far back a digest traces streaks and quiet spells.
LOOKBACK_WEEKS = 52
# The shape of a digest's body (stored with the digest, rendered when it is posted).
DIGEST_VERSION = 2
# At most this many shared notes, streaks, examples per barrier theme and names of leaders
# who recognized staff in a channel post; the dashboard has the rest.
SHOWN_NOTES, SHOWN_STREAKS, SHOWN_BARRIERS, SHOWN_NAMES = 10, 5, 3, 5
# Names of quiet leaders an admin's preview lists (the dashboard lists them all).
SHOWN_QUIET = 20


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def compute_digest(
    session: Session,
    catalog: Catalog,
    team: Team,
    start: date,
    end: date,
    *,
    now: datetime,
) -> dict[str, Any]:
    """The figures for one team's week (`start` to `end`, in the team's zone), as stored
    with the digest: a record counts for the team its leader was in at the time; notes
    appear only when shared or written as an update to the implementation team."""
    zone = ZoneInfo(team.timezone)
    scope = Scope(workspace_id=team.workspace_id, team_ids=(team.id,))
    week = Period(start, end, zone)
    history = Period.weeks_ending(end, LOOKBACK_WEEKS, zone)
    grid = leader_weeks(session, scope, history)
    now = min(now, history.until)
    this, last = grid.weeks[-1], grid.weeks[-2]
    practiced = practice(session, catalog, scope, week)
    noted = highlights(session, catalog, scope, week, limit=SHOWN_NOTES)
    streaks = grid.streaks(now)
    recognized = practiced.recognitions(grid)
    return {
        "version": DIGEST_VERSION,
        "team": team.name,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "leaders": this.leaders,
        "taking_part": this.taking_part,
        "prompts_sent": this.prompts_sent,
        "answers": this.answered,
        "rate": this.rate,
        "last_week": {
            "leaders": last.leaders,
            "taking_part": last.taking_part,
            "prompts_sent": last.prompts_sent,
            "answers": last.answered,
            "rate": last.rate,
        },
        "change": this.change,
        "outcomes": {"done": this.done, "partly": this.partly, "not_this_week": this.not_this_week},
        "domains": [
            {"name": d.name, "done": d.done, "partly": d.partly}
            for d in sorted(practiced.domains, key=lambda d: -d.practiced)
            if d.practiced
        ],
        "top_behaviors": [
            {"id": b.behavior_id, "title": b.title, "count": b.count}
            for b in practiced.behaviors[:3]
        ],
        "lenses": [{"name": lens.name, "count": lens.count} for lens in practiced.lenses],
        "shared": [
            {
                "leader": n.leader,
                "behavior_id": n.behavior_id,
                "title": n.title,
                "note": n.note,
                "kind": n.kind,
            }
            for n in reversed(noted.notes)
        ],
        "shared_total": noted.total,
        "recognitions": {
            "count": sum(count for _, count in recognized),
            "leaders": [name for name, _ in recognized],
        },
        "barriers": [
            {
                "theme": group.theme,
                "count": group.count,
                "texts": [{"text": t.text, "count": t.count} for t in group.texts],
            }
            for group in barriers(session, scope, week)
        ],
        "streaks": [{"leader": row.name, "weeks": weeks} for row, weeks in streaks[:SHOWN_STREAKS]],
        "streaks_total": len(streaks),
        "quiet_leaders": [{"leader": row.name, "weeks": weeks} for row, weeks in grid.quiet(now)],
    }


def render_digest(body: dict[str, Any]) -> Message:
    """The digest as its team's channel sees it. Quiet leaders are a count here: who they
    are is for admins (`digest preview`, the dashboard). See docs/digest.md."""
    title = f"{body['team']} digest, {body['period_start']} to {body['period_end']}"
    if body.get("version") != DIGEST_VERSION:
        return Message(
            title=title,
            text="This digest was prepared by an earlier version of Follow-Through.",
            fields=(("Taking part", f"{body['taking_part']} of {body['leaders']} leaders"),),
        )
    outcomes = body["outcomes"]
    fields = (
        ("Taking part", f"{body['taking_part']} of {body['leaders']} leaders"),
        ("Prompts sent", str(body["prompts_sent"])),
        ("Answered", _answered(body["answers"], body["rate"])),
        ("Change from last week", _change(body)),
        (
            "Outcomes",
            f"{outcomes['done']} done, {outcomes['partly']} partly, "
            f"{outcomes['not_this_week']} not this week",
        ),
        ("Balance", " · ".join(f"{lens['name']} {lens['count']}" for lens in body["lenses"])),
    )
    items = [f"{d['name']}: {_done_partly(d['done'], d['partly'])}" for d in body["domains"]]
    items += [
        f"Most practiced: {b['id']} {b['title']} ({b['count']})" for b in body["top_behaviors"]
    ]
    recognitions = body["recognitions"]
    if recognitions["count"]:
        by = _and(recognitions["leaders"], SHOWN_NAMES)
        items.append(f"Recognitions: {recognitions['count']}, by {by}")
    items += [
        (f"Update from {s['leader']}" if s["kind"] == "update" else s["leader"])
        + f" on {s['behavior_id']}: {s['note']}"
        for s in body["shared"]
    ]
    if body["shared_total"] > len(body["shared"]):
        more = body["shared_total"] - len(body["shared"])
        items.append(f"{more} more shared notes on the dashboard")
    for group in body["barriers"]:
        texts = "; ".join(
            t["text"] + (f" ({t['count']} times)" if t["count"] > 1 else "")
            for t in group["texts"][:SHOWN_BARRIERS]
        )
        more = len(group["texts"]) - SHOWN_BARRIERS
        items.append(
            f"Barriers, {group['theme'].lower()} ({group['count']}): {texts}"
            + (f"; and {more} more" if more > 0 else "")
        )
    if body["streaks"]:
        items.append(
            "Streaks: "
            + ", ".join(f"{s['leader']} {s['weeks']} weeks in a row" for s in body["streaks"])
            + (
                f", and {body['streaks_total'] - len(body['streaks'])} more"
                if body["streaks_total"] > len(body["streaks"])
                else ""
            )
        )
    quiet = len(body["quiet_leaders"])
    if quiet:
        who = "1 leader has" if quiet == 1 else f"{quiet} leaders have"
        items.append(
            f"{who} had no answer for two weeks or more: a check-in from their manager may help."
        )
    answered_any = body["taking_part"] or body["answers"]
    return Message(
        title=title,
        text="What leaders did this week." if answered_any else "No answers this week yet.",
        fields=fields,
        items=tuple(items),
    )


def quiet_leaders_for_admins(body: dict[str, Any]) -> str | None:
    """Who has had no answer for two weeks or more, for an admin's eyes only."""
    quiet = body.get("quiet_leaders") or []
    if not quiet:
        return None
    return "Only you see this: no answer for two weeks or more from " + _and(
        [f"{q['leader']} ({q['weeks']} weeks)" for q in quiet], SHOWN_QUIET
    )


def _answered(answers: int, rate: float | None) -> str:
    return f"{answers} ({rate:.0f}%)" if rate is not None else str(answers)


def _change(body: dict[str, Any]) -> str:
    rate, before = body["rate"], body["last_week"]["rate"]
    if rate is None:
        return "no prompts this week"
    if before is None:
        return "no prompts last week"
    change = round(body["change"])
    if change == 0:
        return f"no change (from {before:.0f}%)"
    return f"{change:+d} points (from {before:.0f}%)"


def _done_partly(done: int, partly: int) -> str:
    parts = [f"{done} done"] if done else []
    parts += [f"{partly} partly"] if partly else []
    return ", ".join(parts)


def _and(names: list[str], most: int) -> str:
    """Names joined for reading, the first `most` of them and how many others."""
    if len(names) > most:
        names = [*names[:most], f"{len(names) - most} others"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def digest_run(command: c.DigestRun, ctx: Context) -> Message:
    team = find_team(ctx, command.team)
    today = ctx.now.astimezone(ZoneInfo(team.timezone)).date()
    start, end = week_of(today)
    body = compute_digest(ctx.session, ctx.catalog, team, start, end, now=ctx.now)
    if command.action == "preview":
        preview = render_digest(body)
        for_admins = quiet_leaders_for_admins(body)
        if for_admins is None:
            return preview
        return replace(preview, items=(*preview.items, for_admins))
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                Digest(
                    team_id=team.id,
                    period_start=start,
                    period_end=end,
                    body=body,
                    requested_by_id=ctx.caller.id,
                    created_at=ctx.now,
                )
            )
    except IntegrityError:
        raise Refusal(
            f"The digest for {team.name} for the week of {start} is already out."
        ) from None
    ctx.audit("digest.send", team.name, period_start=start.isoformat())
    return Message(
        text=f"Queued the digest for {team.name} (week of {start}) to "
        f"{team.channel_name or team.channel_ref}.",
    )


def digest_schedule(command: c.DigestSchedule, ctx: Context) -> Message:
    team = find_team(ctx, command.team)
    old = team.digest_cadence
    team.digest_cadence = str(command.spec)
    ctx.audit("digest.schedule", team.name, old=old, new=team.digest_cadence)
    return Message(
        text=f"{team.name}'s digest goes out {command.spec.describe()} ({team.timezone})."
    )
