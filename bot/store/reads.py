"""Two independent reads as of one moment, at once where the database can take it: a year's
dashboard is two big reads (the leaders-by-weeks grid, and everything else), and on
PostgreSQL two cores can work on them together.

On PostgreSQL the session exports its snapshot (`pg_export_snapshot`) and each read runs on
a connection of its own in a REPEATABLE READ transaction that imports it (`SET TRANSACTION
SNAPSHOT`): both see exactly the rows the session sees, however many commits land meanwhile.
A snapshot does not carry its exporter's own uncommitted writes, so a session that has
written, or that is bound to a connection rather than to the engine (joined to an outer
transaction, as in tests), reads one read after the other instead. So does SQLite: two
threads each reading a year of rows ran no faster than one (SQLite's allocator takes one
lock for every connection: bench/reports.py)."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.store.db import writes

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
    """`first(session)` and `second(session)`, as of the same moment: on PostgreSQL at
    once, each on a connection of its own sharing the session's snapshot; otherwise one
    after the other on the session."""
    bind = session.get_bind()
    if (
        not isinstance(bind, Engine)
        or bind.dialect.name != "postgresql"
        or writes(session)
        or session.new
        or session.dirty
        or session.deleted
    ):
        return first(session), second(session)
    snapshot = session.execute(select(func.pg_export_snapshot())).scalar_one()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot id from PostgreSQL: {snapshot!r}")
    later = _readers.submit(contextvars.copy_context().run, _on_snapshot, bind, snapshot, second)
    try:
        found = _on_snapshot(bind, snapshot, first)
    except BaseException:
        # The snapshot is only importable while the session's transaction lasts: the other
        # read is let finish before this one's failure ends it.
        wait([later])
        raise
    return found, later.result()


def _on_snapshot(engine: Engine, snapshot: str, read: Callable[[Session], A]) -> A:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            with Session(bind=connection) as session:
                return read(session)
