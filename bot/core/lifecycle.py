"""A sent prompt's life: when its one reminder falls due and when it expires. One place for
these rules, so the outbox (which reminds and expires) and free text (which may only answer
a prompt that is still open) never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# With reminders off, an unanswered prompt stays open this long.
EXPIRE_WITHOUT_REMINDER = timedelta(days=3)


def answer_window(reminder_hours: int | None, expiry_hours: int | None = None) -> timedelta:
    """How long a prompt stays open after its reminder (or its snooze re-ask; with reminders
    off, after it was sent): the workspace's expiry if an admin set one, else as long as it
    waited for the reminder, else EXPIRE_WITHOUT_REMINDER."""
    if expiry_hours:
        return timedelta(hours=expiry_hours)
    return timedelta(hours=reminder_hours) if reminder_hours else EXPIRE_WITHOUT_REMINDER


def first_deadline(reminder_hours: int | None, expiry_hours: int | None) -> timedelta:
    """The soonest a sent prompt needs attention (its reminder or its expiry)."""
    after = answer_window(reminder_hours, expiry_hours)
    return min(timedelta(hours=reminder_hours), after) if reminder_hours else after


@dataclass(frozen=True)
class PromptTimes:
    """What a sent prompt's life depends on."""

    sent_at: datetime | None
    reminded_at: datetime | None
    snoozed_until: datetime | None
    reminder_hours: int | None
    expiry_hours: int | None = None

    @property
    def reminder_due(self) -> datetime | None:
        """When the one reminder (or the snooze re-ask) falls due; None once it has been
        given, or when reminders are off."""
        if self.snoozed_until is not None:
            return self.snoozed_until
        if self.reminded_at is not None or not self.reminder_hours or self.sent_at is None:
            return None
        return self.sent_at + timedelta(hours=self.reminder_hours)

    @property
    def expires_at(self) -> datetime | None:
        """When the prompt stops waiting for an answer: a window after its reminder (or its
        snooze re-ask), or, with reminders off, a window after it was sent. A reminder that
        never went out (quiet hours to the end, a pause) does not keep it open longer."""
        window = answer_window(self.reminder_hours, self.expiry_hours)
        if self.snoozed_until is not None:
            return self.snoozed_until + window
        if self.reminded_at is not None:
            return self.reminded_at + window
        if self.sent_at is None:
            return None
        before = timedelta(hours=self.reminder_hours) if self.reminder_hours else timedelta()
        return self.sent_at + before + window

    def is_open(self, now: datetime) -> bool:
        expires = self.expires_at
        return expires is not None and now < expires
