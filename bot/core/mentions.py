"""Neutral mentions. Each platform's edge writes a person or a channel named in a message as
one of these tokens before the core sees the text, so the grammar reads one form whatever
the platform: `@[Sam Supervisor](U123)` for a person, `#[implementation](C123)` for a
channel (the label may be empty). Emails and `#names` are plain text on every platform."""

from __future__ import annotations

import re

PERSON = re.compile(r"@\[([^\]\n]*)\]\(([^()\s]+)\)")
CHANNEL = re.compile(r"#\[([^\]\n]*)\]\(([^()\s]+)\)")
TOKEN = r"[@#]\[[^\]\n]*\]\([^()\s]+\)"


def person(user_id: str, label: str = "") -> str:
    """The token for a person, by platform user id and the name the message showed."""
    return f"@[{_label(label)}]({user_id})"


def channel(channel_id: str, label: str = "") -> str:
    """The token for a channel, by platform channel id and the name the message showed."""
    return f"#[{_label(label)}]({channel_id})"


def readable(text: str) -> str:
    """The text as a person would read it (`@Sam Supervisor`, `#implementation`): for notes
    and goals, which are kept and shown, not parsed."""
    text = PERSON.sub(lambda m: "@" + (m.group(1) or m.group(2)), text)
    return CHANNEL.sub(lambda m: "#" + (m.group(1) or m.group(2)), text)


def _label(label: str) -> str:
    """A label cannot close its token early or span lines."""
    return " ".join(label.replace("]", ")").split())
