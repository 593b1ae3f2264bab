"""On SQLite, the service's own threads take turns at the write lock through a lock of the
process's own, so that a transaction waits exactly as long as the one before it lasts, never
in SQLite's busy handler; and every way a transaction ends gives the turn back, once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, exc, text

from bot.store import db
from bot.store.db import create_db_engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'writer.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE tally (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO tally VALUES (0)"))
    return engine


def tally(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT n FROM tally")).scalar_one())


def test_many_threads_writing_at_once_each_get_their_turn(engine: Engine) -> None:
    def add_one(_: int) -> None:
        with engine.begin() as connection:
            n = connection.execute(text("SELECT n FROM tally")).scalar_one()
            connection.execute(text("UPDATE tally SET n = :n"), {"n": n + 1})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add_one, range(200)))

    assert tally(engine) == 200  # read-then-write never lost an update nor hit a lock error


def test_a_rolled_back_or_failed_transaction_gives_the_turn_back(engine: Engine) -> None:
    with pytest.raises(exc.IntegrityError), engine.begin() as connection:
        connection.execute(text("INSERT INTO tally VALUES (NULL)"))
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        connection.rollback()
        connection.execute(text("UPDATE tally SET n = 5"))
        connection.commit()

    assert tally(engine) == 5


@pytest.mark.waits_out_a_timeout
def test_a_turn_not_given_within_the_statement_timeout_is_a_database_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "STATEMENT_TIMEOUT", 0.2)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.begin() as connection:
            connection.execute(text("UPDATE tally SET n = 1"))
            holding.set()
            done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        holding.wait(5)
        with pytest.raises(exc.OperationalError, match="database is locked"), engine.begin():
            pass
    finally:
        done.set()
        holder.join()
    with engine.begin() as connection:  # the holder's turn ended with it
        connection.execute(text("UPDATE tally SET n = 2"))
    assert tally(engine) == 2
