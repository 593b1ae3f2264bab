"""Neutral replies: what the bot says, which every platform renders in its own way."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Asks:
    """The words a button asks for (a note, what got in the way, what to share). Required
    words are asked before the button acts; optional ones once it has (one tap still counts)."""

    title: str
    label: str
    hint: str = ""
    required: bool = False


@dataclass(frozen=True)
class Button:
    """An action the reader can take; `action` names it, `value` carries its target, `asks`
    says which words it wants, for every platform to ask for in its own way."""

    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"
    asks: Asks | None = None


# A button that runs, as its presser, a command that only reads: a behavior's full page, a
# domain's behaviors (`Button("About 6.a", RUN, "behavior 6.a")`).
RUN = "run"


def run_button(label: str, command: str) -> Button:
    return Button(label, RUN, command)


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply (an export)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Message:
    """A reply: text first, then labelled fields, a list, buttons and perhaps a file."""

    text: str
    title: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    items: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    ok: bool = True

    @classmethod
    def refusal(cls, text: str) -> Message:
        return cls(text=text, ok=False)


def render_text(message: Message) -> str:
    """Plain text, for the terminal and for tests."""
    lines: list[str] = []
    if message.title:
        lines.append(message.title)
    if message.text:
        lines.append(message.text)
    lines += [f"{label}: {value}" for label, value in message.fields]
    lines += [f"  • {item}" for item in message.items]
    if message.buttons:
        lines.append(" ".join(f"[{button.label}]" for button in message.buttons))
    if message.attachment:
        lines.append(f"(file: {message.attachment.filename})")
    return "\n".join(lines)


def message_to_dict(message: Message) -> dict[str, Any]:
    """A JSON-ready form of a message (files are left out: they are not stored)."""
    return {
        "text": message.text,
        "title": message.title,
        "fields": [list(field) for field in message.fields],
        "items": list(message.items),
        "buttons": [
            {
                "label": b.label,
                "action": b.action,
                "value": b.value,
                "style": b.style,
                "asks": asdict(b.asks) if b.asks else None,
            }
            for b in message.buttons
        ],
        "attachment": None,
        "ok": message.ok,
    }


def message_from_dict(data: dict[str, Any]) -> Message:
    return Message(
        text=data["text"],
        title=data.get("title"),
        fields=tuple((label, value) for label, value in data.get("fields", ())),
        items=tuple(data.get("items", ())),
        buttons=tuple(
            Button(**{**button, "asks": Asks(**button["asks"]) if button.get("asks") else None})
            for button in data.get("buttons", ())
        ),
        ok=data.get("ok", True),
    )
