"""Teams as the registry sees it: on with an app id (authenticated), or unauthenticated for
trials with the Agents Playground when no platform has credentials and not in production."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.platforms.platform import Check, Edge, Platform
from bot.platforms.teams.doctor import teams_checks
from bot.platforms.teams.package import teams_package
from bot.platforms.teams.settings import TeamsSettings

if TYPE_CHECKING:
    from bot.services import Services


class Teams(Platform):
    name = "teams"
    title = "Teams"
    settings = TeamsSettings
    credentials = "MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD"
    commands = (teams_package,)

    def credentialed(self, settings: Settings) -> bool:
        return bool(settings.of(TeamsSettings).microsoft_app_id)

    def wanted(self, settings: Settings, *, chat_configured: bool) -> bool:
        return self.credentialed(settings) or not (chat_configured or settings.production)

    def unauthenticated(self, settings: Settings) -> bool:
        return not self.credentialed(settings)  # without an app id no token is checked

    def checks(self, settings: Settings) -> list[Check]:
        return teams_checks(settings.of(TeamsSettings), production=settings.production)

    def start(self, services: Services) -> Edge:
        from bot.platforms.teams.web import TeamsRunning  # botbuilder loads only when wanted

        return TeamsRunning.start(services)


TEAMS = Teams()
