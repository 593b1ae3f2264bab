"""Which addresses are this machine's own: what `serve` may bind while a platform that
authenticates no one runs, and the only service URLs unauthenticated Teams will call."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_name(name: str) -> bool:
    """Whether a host name or address names this machine only: localhost, 127.0.0.1 (any
    127.x), ::1. `0.0.0.0` and other names are not: other machines may reach them."""
    name = name.strip().lower().removeprefix("[").removesuffix("]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether an http(s) URL points at this machine (and names no user, which could hide
    another host from a careless reader)."""
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and "@" not in parts.netloc
        and hostname is not None
        and is_loopback_name(hostname)
    )
