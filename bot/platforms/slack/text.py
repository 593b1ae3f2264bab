"""Slack's message text as the core reads it: user and channel mentions become neutral
mentions, mailto and web links their address, special mentions plain words, and Slack's
escapes of &, < and > the characters people typed."""

from __future__ import annotations

import re

from bot.core import mentions

# Slack's control sequences: <@U…|label>, <#C…|label>, <!here>, <mailto:…|…>, <https://…|…>.
_SEQUENCE = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_ESCAPE = re.compile(r"&(amp|lt|gt);")


def from_slack(text: str) -> str:
    """What a person typed in Slack, for the core (mentions neutral, nothing Slack-shaped)."""
    return _ESCAPE.sub(_unescaped, _SEQUENCE.sub(_translated, text))


def _translated(match: re.Match[str]) -> str:
    sigil, target, label = match.group(1), match.group(2), match.group(3) or ""
    if sigil == "@":
        return mentions.person(target, _ESCAPE.sub(_unescaped, label))
    if sigil == "#":
        return mentions.channel(target, _ESCAPE.sub(_unescaped, label))
    if sigil == "!":
        return label or "@" + target.split("^")[0]
    return target.removeprefix("mailto:")


def _unescaped(match: re.Match[str]) -> str:
    return {"amp": "&", "lt": "<", "gt": ">"}[match.group(1)]
