"""Adaptive Card rendering (schema 1.5) of neutral messages; buttons are Action.Execute with
an Action.Submit fallback, and those that need words open an inline input."""

from __future__ import annotations

from typing import Any

from bot.core.messages import RUN, Button, Message, shown_label

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
VERB = "followthrough"


def render_card(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if message.title:
        body.append(
            {
                "type": "TextBlock",
                "text": message.title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            }
        )
    if message.text:
        body.append({"type": "TextBlock", "text": message.text, "wrap": True})
    if message.fields:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in message.fields],
            }
        )
    if message.items:
        body.append(_list(message.items))
    for part in message.sections:
        body.append(
            {
                "type": "TextBlock",
                "text": part.title,
                "weight": "Bolder",
                "wrap": True,
                "spacing": "Medium",
            }
        )
        body.append(_list(part.lines))
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if message.buttons:
        card["actions"] = [_action(b) for b in message.buttons]
    return card


def _list(items: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "TextBlock", "text": "\n".join(f"- {item}" for item in items), "wrap": True}


def _action(button: Button) -> dict[str, Any]:
    """A button; one that asks for words opens a text box in the card (required or not, as
    the button says)."""
    data = {"ft": button.action, "value": button.value}
    if button.asks is not None:
        return {
            "type": "Action.ShowCard",
            "title": button.label,
            "card": {
                "type": "AdaptiveCard",
                "version": "1.5",
                "body": [
                    {
                        "type": "Input.Text",
                        "id": "text",
                        "isMultiline": True,
                        "maxLength": 2000,
                        "placeholder": button.asks.label,
                        "isRequired": button.asks.required,
                        "errorMessage": "Write a few words.",
                    }
                ],
                "actions": [_execute("Save", data, "positive")],
            },
        }
    action = _execute(
        shown_label(button), data, "positive" if button.style == "primary" else "default"
    )
    if button.action == RUN:
        # Teams shows six actions at most: one that only shows something waits in the "…"
        # menu, so a prompt's six answers stay in view.
        action["mode"] = "secondary"
    return action


def _execute(title: str, data: dict[str, str], style: str) -> dict[str, Any]:
    """Universal Actions (Action.Execute) where Teams has them, Action.Submit elsewhere."""
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": VERB,
        "data": data,
        "style": style,
        "fallback": {"type": "Action.Submit", "title": title, "data": data},
    }


def attachment(message: Message) -> dict[str, Any]:
    return {"contentType": CARD_TYPE, "content": render_card(message)}
