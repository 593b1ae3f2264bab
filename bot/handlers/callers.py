"""Who has asked lately, remembered for a short while: enough to answer a command that needs
only the catalog and who is asking (`help`, `behaviors`) without a database round trip, which
was most of such a command's cost.

A remembered caller words those answers and does nothing else: whatever changes or records
anything, and every admin check guarding it, reads the person from the database in its own
transaction. So a snapshot may be a little out of date without harm, and is allowed to be, for
at most TTL: a change made by another copy of the service or on the terminal shows here within
that. A request of this copy that changed a person forgets its whole workspace at once, and a
snapshot taken while such a request was under way is not kept."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from cachetools import TTLCache

from bot.core.catalog import Catalog
from bot.core.clock import Clock
from bot.handlers.context import Asker

TTL = timedelta(seconds=30)
SIZE = 20_000  # callers remembered at most (a few hundred bytes each), the least recent go

Key = tuple[str, str]  # platform, workspace's platform id


@dataclass(frozen=True)
class Remembered:
    """A caller as they were at the end of their last request."""

    name: str
    is_admin: bool
    is_leader: bool
    timezone: str

    @classmethod
    def of(cls, person: Asker) -> Remembered:
        return cls(person.name, person.is_admin, person.is_leader, person.timezone)


@dataclass(frozen=True)
class Known:
    """What an answer from the catalog reads: who asks, and the catalog."""

    caller: Remembered
    catalog: Catalog


class KnownCallers:
    """Snapshots of callers by platform, workspace and platform user id. Requests run on
    worker threads, so every use takes a lock (held for a dictionary operation)."""

    def __init__(self, clock: Clock, *, ttl: timedelta = TTL, size: int = SIZE) -> None:
        self._lock = threading.Lock()
        self._snapshots: TTLCache[tuple[str, str, str], tuple[int, Remembered]] = TTLCache(
            size, ttl.total_seconds(), timer=lambda: clock.now().timestamp()
        )
        self._generations: dict[Key, int] = {}

    def generation(self, platform: str, workspace: str) -> int:
        """Taken before a request starts, handed back to `remember` after it."""
        with self._lock:
            return self._generations.get((platform, workspace), 0)

    def remember(
        self, platform: str, workspace: str, user_id: str, caller: Remembered, generation: int
    ) -> None:
        """Keep `caller` unless their workspace was written to since `generation`."""
        with self._lock:
            if self._generations.get((platform, workspace), 0) == generation:
                self._snapshots[(platform, workspace, user_id)] = (generation, caller)

    def forget(self, platform: str, workspace: str) -> None:
        """Every snapshot of the workspace is out of date (something there was written)."""
        with self._lock:
            key = (platform, workspace)
            self._generations[key] = self._generations.get(key, 0) + 1

    def recall(self, platform: str, workspace: str, user_id: str) -> Remembered | None:
        """The caller's snapshot, if it is fresh and nothing was written since it was taken."""
        with self._lock:
            found = self._snapshots.get((platform, workspace, user_id))
            if found is None or found[0] != self._generations.get((platform, workspace), 0):
                return None
            return found[1]
