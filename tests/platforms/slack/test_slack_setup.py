"""slack-sdk's OAuth tables (installations, bots, OAuth states) are made when a copy of the
service starts in OAuth mode: copies starting together make them once, without failing."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from bot.config import Settings
from bot.platforms.slack.setup import slack_setup
from bot.store.db import create_db_engine

OAUTH = {"slack_client_id": "111.222", "slack_client_secret": "s", "slack_signing_secret": "x"}


async def test_copies_starting_together_make_the_oauth_tables_once(fresh_url: str) -> None:
    setups = [slack_setup(Settings(database_url=fresh_url, **OAUTH)) for _ in range(6)]
    try:
        if fresh_url.startswith("postgresql"):
            await asyncio.gather(*(setup.prepare() for setup in setups))
        else:  # one process owns a SQLite file: its starts follow one another
            for setup in setups:
                await setup.prepare()
    finally:
        for setup in setups:
            assert setup.installation_store is not None
            await setup.installation_store.engine.dispose()
    engine = create_db_engine(fresh_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables
