"""Signs a request body the way Slack signs what it sends to a Request URL."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Signature and X-Slack-Request-Timestamp headers for `body` (now by default)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    basestring = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": str(timestamp)}


def signed_headers(body: str, content_type: str, secret: str) -> dict[str, str]:
    """Everything a test POST to /slack/events needs: the signature and the content type."""
    return {"Content-Type": content_type, **sign(body, secret)}
