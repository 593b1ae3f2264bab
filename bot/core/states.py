"""Where a prompt and a team digest stand in their lives: the one list of each, kept in the
database as their values (and checked there)."""

from __future__ import annotations

from enum import StrEnum


class PromptStatus(StrEnum):
    PENDING = "pending"  # planned, waiting for its moment
    SENDING = "sending"  # claimed by a pass; the send's outcome not yet marked
    SENT = "sent"  # delivered, waiting for an answer
    SNOOZED = "snoozed"  # the leader asked to be asked again later
    ANSWERED = "answered"
    EXPIRED = "expired"  # no answer in time (a button still records a late one)
    MISSED = "missed"  # due while the service was down for longer than the grace window
    SKIPPED = "skipped"  # due during the leader's pause
    FAILED = "failed"  # the platform refused it for good, or too many attempts
    CANCELLED = "cancelled"  # its commitment was dropped or its leader removed


class DigestStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    MISSED = "missed"


def check(column: str, states: type[StrEnum]) -> str:
    """The CHECK constraint's condition that keeps `column` to these states."""
    return f"{column} IN ({', '.join(repr(str(s)) for s in states)})"
