"""Slack's settings: one workspace over HTTP (a bot token and signing secret), Socket Mode
(an app token), or many workspaces through OAuth (a client id and secret)."""

from __future__ import annotations

from bot.config import PlatformSettings


class SlackSettings(PlatformSettings):
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"

    @property
    def configured(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_client_id)
