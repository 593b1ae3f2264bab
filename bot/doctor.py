"""`followthrough doctor`: check settings, the database and its schema, the clock, the
catalog and each platform's credentials and scopes, and say plainly what is wrong and what to
do about it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.config import Settings
from bot.core.catalog import CatalogError, load_catalog
from bot.core.clock import Clock, SystemClock
from bot.platforms import registry
from bot.platforms.platform import Check
from bot.store.db import alembic_config, create_db_engine, normalize_url, schema_revision

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# How far this machine's clock may stand from the database's before prompts and claims
# (stamped here, compared there) would land at the wrong moment.
CLOCK_TOLERANCE = 5.0  # seconds
CREATE_IT = "`followthrough serve` creates it on start, or run `followthrough migrate`"


def run_checks(settings: Settings, *, clock: Clock | None = None) -> list[Check]:
    return [
        *_database(settings, clock or SystemClock()),
        _catalog(settings),
        *(check for platform in registry.PLATFORMS for check in platform.checks(settings)),
        *_secret(settings),
        *_production(settings),
    ]


def _database(settings: Settings, clock: Clock) -> list[Check]:
    try:
        url = make_url(normalize_url(settings.database_url))
        create_db_engine(settings.database_url).dispose()  # the driver is there: no connection yet
    except (ArgumentError, ImportError) as error:  # NoSuchModuleError is an ArgumentError
        return [
            Check(
                False,
                "database",
                f"DATABASE_URL can't be used: {error}. It takes sqlite:///FILE or "
                "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE.",
            )
        ]
    shown = url.render_as_string(hide_password=True)
    if _missing_sqlite_file(url.get_backend_name(), url.database):
        return [Check(False, "database", f"no database file at {url.database} yet: {CREATE_IT}")]
    try:
        engine = create_db_engine(settings.database_url)
        try:
            with engine.connect() as connection:
                current = schema_revision(connection)
                clock_check = _clock(connection, clock)
            # Alembic loads here, not where the module is imported: `serve` imports this
            # module too, and Alembic was a tenth of its start.
            from alembic.script import ScriptDirectory

            script = ScriptDirectory.from_config(alembic_config(engine))
        finally:
            engine.dispose()
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return [
            Check(
                False,
                "database",
                f"cannot connect to {shown}: {reason}. Check DATABASE_URL, and that the "
                "database server is running and reachable from here.",
            )
        ]
    return [_schema(current, script), clock_check]


def _missing_sqlite_file(backend: str, database: str | None) -> bool:
    """A SQLite file that is not there (connecting would create it: say so instead)."""
    return (
        backend == "sqlite"
        and database not in (None, "", ":memory:")
        and not Path(str(database)).exists()
    )


def _schema(current: str | None, script: ScriptDirectory) -> Check:
    head = script.get_current_head()
    if current is None:
        return Check(False, "database schema", f"empty, no tables yet: {CREATE_IT}")
    if current == head:
        return Check(True, "database", f"reachable, schema {current}")
    if current not in {revision.revision for revision in script.walk_revisions()}:
        return Check(
            False,
            "database schema",
            f"at {current}, which this version of Follow-Through does not know: a newer "
            "version migrated it. Run that version, or restore a backup from before it.",
        )
    return Check(
        False,
        "database schema",
        f"at {current}, behind this version's {head}: `followthrough serve` migrates on "
        "start, or run `followthrough migrate`",
    )


def _clock(connection: Connection, clock: Clock) -> Check:
    try:
        ZoneInfo("America/New_York")
    except ZoneInfoNotFoundError:
        return Check(
            False, "clock", "no time zone data: reinstall Follow-Through (it needs tzdata)"
        )
    here = clock.now()
    if connection.dialect.name != "postgresql":
        return Check(True, "clock", f"{here:%Y-%m-%d %H:%M} UTC (SQLite keeps no clock of its own)")
    there: datetime = connection.execute(text("SELECT now()")).scalar_one()
    apart = (here - there).total_seconds()
    if abs(apart) <= CLOCK_TOLERANCE:
        return Check(True, "clock", f"in step with the database ({abs(apart):.1f} s apart)")
    direction = "ahead of" if apart > 0 else "behind"
    return Check(
        False,
        "clock",
        f"this machine's clock is {abs(apart):.0f} s {direction} the database's: prompts "
        "would be planned and claimed at the wrong moments. Keep both in step with NTP.",
    )


def _catalog(settings: Settings) -> Check:
    try:
        counts = load_catalog(settings.catalog_path).counts()
    except CatalogError as error:
        return Check(False, "catalog", str(error))
    return Check(True, "catalog", f"{counts['behaviors']} behaviors, {counts['items']} items")


def _secret(settings: Settings) -> list[Check]:
    """A secret that was given must be strong; in development an unset one is made per process
    (production's check below refuses that)."""
    if not settings.secret_given:
        if settings.production:
            return []
        return [
            Check(
                True,
                "FOLLOWTHROUGH_SECRET",
                "not set: a new random one each start, so dashboard links end at a restart",
            )
        ]
    problem = settings.secret_problem()
    return [Check(problem is None, "FOLLOWTHROUGH_SECRET", problem or "set, strong enough")]


def _production(settings: Settings) -> list[Check]:
    if not settings.production:
        return []
    checks = []
    if not settings.secret_given:
        checks.append(Check(False, "FOLLOWTHROUGH_SECRET", settings.secret_problem() or ""))
    checks.append(
        Check(
            bool(settings.public_url),
            "PUBLIC_URL",
            settings.public_url or "missing: links would point at localhost",
        )
    )
    return checks
