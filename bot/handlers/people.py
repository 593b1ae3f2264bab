"""Finding people: the caller on each message, and the people a command names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.commands import UserRef
from bot.handlers.context import Context, PlatformUser, Refusal
from bot.store.models import Person, Team, TeamMembership, Workspace


class Stranger(Exception):
    """Someone met for the first time where the edge asked not to create them from what it
    knew: it asks its platform who they are, and comes again with that."""


def identify(
    session: Session,
    *,
    workspace: Workspace,
    user: PlatformUser,
    settings: Settings,
    now: datetime,
    strangers: bool = True,
) -> Person:
    """The person behind a message, created on first contact (unless `strangers` is False:
    then Stranger, before anything is written); bootstrap admins get admin rights."""
    person = session.scalar(
        select(Person).filter_by(workspace_id=workspace.id, platform_user_id=user.user_id)
    )
    return welcome(
        session,
        person,
        workspace=workspace,
        user=user,
        settings=settings,
        now=now,
        strangers=strangers,
    )


def welcome(
    session: Session,
    person: Person | None,
    *,
    workspace: Workspace,
    user: PlatformUser,
    settings: Settings,
    now: datetime,
    strangers: bool = True,
) -> Person:
    """`identify` for a caller already looked up (`person`, None if not met yet)."""
    if person is None:
        if not strangers:
            raise Stranger(user.user_id)
        person = _create(session, workspace, user, now)
    elif user.email and not person.email:
        person.email = user.email.lower()
    if not person.is_admin and is_bootstrap_admin(person, settings):
        person.is_admin = True
    session.flush()
    return person


def is_bootstrap_admin(person: Person, settings: Settings) -> bool:
    """Whether FOLLOWTHROUGH_ADMINS names this person (by platform user id or email)."""
    names = {person.platform_user_id.lower(), (person.email or "").lower()}
    return bool(names & settings.bootstrap_admins)


def _create(session: Session, workspace: Workspace, user: PlatformUser, now: datetime) -> Person:
    person = Person(
        workspace_id=workspace.id,
        platform_user_id=user.user_id,
        display_name=user.display_name or (user.email or user.user_id).split("@")[0],
        email=user.email.lower() if user.email else None,
        timezone=user.timezone or "UTC",
        created_at=now,
    )
    session.add(person)
    session.flush()
    return person


def resolve(ctx: Context, ref: UserRef) -> Person:
    """The person a command names, asking the platform's directory when we haven't met them."""
    query = select(Person).filter_by(workspace_id=ctx.workspace.id)
    if ref.kind == "id":
        person = ctx.session.scalar(query.filter_by(platform_user_id=ref.value))
    else:
        person = ctx.session.scalar(query.filter_by(email=ref.value))
    if person is not None:
        return person
    found = ctx.directory.lookup(ref)
    if found is None:
        what = "anyone with the email" if ref.kind == "email" else "the person"
        raise Refusal(f"I can't find {what} {ref} in this workspace.")
    known = ctx.session.scalar(query.filter_by(platform_user_id=found.user_id))
    if known is not None:
        return known
    person = _create(ctx.session, ctx.workspace, found, ctx.now)
    if is_bootstrap_admin(person, ctx.settings):
        person.is_admin = True
    return person


def find_team(ctx: Context, name: str) -> Team:
    teams = ctx.session.scalars(
        select(Team).filter_by(workspace_id=ctx.workspace.id).order_by(Team.name)
    ).all()
    for team in teams:
        if team.name.lower() == name.lower():
            return team
    known = ", ".join(t.name for t in teams) or "none yet"
    raise Refusal(
        f"There is no team called {name}. Teams: {known}. "
        "Create one with `team add <name> <channel>`."
    )


def current_teams(session: Session, person: Person) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(TeamMembership, TeamMembership.team_id == Team.id)
            .where(TeamMembership.person_id == person.id, TeamMembership.ended_at.is_(None))
            .order_by(Team.name)
        )
    )
