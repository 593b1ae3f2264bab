"""Alembic environment: runs migrations on the connection `bot.store.db.migrate` hands over
(holding its lock), or on a connection of the engine handed over."""

from alembic import context
from sqlalchemy import Connection

from bot.store.models import Base

config = context.config


def run_migrations(connection: Connection) -> None:
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


given = config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    with config.attributes["engine"].connect() as connection:
        run_migrations(connection)
