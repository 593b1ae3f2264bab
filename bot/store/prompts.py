"""Changes to prompts that more than one use case makes."""

from __future__ import annotations

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from bot.core.states import PromptStatus
from bot.store.models import Prompt

UNSENT = (PromptStatus.PENDING, PromptStatus.SNOOZED)


def cancel_unsent(session: Session, which: ColumnElement[bool]) -> None:
    """Cancel the prompts `which` selects that are still waiting to go out (a commitment
    dropped, a leader removed); those already sent keep their answers."""
    session.execute(
        update(Prompt)
        .where(which, Prompt.status.in_(UNSENT))
        .values(status=PromptStatus.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
