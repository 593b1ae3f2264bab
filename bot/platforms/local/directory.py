"""The local chat's directory: anyone named by email or id exists; there is no outside roster."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import mentions
from bot.core.commands import UserRef
from bot.handlers.context import PlatformUser
from bot.store.models import Workspace
from bot.store.workspaces import get_workspace

LOCAL_PLATFORM = "local"
LOCAL_WORKSPACE = "local"
LOCAL_WORKSPACE_NAME = "Local chat"
_MENTION = re.compile(r"<([@#])([^<>|\s]+)(?:\|([^<>]*))?>")


def from_local(text: str) -> str:
    """What someone typed in the local chat or the terminal, for the core: a person is named
    by email or mentioned as `<@id>` (`<@id|name>`), a channel as `#name` or `<#id|name>`;
    mentions become neutral ones."""

    def neutral(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3) or ""
        return (mentions.person if sigil == "@" else mentions.channel)(target, label)

    return _MENTION.sub(neutral, text)


def local_user(name: str) -> PlatformUser:
    """A local person from an id or an email; an email is their id too."""
    name = name.strip()
    if "@" in name:
        return PlatformUser(user_id=name.lower(), email=name.lower())
    return PlatformUser(user_id=name)


class LocalDirectory:
    def lookup(self, ref: UserRef) -> PlatformUser | None:
        return local_user(ref.value)


def local_workspace(session: Session, now: datetime) -> Workspace:
    """The local chat's one workspace, made on first sight."""
    return get_workspace(
        session,
        platform=LOCAL_PLATFORM,
        external_id=LOCAL_WORKSPACE,
        name=LOCAL_WORKSPACE_NAME,
        now=now,
    )
