"""Callers remembered between requests: fresh for at most the TTL, forgotten with their whole
workspace when something there is written, and never kept from a request that overlapped a
write."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import SetClock
from bot.handlers.callers import TTL, KnownCallers, Remembered
from tests.conftest import NOW

SAM = Remembered(name="Sam", is_admin=False, is_leader=True, timezone="America/Chicago")


def remembered(callers: KnownCallers, workspace: str = "T1", user: str = "U1") -> None:
    callers.remember("slack", workspace, user, SAM, callers.generation("slack", workspace))


def test_a_caller_is_recalled_until_the_ttl_has_passed() -> None:
    clock = SetClock(NOW)
    callers = KnownCallers(clock)
    remembered(callers)

    clock.set(NOW + TTL - timedelta(seconds=1))
    assert callers.recall("slack", "T1", "U1") == SAM
    clock.set(NOW + TTL + timedelta(seconds=1))
    assert callers.recall("slack", "T1", "U1") is None


def test_a_write_forgets_the_whole_workspace_and_no_other() -> None:
    callers = KnownCallers(SetClock(NOW))
    remembered(callers, user="U1")
    remembered(callers, user="U2")
    remembered(callers, workspace="T2", user="U1")

    callers.forget("slack", "T1")

    assert callers.recall("slack", "T1", "U1") is None
    assert callers.recall("slack", "T1", "U2") is None
    assert callers.recall("slack", "T2", "U1") == SAM
    assert callers.recall("teams", "T2", "U1") is None  # platforms apart


def test_a_snapshot_from_a_request_that_overlapped_a_write_is_not_kept() -> None:
    callers = KnownCallers(SetClock(NOW))
    before = callers.generation("slack", "T1")  # a read starts
    callers.forget("slack", "T1")  # a write ends meanwhile

    callers.remember("slack", "T1", "U1", SAM, before)

    assert callers.recall("slack", "T1", "U1") is None
    remembered(callers)  # the next request, begun after the write
    assert callers.recall("slack", "T1", "U1") == SAM


def test_the_least_recent_go_when_full() -> None:
    callers = KnownCallers(SetClock(NOW), size=2)
    for user in ("U1", "U2", "U3"):
        remembered(callers, user=user)

    assert [callers.recall("slack", "T1", user) for user in ("U1", "U2", "U3")] == [
        None,
        SAM,
        SAM,
    ]
