"""`followthrough doctor`: check settings, the database, the catalog and each platform's
credentials and scopes, and say plainly what is wrong."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.config import Settings
from bot.core.catalog import CatalogError, load_catalog
from bot.platforms import registry
from bot.platforms.platform import Check
from bot.store.db import alembic_config, create_db_engine


def run_checks(settings: Settings) -> list[Check]:
    return [
        *_database(settings),
        _catalog(settings),
        *(check for platform in registry.PLATFORMS for check in platform.checks(settings)),
        *_production(settings),
    ]


def _database(settings: Settings) -> list[Check]:
    try:
        engine = create_db_engine(settings.database_url)
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        engine.dispose()
    except Exception as error:  # every failure to reach the database is the finding itself
        return [Check(False, "database", f"cannot connect: {error}")]
    if current != head:
        return [
            Check(
                False,
                "database schema",
                f"at {current}, code needs {head}: run `followthrough migrate`",
            )
        ]
    return [Check(True, "database", f"reachable, schema {current}")]


def _catalog(settings: Settings) -> Check:
    try:
        counts = load_catalog(settings.catalog_path).counts()
    except CatalogError as error:
        return Check(False, "catalog", str(error))
    return Check(True, "catalog", f"{counts['behaviors']} behaviors, {counts['items']} items")


def _production(settings: Settings) -> list[Check]:
    problem = settings.secret_problem()
    if not settings.production:
        if problem and settings.secret_given:  # short: a warning, as `serve` logs it
            return [Check(True, "FOLLOWTHROUGH_SECRET", f"fine for development, but {problem}")]
        return []
    return [
        Check(problem is None, "FOLLOWTHROUGH_SECRET", problem or "set"),
        Check(
            bool(settings.public_url),
            "PUBLIC_URL",
            settings.public_url or "missing: links would point at localhost",
        ),
    ]
