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
    says which words it wants, for every platform to ask for in its own way; `chosen` marks
    the one already taken (the answer a prompt has), shown pressed where a platform can."""

    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"
    asks: Asks | None = None
    chosen: bool = False


def shown_label(button: Button) -> str:
    """A button's label as a chat shows it: the chosen one marked, where a platform has no
    pressed state of its own."""
    return f"✓ {button.label}" if button.chosen else button.label


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
class Section:
    """A headed part of a longer message (a digest's "What got in the way"), its lines a
    list."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Message:
    """A reply: text first, then labelled fields, a list, headed sections, buttons and
    perhaps a file."""

    text: str
    title: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    items: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    ok: bool = True
    sections: tuple[Section, ...] = ()

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
    for section in message.sections:
        lines.append(section.title)
        lines += [f"  • {line}" for line in section.lines]
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
        "sections": [{"title": x.title, "lines": list(x.lines)} for x in message.sections],
        "buttons": [
            {
                "label": b.label,
                "action": b.action,
                "value": b.value,
                "style": b.style,
                "asks": asdict(b.asks) if b.asks else None,
                "chosen": b.chosen,
            }
            for b in message.buttons
        ],
        "attachment": None,
        "ok": message.ok,
    }


def _button(data: dict[str, Any]) -> Button:
    """A stored button; keys this version does not know (a newer one wrote them) are left."""
    known = {key: value for key, value in data.items() if key in Button.__dataclass_fields__}
    return Button(**{**known, "asks": Asks(**data["asks"]) if data.get("asks") else None})


def message_from_dict(data: dict[str, Any]) -> Message:
    return Message(
        text=data["text"],
        title=data.get("title"),
        fields=tuple((label, value) for label, value in data.get("fields", ())),
        items=tuple(data.get("items", ())),
        buttons=tuple(_button(button) for button in data.get("buttons", ())),
        ok=data.get("ok", True),
        sections=tuple(Section(x["title"], tuple(x["lines"])) for x in data.get("sections", ())),
    )
