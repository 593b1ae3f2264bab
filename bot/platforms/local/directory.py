"""The local chat's directory: anyone named by email or id exists; there is no outside roster."""

from __future__ import annotations

from bot.core.commands import UserRef
from bot.handlers.context import PlatformUser

LOCAL_PLATFORM = "local"
LOCAL_WORKSPACE = "local"


def local_user(name: str) -> PlatformUser:
    """A local person from an id or an email; an email is their id too."""
    name = name.strip()
    if "@" in name:
        return PlatformUser(user_id=name.lower(), email=name.lower())
    return PlatformUser(user_id=name)


class LocalDirectory:
    def lookup(self, ref: UserRef) -> PlatformUser | None:
        return local_user(ref.value)
