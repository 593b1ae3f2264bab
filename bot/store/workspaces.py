"""Finding a workspace (a Slack team, a Teams tenant or the local chat) by its platform's
id, for every edge and for the dashboard's local mode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from bot.store.models import Person, Workspace


def get_workspace(
    session: Session, *, platform: str, external_id: str, name: str = "", now: datetime
) -> Workspace:
    """The workspace for a Slack team, a Teams tenant or the local chat, created on first sight
    (at `now`, the moment of the message that brought it)."""
    workspace = session.scalar(
        select(Workspace).filter_by(platform=platform, external_id=external_id)
    )
    if workspace is None:
        workspace = Workspace(
            platform=platform, external_id=external_id, name=name or external_id, created_at=now
        )
        session.add(workspace)
        session.flush()
    return workspace


# Every request starts with this statement: built once, since building it anew (and its
# cache key, which SQLAlchemy keeps with a statement) cost more than running it.
_WORKSPACE_AND_PERSON = (
    select(Workspace, Person)
    .outerjoin(
        Person,
        and_(
            Person.workspace_id == Workspace.id,
            Person.platform_user_id == bindparam("user_id"),
        ),
    )
    .where(
        Workspace.platform == bindparam("platform"),
        Workspace.external_id == bindparam("external_id"),
    )
)


def workspace_and_person(
    session: Session, *, platform: str, external_id: str, user_id: str
) -> tuple[Workspace | None, Person | None]:
    """A platform workspace and the person in it with this platform user id, in one query
    (each request starts here); None for either that has not been met yet."""
    found = session.execute(
        _WORKSPACE_AND_PERSON,
        {"platform": platform, "external_id": external_id, "user_id": user_id},
    ).first()
    return (found[0], found[1]) if found is not None else (None, None)
