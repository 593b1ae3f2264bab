"""Alembic environment: runs migrations on the connection `bot.store.db.migrate` hands over
(holding its lock), or on a connection of the engine handed over."""

from alembic import context
from sqlalchemy import Connection

from bot.store.models import Base

config = context.config


def run_migrations(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        _migrate(connection)
        return
    # SQLite alters a table by building a new one and dropping the old (batch mode), and
    # dropping a table runs the ON DELETE actions of every row pointing at it: cascades would
    # delete a person's records, SET NULL would unlink records from their prompts. SQLite's
    # own procedure: foreign keys off (a pragma that works only outside a transaction), then
    # checked before the migration commits.
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _migrate(connection: Connection) -> None:
    with connection.begin():
        if connection.dialect.name == "postgresql":
            # The service's statement_timeout (bot.store.db) is for requests; a migration may
            # rewrite a big table and must not be cut off halfway.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")


given = config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    with config.attributes["engine"].connect() as connection:
        run_migrations(connection)
