"""Block Kit rendering of neutral messages, modals and the App Home."""

from __future__ import annotations

import json
from typing import Any

from bot.core.messages import Asks, Button, Message, shown_label

ACTION_PREFIX = "ft:"
NOTE_MODAL = "ft:note"
_MAX_TEXT = 2900  # Slack caps a section's text at 3,000 characters


def mrkdwn(text: str) -> str:
    """Escape text for Slack (only &, < and > need it), keeping `code` spans."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text[:_MAX_TEXT]


def fallback_text(message: Message) -> str:
    """The plain text Slack shows in notifications and to screen readers."""
    return (message.title + ": " if message.title else "") + message.text[:_MAX_TEXT]


def render_blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if message.title:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}}
        )
    if message.text:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(message.text)}})
    for start in range(0, len(message.fields), 10):
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{mrkdwn(label)}*\n{mrkdwn(value)}"[:2000]}
                    for label, value in message.fields[start : start + 10]
                ],
            }
        )
    if message.items:
        blocks += _bullets([], message.items)
    for part in message.sections:
        blocks += _bullets([f"*{mrkdwn(part.title)}*"], part.lines)
    if message.buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": "ft-actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "text": {"type": "plain_text", "text": shown_label(button)[:75]},
                        "value": button.value,
                        **({"style": button.style} if button.style != "default" else {}),
                    }
                    for button, action_id in zip(
                        message.buttons, _action_ids(message.buttons), strict=True
                    )
                ],
            }
        )
    return blocks[:50]


def _bullets(lines: list[str], items: tuple[str, ...]) -> list[dict[str, Any]]:
    """Items as bulleted lines after `lines` (a section's title), in as many sections as
    Slack's 3,000 characters a section take."""
    sections = []
    for item in items:
        line = f"• {mrkdwn(item)}"
        if lines and sum(len(x) + 1 for x in lines) + len(line) > _MAX_TEXT:
            sections.append(_section("\n".join(lines)))
            lines = []
        lines.append(line)
    if lines:
        sections.append(_section("\n".join(lines)))
    return sections


# Slack refuses a block whose buttons share an action_id (two Drop buttons on App Home, two
# Follow up buttons): the second and later of one action get `#2`, `#3`, which
# `action_name` takes off again.
_NTH = "#"


def _action_ids(buttons: tuple[Button, ...]) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for button in buttons:
        seen[button.action] = seen.get(button.action, 0) + 1
        nth = seen[button.action]
        ids.append(f"{ACTION_PREFIX}{button.action}" + (f"{_NTH}{nth}" if nth > 1 else ""))
    return ids


def action_name(action_id: str) -> str:
    """Our name for the action behind a Block Kit action_id (`ft:home.drop#2` → home.drop)."""
    return action_id.removeprefix(ACTION_PREFIX).split(_NTH, 1)[0]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def text_modal(action: str, asks: Asks, prompt_id: str, *, channel: str, ts: str) -> dict[str, Any]:
    """The modal that asks for the words a button wants (a note, a barrier, what to share)."""
    return {
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "private_metadata": json.dumps(
            {"action": action, "prompt": prompt_id, "channel": channel, "ts": ts}
        ),
        "title": {"type": "plain_text", "text": asks.title[:24]},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "ft-text",
                "optional": not asks.required,
                "label": {"type": "plain_text", "text": asks.label},
                "hint": {"type": "plain_text", "text": asks.hint},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 2000,
                },
            }
        ],
    }


def home_view(sections: list[Message]) -> dict[str, Any]:
    """The App Home tab: a stack of neutral messages separated by dividers."""
    blocks: list[dict[str, Any]] = []
    for index, section in enumerate(sections):
        if index:
            blocks.append({"type": "divider"})
        blocks += render_blocks(section)
    return {"type": "home", "blocks": blocks[:100]}
