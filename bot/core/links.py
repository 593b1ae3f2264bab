"""Signed dashboard tokens: the link the `dashboard` command hands out and the session cookie
it is exchanged for, both naming one person of one workspace and when they were signed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

LINK_SALT = "dashboard"
SESSION_SALT = "dashboard-session"


class BadToken(Exception):
    """A token that was altered, cut short, or signed with another key."""


class _SignedAt(TimestampSigner):
    """A signer that stamps the moment it is given (the service's clock), not the wall's."""

    def __init__(self, *args: Any, at: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at = at

    def get_timestamp(self) -> int:
        return int(self.at.timestamp())


def sign(secret: str, salt: str, *, person_id: int, workspace_id: int, now: datetime) -> str:
    serializer = URLSafeTimedSerializer(
        secret, salt=salt, signer=_SignedAt, signer_kwargs={"at": now}
    )
    return serializer.dumps({"person": person_id, "workspace": workspace_id})


def read(secret: str, salt: str, token: str) -> tuple[int, int, datetime]:
    """(person, workspace, signed at) from a token; BadToken unless it is intact."""
    try:
        claims, signed_at = URLSafeTimedSerializer(secret, salt=salt).loads(
            token, return_timestamp=True
        )
    except BadSignature:
        raise BadToken from None
    if isinstance(claims, dict):
        person, workspace = claims.get("person"), claims.get("workspace")
        if type(person) is int and type(workspace) is int:
            return person, workspace, signed_at
    raise BadToken
