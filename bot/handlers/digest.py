"""Team digests: the week's figures for one implementation team, previewed or queued to send."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core import commands as c
from bot.core.catalog import Catalog
from bot.core.messages import Message
from bot.handlers.context import Context, Refusal
from bot.handlers.people import find_team
from bot.store.models import Digest, Person, Prompt, Record, Team, TeamMembership

ANSWERED = ("done", "partly", "not_this_week")


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def compute_digest(
    session: Session, catalog: Catalog, team: Team, start: date, end: date
) -> dict[str, Any]:
    """The figures for one team and period; notes appear only when the leader shared them."""
    zone = ZoneInfo(team.timezone)
    since = datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    leaders = session.scalars(
        select(Person)
        .join(TeamMembership, TeamMembership.person_id == Person.id)
        .where(
            TeamMembership.team_id == team.id,
            TeamMembership.started_at < until,
            (TeamMembership.ended_at.is_(None)) | (TeamMembership.ended_at > since),
            Person.is_leader.is_(True),
        )
        .order_by(Person.display_name)
    ).all()
    ids = [p.id for p in leaders]
    records = session.scalars(
        select(Record).where(
            Record.person_id.in_(ids), Record.created_at >= since, Record.created_at < until
        )
    ).all()
    prompts_sent = len(
        session.scalars(
            select(Prompt.id).where(
                Prompt.person_id.in_(ids),
                Prompt.sent_at >= since,
                Prompt.sent_at < until,
            )
        ).all()
    )
    names = {p.id: p.name for p in leaders}
    domains: Counter[str] = Counter()
    behaviors: Counter[str] = Counter()
    for record in records:
        entry = catalog.find(record.behavior_id)
        if entry is not None and record.outcome in ("done", "partly"):
            domains[entry.domain.name] += 1
            behaviors[entry.behavior.id] += 1
    active = {r.person_id for r in records if r.outcome in ANSWERED}
    return {
        "team": team.name,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "leaders": len(leaders),
        "taking_part": len(active),
        "prompts_sent": prompts_sent,
        "answers": sum(1 for r in records if r.outcome in ANSWERED and r.prompt_id is not None),
        "outcomes": dict(Counter(r.outcome for r in records)),
        "domains": dict(domains.most_common()),
        "top_behaviors": [
            {"id": b, "title": catalog.entries[b].title, "count": n}
            for b, n in behaviors.most_common(3)
        ],
        "shared": [
            {"leader": names[r.person_id], "behavior_id": r.behavior_id, "note": r.note}
            for r in records
            if r.shared and r.note
        ],
        "barriers": [r.barrier for r in records if r.barrier],
        "quiet_leaders": [names[i] for i in ids if i not in active],
    }


def render_digest(body: dict[str, Any]) -> Message:
    fields = (
        ("Taking part", f"{body['taking_part']} of {body['leaders']} leaders"),
        ("Prompts sent", str(body["prompts_sent"])),
        ("Answered", str(body["answers"])),
    )
    items: list[str] = [f"{name}: {count} done" for name, count in body["domains"].items()]
    items += [
        f"Most practiced: {b['id']} {b['title']} ({b['count']})" for b in body["top_behaviors"]
    ]
    items += [f"{s['leader']} on {s['behavior_id']}: {s['note']}" for s in body["shared"]]
    items += [f"Barrier: {barrier}" for barrier in body["barriers"]]
    if body["quiet_leaders"]:
        items.append(f"No answer yet this week: {len(body['quiet_leaders'])} leaders")
    return Message(
        title=f"{body['team']} digest, {body['period_start']} to {body['period_end']}",
        text="What leaders did this week." if items else "No records this week yet.",
        fields=fields,
        items=tuple(items),
    )


def digest_run(command: c.DigestRun, ctx: Context) -> Message:
    team = find_team(ctx, command.team)
    today = ctx.now.astimezone(ZoneInfo(team.timezone)).date()
    start, end = week_of(today)
    body = compute_digest(ctx.session, ctx.catalog, team, start, end)
    preview = render_digest(body)
    if command.action == "preview":
        return preview
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
