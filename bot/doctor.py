"""`followthrough doctor`: check settings, the database, the catalog and each platform's
credentials and scopes, and say plainly what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.core.catalog import CatalogError, load_catalog
from bot.platforms.slack.setup import BOT_SCOPES
from bot.store.db import alembic_config, create_db_engine

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    detail: str = ""


def run_checks(settings: Settings) -> list[Check]:
    return [
        *_database(settings),
        _catalog(settings),
        *_slack(settings),
        *_teams(settings),
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


def _slack(settings: Settings) -> list[Check]:
    if not settings.slack_enabled:
        return [Check(True, "Slack", "not configured")]
    checks = []
    if not settings.slack_signing_secret and not settings.slack_app_token:
        checks.append(Check(False, "Slack", "SLACK_SIGNING_SECRET is needed over HTTP"))
    if settings.slack_client_id and not settings.slack_client_secret:
        checks.append(Check(False, "Slack OAuth", "SLACK_CLIENT_SECRET is missing"))
    if settings.slack_bot_token:
        client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        try:
            answer = client.auth_test()
        except SlackApiError as error:
            checks.append(Check(False, "Slack token", str(error.response.get("error"))))
        else:
            granted = set((answer.headers.get("x-oauth-scopes") or "").replace(" ", "").split(","))
            missing = sorted(set(BOT_SCOPES) - granted) if granted != {""} else []
            checks.append(
                Check(
                    not missing,
                    "Slack token",
                    f"workspace {answer.get('team')}"
                    + (f"; missing scopes: {', '.join(missing)}" if missing else ""),
                )
            )
    return checks or [Check(True, "Slack", "configured")]


def _teams(settings: Settings) -> list[Check]:
    if not settings.microsoft_app_id:
        return [
            Check(
                not settings.production,
                "Teams",
                "no MICROSOFT_APP_ID: /api/messages is unauthenticated (local trials only)",
            )
        ]
    checks = [
        Check(
            bool(GUID.match(settings.microsoft_app_id)), "Teams app id", settings.microsoft_app_id
        )
    ]
    kind = (settings.microsoft_app_type or "MultiTenant").lower()
    if kind not in {"multitenant", "singletenant", "userassignedmsi"}:
        checks.append(
            Check(
                False,
                "Teams app type",
                f"{settings.microsoft_app_type!r} is not "
                "MultiTenant, SingleTenant or UserAssignedMSI",
            )
        )
    if kind in {"singletenant", "userassignedmsi"} and not settings.microsoft_app_tenant_id:
        checks.append(Check(False, "Teams tenant", "MICROSOFT_APP_TENANT_ID is required"))
    if kind != "userassignedmsi" and not settings.microsoft_app_password:
        checks.append(Check(False, "Teams password", "MICROSOFT_APP_PASSWORD is missing"))
    return checks


def _production(settings: Settings) -> list[Check]:
    if not settings.production:
        return []
    return [
        Check(
            "secret_key" in settings.model_fields_set,
            "FOLLOWTHROUGH_SECRET",
            "set" if "secret_key" in settings.model_fields_set else "missing in production",
        ),
        Check(
            bool(settings.public_url),
            "PUBLIC_URL",
            settings.public_url or "missing: links would point at localhost",
        ),
    ]
