"""A manager's weekly summary of what got in their direct reports' way: the week's barriers
(all but those kept private) grouped by theme, each theme with a "Follow up" button. Worked
out when due and stored as it was, so it says the same whenever it is delivered."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.messages import Button, Message
from bot.reports.barriers import group_barriers, theme_of
from bot.reports.scope import barrier_written
from bot.store.models import Person, Record
from bot.store.retention import plural

FOLLOW_UP = "follow_up"
SUMMARY_VERSION = 1


def compute_summary(
    session: Session, manager: Person, period_start: date, period_end: date
) -> dict[str, Any]:
    """The barriers the manager's direct reports wrote in the week (in the manager's zone),
    by theme, most raised first, as a JSON body; no themes when there were none."""
    zone = ZoneInfo(manager.timezone)
    since = datetime.combine(period_start, time(), tzinfo=zone)
    until = datetime.combine(period_end + timedelta(days=1), time(), tzinfo=zone)
    rows = session.execute(
        select(Record.id, Record.barrier, Record.behavior_id, barrier_written, Person)
        .join(Person, Record.person_id == Person.id)
        .where(
            Person.manager_id == manager.id,
            Person.is_leader.is_(True),
            Record.barrier.is_not(None),
            Record.barrier_private.is_(False),
            barrier_written >= since,
            barrier_written < until,
        )
        .order_by(barrier_written, Record.id)
    ).all()
    order = [group.theme for group in group_barriers((row.barrier, 1) for row in rows)]
    themes: dict[str, list[dict[str, Any]]] = {theme: [] for theme in order}
    for record_id, barrier, behavior_id, written_at, person in rows:
        # As group_barriers reads it: words only (a lone "-" or emoji says nothing).
        if not re.sub(r"[^\w]", "", barrier):
            continue
        themes.setdefault(theme_of(" ".join(barrier.split())), []).append(
            {
                "record_id": record_id,
                "person_id": person.id,
                "person": person.name,
                "behavior_id": behavior_id,
                "barrier": barrier,
                "day": written_at.astimezone(zone).date().isoformat(),
            }
        )
    return {
        "version": SUMMARY_VERSION,
        "themes": [{"theme": theme, "barriers": found} for theme, found in themes.items() if found],
    }


def has_barriers(body: Mapping[str, Any]) -> bool:
    """Whether a stored summary still has a barrier in it (forgetting someone takes theirs)."""
    return any(theme["barriers"] for theme in body.get("themes", []))


def record_ids(body: Mapping[str, Any], theme_index: int) -> list[int]:
    """The records behind one theme of a summary (none for an index it doesn't have)."""
    themes = body.get("themes", [])
    if not 0 <= theme_index < len(themes):
        return []
    return [int(entry["record_id"]) for entry in themes[theme_index]["barriers"]]


def render_summary(summary_id: int, period_start: date, body: Mapping[str, Any]) -> Message:
    """The summary as a message: each theme's barriers in the leaders' words, with who met
    them, and a button per theme to note a follow-up."""
    themes = body.get("themes", [])
    count = sum(len(theme["barriers"]) for theme in themes)
    people = {entry["person_id"] for theme in themes for entry in theme["barriers"]}
    items = []
    for theme in themes:
        if not theme["barriers"]:
            continue
        said = "; ".join(
            f"{entry['person']}: “{entry['barrier']}” ({entry['behavior_id']}, "
            f"{date.fromisoformat(entry['day']):%a})"
            for entry in theme["barriers"]
        )
        items.append(f"{theme['theme']} ({len(theme['barriers'])}): {said}")
    return Message(
        title=f"What got in your people's way, week of {period_start:%d %b}",
        text=f"{plural(count, 'barrier')} from {len(people)} of your reports. "
        "A conversation, a resource or a change of plan can clear them: press Follow up "
        "once you have acted, so it counts as support.",
        items=tuple(items),
        buttons=tuple(
            Button(f"Follow up: {theme['theme']}", FOLLOW_UP, f"{summary_id}.{index}")
            for index, theme in enumerate(themes)
            if theme["barriers"]
        ),
    )
