"""Slack as the registry sees it: on when a token, an app token or an OAuth client id is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.platforms.platform import Check, Edge, Platform
from bot.platforms.slack.settings import SlackSettings

if TYPE_CHECKING:
    from bot.services import Services


class Slack(Platform):
    name = "slack"
    title = "Slack"
    settings = SlackSettings
    credentials = "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, or SLACK_CLIENT_ID"

    def credentialed(self, settings: Settings) -> bool:
        return settings.of(SlackSettings).configured

    def checks(self, settings: Settings) -> list[Check]:
        from bot.platforms.slack.doctor import slack_checks  # slack_sdk loads only when asked

        return slack_checks(settings.of(SlackSettings))

    def start(self, services: Services) -> Edge:
        from bot.platforms.slack.app import SlackRunning  # slack_bolt loads only when wanted

        return SlackRunning.start(services)


SLACK = Slack()
