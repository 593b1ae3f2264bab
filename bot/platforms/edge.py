"""What the platform edges share: a person's request run through the core, off the event
loop, in one transaction, at the service clock's moment."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from bot.handlers.context import Context, Directory, PlatformUser
from bot.handlers.dispatch import in_context

if TYPE_CHECKING:
    from bot.services import Services

T = TypeVar("T")


async def run_in_core(
    services: Services,
    *,
    platform: str,
    workspace: str,
    user: PlatformUser,
    directory: Directory,
    work: Callable[[Context], T],
) -> T:
    """Run `work` for a person of a platform's workspace (met on first contact) in a worker
    thread; it commits when `work` returns."""
    return await asyncio.to_thread(
        in_context,
        services.sessions,
        settings=services.settings,
        catalog=services.catalog,
        platform=platform,
        workspace=workspace,
        user=user,
        directory=directory,
        work=work,
        now=services.clock.now(),
    )
