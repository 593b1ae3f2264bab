"""Who a Slack user is: users.info and users.lookupByEmail, as the core's directory."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.core.commands import UserRef
from bot.handlers.context import PlatformUser, Refusal

log = logging.getLogger(__name__)
NOT_FOUND = {"users_not_found", "user_not_found"}


def platform_user(user: dict[str, Any]) -> PlatformUser:
    """Name, email and time zone as Slack has them (the leader's own profile wins later)."""
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )
    return PlatformUser(
        user_id=user["id"],
        display_name=name,
        email=(profile.get("email") or "").lower() or None,
        timezone=user.get("tz") or None,
    )


class SlackDirectory:
    """Looks people up for the handlers (which run in a worker thread, so this is sync)."""

    def __init__(self, *, token: str, base_url: str) -> None:
        self.client = WebClient(
            token=token,
            base_url=base_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        )

    def lookup(self, ref: UserRef) -> PlatformUser | None:
        try:
            if ref.kind == "email":
                answer = self.client.users_lookupByEmail(email=ref.value)
            else:
                answer = self.client.users_info(user=ref.value)
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code in NOT_FOUND:
                return None
            log.error(
                "Slack %s failed: %s",
                "users.lookupByEmail" if ref.kind == "email" else "users.info",
                code,
            )
            raise Refusal(f"Slack wouldn't tell me who {ref} is ({code}).") from error
        user = answer["user"]
        if user.get("deleted") or user.get("is_bot"):
            return None
        return platform_user(user)
