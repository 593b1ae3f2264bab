"""Finding a workspace (a Slack team, a Teams tenant or the local chat) by its platform's
id, for every edge and for the dashboard's local mode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Workspace


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
