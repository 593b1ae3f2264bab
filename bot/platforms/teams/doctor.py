"""What `followthrough doctor` says about Teams: the app registration's settings by app type."""

from __future__ import annotations

import re

from bot.platforms.platform import Check
from bot.platforms.teams.settings import TeamsSettings

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def teams_checks(teams: TeamsSettings, *, production: bool) -> list[Check]:
    if not teams.microsoft_app_id:
        return [
            Check(
                not production,
                "Teams",
                "no MICROSOFT_APP_ID: /api/messages is unauthenticated (local trials only)",
            )
        ]
    checks = [
        Check(bool(GUID.match(teams.microsoft_app_id)), "Teams app id", teams.microsoft_app_id)
    ]
    kind = (teams.microsoft_app_type or "MultiTenant").lower()
    if kind not in {"multitenant", "singletenant", "userassignedmsi"}:
        checks.append(
            Check(
                False,
                "Teams app type",
                f"{teams.microsoft_app_type!r} is not MultiTenant, SingleTenant or UserAssignedMSI",
            )
        )
    if kind in {"singletenant", "userassignedmsi"} and not teams.microsoft_app_tenant_id:
        checks.append(Check(False, "Teams tenant", "MICROSOFT_APP_TENANT_ID is required"))
    if kind != "userassignedmsi" and not teams.microsoft_app_password:
        checks.append(Check(False, "Teams password", "MICROSOFT_APP_PASSWORD is missing"))
    return checks
