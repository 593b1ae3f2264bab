"""What a prompt says and offers: its phrasing in turn, its buttons and the words each asks
for, and the neutral message a leader gets (first sent or as a reminder). Pure: the planner,
the outbox and the reply handlers all build prompts from here."""

from __future__ import annotations

import re
from typing import Protocol

from bot.core.catalog import Catalog
from bot.core.messages import Asks, Button, Message, run_button


def next_phrasing(count: int, last: int | None) -> int:
    """Rotate through the phrasings so that none is used twice in a row."""
    return 0 if last is None else (last + 1) % count


# The words each prompt button asks for; a platform brings back only the action's name, so
# it finds them here (`asks_for`).
ASKS = {
    "note": Asks(
        "Add a note", "Your note", "What did you do? A sentence is plenty.", required=True
    ),
    "answer.not_this_week": Asks(
        "Not this week",
        "What got in the way? (optional)",
        "Court, coverage, a crisis… Your manager sees it in their weekly summary, so they can "
        "help clear it. To keep it to yourself, start with private:",
    ),
    "share": Asks(
        "Share with the team",
        "What would you like the implementation team to see? (optional)",
        "It goes in this week's digest, with your name.",
    ),
}


# "private: …", "(private) …" or "… (private)": a barrier its leader keeps to themselves.
_PRIVATE = re.compile(
    r"^\s*(?:private\s*:|private\s+[-\u2013\u2014]\s|\(private\))\s*|\s*\(private\)\s*$",
    re.IGNORECASE,
)


def read_barrier(text: str) -> tuple[str, bool]:
    """What got in the way, and whether its leader marked it private (the word is dropped)."""
    kept = _PRIVATE.sub("", text, count=1)
    return kept.strip(), kept != text


def asks_for(action: str) -> Asks | None:
    return ASKS.get(action)


def prompt_buttons(prompt_id: int) -> tuple[Button, ...]:
    value = str(prompt_id)

    def button(label: str, action: str) -> Button:
        return Button(label, action, value, asks=asks_for(action))

    return (
        Button("Done", "answer.done", value, "primary"),
        button("Partly", "answer.partly"),
        button("Not this week", "answer.not_this_week"),
        button("Snooze", "snooze"),
        button("Add a note", "note"),
        button("Share with implementation team", "share"),
    )


class PromptView(Protocol):
    """What a prompt message needs of a prompt (an ORM row or a selected row)."""

    id: int
    behavior_id: str
    text: str


def prompt_message(
    prompt: PromptView,
    name: str,
    catalog: Catalog,
    *,
    goal: str | None = None,
    reminder: bool = False,
) -> Message:
    """The prompt as the leader sees it: their name, the ask, their goal and why it matters."""
    entry = catalog.find(prompt.behavior_id)
    title = f"{entry.title} ({prompt.behavior_id})" if entry else prompt.behavior_id
    fields: list[tuple[str, str]] = [("Your goal", goal)] if goal else []
    if entry is not None and entry.behavior.why:
        fields.append(("Why it matters", entry.behavior.why))
    opener = "A gentle reminder" if reminder else f"Hi {name}"
    return Message(
        title=title,
        text=f"{opener}: {prompt.text}",
        fields=tuple(fields),
        buttons=prompt_buttons(prompt.id)
        + ((run_button(f"About {entry.id}", f"behavior {entry.id}"),) if entry else ()),
    )
