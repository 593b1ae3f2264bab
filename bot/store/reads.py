"""Two independent reads as of one moment, at once: a year's dashboard is two big reads (the
leaders-by-weeks grid, and everything else), and two cores can work on them together.

Each read runs on a connection of its own that sees exactly what the session sees, however
many commits are trying to land meanwhile:
- PostgreSQL: the session exports its snapshot (`pg_export_snapshot`) and each read imports
  it (`SET TRANSACTION SNAPSHOT`) in a REPEATABLE READ transaction.
- SQLite: the session's transaction holds the write lock (every transaction here begins
  IMMEDIATE, bot/store/db.py), so nothing can commit until it ends; each read begins a
  deferred transaction beside it (`BESIDE_WRITER`) and reads the database as last committed.
A snapshot does not carry the session's own uncommitted writes, so a session that has
written, or that is bound to a connection rather than to the engine (joined to an outer
transaction, as in tests), or an in-memory SQLite database (one connection), reads one read
after the other on the session instead."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.store.db import BESIDE_WRITER, writes

A = TypeVar("A")
B = TypeVar("B")

# What pg_export_snapshot returns ("00000003-0000001B-1"); SET TRANSACTION SNAPSHOT takes no
# bound parameter, so the id is written into the statement only in this shape.
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")
# The threads the second read of a pair runs on; a dashboard request waits on one of them.
_readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="read")


def both(
    session: Session, first: Callable[[Session], A], second: Callable[[Session], B]
) -> tuple[A, B]:
    """`first(session)` and `second(session)`, as of the same moment: at once, each on a
    connection of its own that sees what the session sees, where that can be had; otherwise
    one after the other on the session."""
    bind = session.get_bind()
    if (
        not isinstance(bind, Engine)
        or bind.url.database in (None, "", ":memory:")
        or writes(session)
        or session.new
        or session.dirty
        or session.deleted
    ):
        return first(session), second(session)
    snapshot = None
    if bind.dialect.name == "postgresql":
        snapshot = session.execute(select(func.pg_export_snapshot())).scalar_one()
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"unexpected snapshot id from PostgreSQL: {snapshot!r}")
    else:
        session.connection()  # its transaction begun: the write lock is held
    later = _readers.submit(contextvars.copy_context().run, _read, bind, snapshot, second)
    try:
        found = _read(bind, snapshot, first)
    except BaseException:
        # What the reads see lasts as long as the session's transaction: the other read is
        # let finish before this one's failure ends it.
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
