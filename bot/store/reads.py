"""Two independent reads as of one moment, at once: a year's dashboard is two big reads (the
leaders-by-weeks grid, and everything else), and two cores can work on them together.

The two see the database as of one moment, however many commits are trying to land
meanwhile:
- PostgreSQL: the session exports its snapshot (`pg_export_snapshot`) and each read imports
  it (`SET TRANSACTION SNAPSHOT`) in a REPEATABLE READ transaction.
- SQLite: the session's transaction holds the write lock (every transaction here begins
  IMMEDIATE, bot/store/db.py), so nothing can commit until it ends; one read runs on the
  session, the other on a deferred transaction beside it (`BESIDE_WRITER`), and both read
  the database as last committed.
A snapshot does not carry the session's own uncommitted writes, so a session that has
written (through the ORM or `execute_write`), that is inside a savepoint (PostgreSQL exports
no snapshot from one), or that is bound to a connection rather than to the engine (joined to
an outer transaction, as in tests), or an in-memory SQLite database (one connection), reads
one read after the other on the session instead; so does a pair that finds PAIRS pairs
reading already."""

from __future__ import annotations

import contextvars
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.store.db import BESIDE_WRITER, writes

A = TypeVar("A")
B = TypeVar("B")

# What pg_export_snapshot returns ("00000003-0000001B-1"); SET TRANSACTION SNAPSHOT takes no
# bound parameter, so the id is written into the statement only in this shape.
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")
# Pairs read at once in this process at most: each takes one or two connections beyond its
# session's from the pool's overflow; a pair that finds them all in use reads in turn rather
# than wait for a connection while holding one.
PAIRS = 2
_pairs = threading.BoundedSemaphore(PAIRS)
# The threads the second read of a pair runs on; a dashboard request waits on one of them.
_readers = ThreadPoolExecutor(max_workers=PAIRS, thread_name_prefix="read")


def both(
    session: Session, first: Callable[[Session], A], second: Callable[[Session], B]
) -> tuple[A, B]:
    """`first(session)` and `second(session)`, as of one moment: at once, on connections
    that see what the session's transaction sees now, where that can be had; otherwise one
    after the other on the session."""
    bind = session.get_bind()
    if (
        not isinstance(bind, Engine)
        or (bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"))
        or session.in_nested_transaction()
        or writes(session)
        or session.new
        or session.dirty
        or session.deleted
        or not _pairs.acquire(blocking=False)
    ):
        return first(session), second(session)
    try:
        return _at_once(session, bind, first, second)
    finally:
        _pairs.release()


def _at_once(
    session: Session, engine: Engine, first: Callable[[Session], A], second: Callable[[Session], B]
) -> tuple[A, B]:
    if engine.dialect.name == "postgresql":
        snapshot = session.execute(select(func.pg_export_snapshot())).scalar_one()
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"unexpected snapshot id from PostgreSQL: {snapshot!r}")
        later = _readers.submit(contextvars.copy_context().run, _read, engine, snapshot, second)
        return _then(later, lambda: _read(engine, snapshot, first))
    # SQLite: the session's transaction, once begun, holds the write lock; the session reads
    # one half itself (it sees what the other does) and a connection beside it the other.
    session.connection()
    later = _readers.submit(contextvars.copy_context().run, _read, engine, None, second)
    return _then(later, lambda: first(session))


def _then(later: Future[B], read: Callable[[], A]) -> tuple[A, B]:
    """`read()` here while `later` is read on another thread, then both."""
    try:
        found = read()
    except BaseException:
        # What the other read sees lasts as long as the session's transaction: it is let
        # finish before this one's failure ends it.
        wait([later])
        raise
    return found, later.result()


def _read(engine: Engine, snapshot: str | None, read: Callable[[Session], A]) -> A:
    """`read` on a connection of its own: in PostgreSQL's `snapshot`, or beside SQLite's
    writer."""
    with engine.connect() as connection:
        if snapshot is None:
            connection.execution_options(**{BESIDE_WRITER: True})
        else:
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if snapshot is not None:
                connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            with Session(bind=connection) as session:
                return read(session)
