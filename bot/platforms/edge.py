"""What the platform edges share: a person's request run through the core, off the event
loop, in one transaction, at the service clock's moment; and what to say when the database
cannot take it."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import exc

from bot.core.messages import Message
from bot.handlers.callers import Known
from bot.handlers.context import Context, Directory, PlatformUser
from bot.handlers.dispatch import answer_known, in_context
from bot.metrics import DATABASE_UNAVAILABLE

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
# What the database raises when it cannot be reached or does not answer in time (a refused
# or dropped connection, a statement or pool timeout): the request's transaction did not
# commit, so nothing of it was kept.
OUTAGE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


class NotSaved(Exception):
    """The database could not take a request: nothing of it was kept. An edge either lets
    the platform retry (an event not yet acknowledged) or tells the person (`not_saved`)."""


def not_saved() -> Message:
    return Message.refusal(
        "I couldn't save that: Follow-Through can't reach its database just now, so nothing "
        "was recorded. Please try again in a minute."
    )


async def run_in_core(
    services: Services,
    *,
    platform: str,
    workspace: str,
    user: PlatformUser,
    directory: Directory,
    work: Callable[[Context], T],
    strangers: bool = True,
) -> T:
    """Run `work` for a person of a platform's workspace (met on first contact; with
    `strangers` False, Stranger for someone not met before, nothing kept) on one of the
    database's threads, in the context of the request (its id on the lines it logs); it
    commits when `work` returns. Raises NotSaved when the database is out."""
    job = functools.partial(
        contextvars.copy_context().run,
        functools.partial(
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
            strangers=strangers,
            callers=services.callers,
        ),
    )
    try:
        return await asyncio.get_running_loop().run_in_executor(services.database_threads, job)
    except OUTAGE as error:
        raise NotSaved from unavailable(error)


def answer_known_caller(
    services: Services, *, platform: str, workspace: str, user_id: str, text: str
) -> Message | None:
    """The answer to `help` or `behaviors` from someone remembered from an earlier request,
    at once and without the database; None when it takes the usual way (`run_in_core`)."""
    caller = services.callers.recall(platform, workspace, user_id)
    if caller is None:
        return None
    return answer_known(text, Known(caller, services.catalog), now=services.clock.now())


def unavailable(error: Exception) -> Exception:
    """Log a database outage once, in a line (what the driver said), and hand it back."""
    DATABASE_UNAVAILABLE.inc()
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    log.error("database unavailable, nothing saved: %s", reason[0] if reason else error)
    return error
