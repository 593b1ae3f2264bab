"""Where Teams conversations live: the references the bot keeps to reach people, channels and
each tenant again (service URL, tenant, conversation, user)."""

from __future__ import annotations

from datetime import datetime

from botbuilder.schema import Activity, ConversationReference
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import ConversationRef

PLATFORM = "teams"


def tenant_of(activity: Activity) -> str:
    conversation = activity.conversation
    tenant = getattr(conversation, "tenant_id", None) if conversation else None
    data = activity.channel_data or {}
    return str(tenant or (data.get("tenant") or {}).get("id") or "no-tenant")


def remember(
    session: Session,
    workspace_id: int,
    kind: str,
    key: str,
    reference: ConversationReference,
    *,
    person_id: int | None = None,
    now: datetime,
) -> None:
    """Keep the latest way to reach a person (kind "dm"), a channel, or the tenant."""
    row = session.scalar(
        select(ConversationRef).filter_by(workspace_id=workspace_id, kind=kind, key=key)
    )
    if row is None:
        row = ConversationRef(
            workspace_id=workspace_id, kind=kind, key=key, reference={}, updated_at=now
        )
        session.add(row)
    row.reference = reference.serialize()
    row.updated_at = now
    row.person_id = person_id if person_id is not None else row.person_id
