"""Commitments an admin assigns: to one leader, every leader of a role, or a team's leaders
(an agency-wide rollout of 4.a.vi to every director, say). Each leader is told, by a notice
that goes out once, who assigned it and how to add their own goal; dropping one ends only
what an admin assigned, never what a leader chose."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core import commands as c
from bot.core.messages import Message, message_to_dict
from bot.handlers import leader
from bot.handlers.cadences import effective_cadence, when_prompted
from bot.handlers.context import Context, Refusal
from bot.handlers.people import find_team, resolve
from bot.store.models import Commitment, Notice, Person, Prompt, TeamMembership
from bot.store.prompts import cancel_unsent
from bot.store.retention import plural

# The most names an answer or audit entry lists; the rest are counted.
NAMED = 20


def commit(command: c.Commit, ctx: Context) -> Message:
    """`commit`: a leader's own, or with someone named first, an admin's assignment."""
    if command.assignees is None:
        return leader.commit(command, ctx)
    _require_admin(ctx, "assign commitments", "commit <behavior-id> [goal]")
    return assign(command, command.assignees, ctx)


def drop(command: c.Drop, ctx: Context) -> Message:
    if command.assignees is None:
        return leader.drop(command, ctx)
    _require_admin(ctx, "end others' commitments", "drop <behavior-id>")
    return unassign(command, command.assignees, ctx)


def _require_admin(ctx: Context, what: str, own: str) -> None:
    if not ctx.caller.is_admin:
        raise Refusal(f"Sorry, only Follow-Through admins {what}. For your own, use `{own}`.")


def _leaders(ctx: Context, scope: c.Scope) -> tuple[list[Person], str]:
    """The enrolled leaders `scope` names, and how to speak of them."""
    query = (
        select(Person)
        .where(Person.workspace_id == ctx.workspace.id, Person.is_leader.is_(True))
        .order_by(func.lower(Person.display_name), Person.id)
    )
    if scope.kind == "user":
        assert scope.user is not None
        person = resolve(ctx, scope.user)
        if not person.is_leader:
            raise Refusal(f"{person.name} isn't enrolled as a leader.")
        return [person], person.name
    if scope.kind == "role":
        people = list(ctx.session.scalars(query.where(Person.role == scope.value)))
        if not people:
            raise Refusal(f"No {scope.value}s are enrolled yet.")
        return people, f"every {scope.value}"
    team = find_team(ctx, scope.value)
    members = select(TeamMembership.person_id).where(
        TeamMembership.team_id == team.id, TeamMembership.ended_at.is_(None)
    )
    people = list(ctx.session.scalars(query.where(Person.id.in_(members))))
    if not people:
        raise Refusal(f"Team {team.name} has no enrolled leaders.")
    return people, f"team {team.name}'s leaders"


def _kept(people: list[Person]) -> str:
    """Who chose a commitment themselves, and so keeps it when an admin ends theirs."""
    keep = "keeps" if len(people) == 1 else "keep"
    return f"{_names(people)} chose it themselves and {keep} it"


def _names(people: list[Person]) -> str:
    shown = ", ".join(person.name for person in people[:NAMED])
    more = len(people) - NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def assign(command: c.Commit, scope: c.Scope, ctx: Context) -> Message:
    entry = ctx.catalog.entries[command.behavior_id]
    people, whom = _leaders(ctx, scope)
    ids = [person.id for person in people]
    active: dict[int, list[Commitment]] = {person_id: [] for person_id in ids}
    for commitment in ctx.session.scalars(
        select(Commitment).where(Commitment.person_id.in_(ids), Commitment.ended_at.is_(None))
    ):
        active[commitment.person_id].append(commitment)
    assigned: list[Person] = []
    already: list[Person] = []
    other_role: list[Person] = []
    full: list[Person] = []
    for person in people:
        mine = active[person.id]
        if any(x.behavior_id == entry.id for x in mine):
            already.append(person)
        elif entry.role_item is not None and entry.role_item.role != person.role:
            other_role.append(person)
        elif len(mine) >= leader.MAX_COMMITMENTS:
            full.append(person)
        else:
            commitment = Commitment(
                person_id=person.id,
                behavior_id=entry.id,
                goal=command.goal,
                assigned_by_id=ctx.caller.id,
                started_at=ctx.now,
            )
            ctx.session.add(commitment)
            ctx.session.flush()
            _tell(
                ctx,
                person,
                f"assigned:{commitment.id}",
                _assigned_message(ctx, person, entry.id, command.goal),
            )
            assigned.append(person)
    if not assigned:
        raise Refusal(f"Nothing to assign: {_why_not(entry.id, already, other_role, full)}")
    ctx.audit(
        "commitment.assign",
        str(scope),
        behavior=entry.id,
        goal=command.goal,
        people=[person.name for person in assigned[:NAMED]],
        count=len(assigned),
    )
    text = (
        f"Assigned {entry.id} ({entry.title}) to {plural(len(assigned), 'leader')} of "
        f"{whom}: {_names(assigned)}. Each is told who assigned it and can add their own goal."
    )
    left = _why_not(entry.id, already, other_role, full)
    return Message(text=text + (f" Not assigned: {left}" if left else ""))


def _why_not(
    behavior_id: str, already: list[Person], other_role: list[Person], full: list[Person]
) -> str:
    parts = []
    if already:
        parts.append(f"{_names(already)} already {'has' if len(already) == 1 else 'have'} it")
    if other_role:
        parts.append(f"{behavior_id} is written for another role than {_names(other_role)}'s")
    if full:
        parts.append(
            f"{_names(full)} already {'has' if len(full) == 1 else 'have'} "
            f"{leader.MAX_COMMITMENTS} commitments"
        )
    return "; ".join(parts) + ("." if parts else "")


def _assigned_message(ctx: Context, person: Person, behavior_id: str, goal: str | None) -> Message:
    entry = ctx.catalog.entries[behavior_id]
    spec = effective_cadence(ctx.session, person, behavior_id).spec
    when = when_prompted(ctx.session, person, ctx.workspace, spec, ctx.now)
    fields = [("Goal", goal)] if goal else []
    if entry.behavior.why:
        fields.append(("Why it matters", entry.behavior.why))
    return Message(
        title=f"New commitment: {entry.id} {entry.title}",
        text=f"{ctx.caller.name} asked you to practice {entry.id}. I'll check in {when} "
        f"({person.timezone}). Add your own goal with `commit {entry.id} <your goal>`; see it "
        f"in full with `behavior {entry.id}`.",
        fields=tuple(fields),
    )


def _tell(ctx: Context, person: Person, key: str, message: Message) -> None:
    ctx.session.add(
        Notice(person_id=person.id, key=key, body=message_to_dict(message), created_at=ctx.now)
    )


def unassign(command: c.Drop, scope: c.Scope, ctx: Context) -> Message:
    people, whom = _leaders(ctx, scope)
    by_id = {person.id: person for person in people}
    held = list(
        ctx.session.scalars(
            select(Commitment).where(
                Commitment.person_id.in_(by_id),
                Commitment.behavior_id == command.behavior_id,
                Commitment.ended_at.is_(None),
            )
        )
    )
    assigned = [x for x in held if x.assigned_by_id is not None]
    own = sorted(
        (by_id[x.person_id] for x in held if x.assigned_by_id is None),
        key=lambda p: p.name.casefold(),
    )
    if not assigned:
        mine = f" ({_kept(own)})" if own else ""
        holds = {"user": f"{whom} doesn't hold", "role": f"No {scope.value} holds"}.get(
            scope.kind, f"None of {whom} holds"
        )
        raise Refusal(f"{holds} {command.behavior_id} as an assigned commitment{mine}.")
    ended = sorted((by_id[x.person_id] for x in assigned), key=lambda p: p.name.casefold())
    for commitment in assigned:
        commitment.ended_at = ctx.now
        cancel_unsent(ctx.session, Prompt.commitment_id == commitment.id)
        _tell(
            ctx,
            by_id[commitment.person_id],
            f"unassigned:{commitment.id}",
            Message(
                text=f"{ctx.caller.name} ended your commitment to {command.behavior_id}; no "
                "more prompts for it. Your records for it are kept. To keep practicing it on "
                f"your own, `commit {command.behavior_id}`."
            ),
        )
    ctx.audit(
        "commitment.unassign",
        str(scope),
        behavior=command.behavior_id,
        people=[person.name for person in ended[:NAMED]],
        count=len(ended),
    )
    text = f"Ended {command.behavior_id} for {plural(len(ended), 'leader')}: {_names(ended)}."
    if own:
        text += f" {_kept(own)}."
    return Message(text=text)
