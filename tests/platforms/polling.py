"""Waiting for what the bot does in the background: poll for the condition a test expects
instead of sleeping a fixed time, which on a busy machine can pass without checking anything."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
POLL_EVERY = 0.02  # seconds


async def wait_for(
    condition: Callable[[], T | Awaitable[T]], *, what: str, within: float = 10.0
) -> T:
    """Polls `condition` (plain or async) every 20 ms until it returns something truthy, and
    returns that; fails saying what it waited for once `within` seconds pass. The event loop
    runs in between, so a bot served on the test's own loop keeps working meanwhile."""
    checks = 0
    try:
        async with asyncio.timeout(within):
            while True:
                checks += 1
                found = condition()
                if inspect.isawaitable(found):
                    found = await found
                if found:
                    return found
                await asyncio.sleep(POLL_EVERY)
    except TimeoutError:
        raise AssertionError(f"waited {within:g} s ({checks} checks) for {what}, in vain") from None
