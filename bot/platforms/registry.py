"""The chat platforms this service knows. Adding a platform is a new folder under
bot/platforms/ and one line in PLATFORMS."""

from __future__ import annotations

from bot.config import Settings
from bot.platforms.local.platform import LOCAL
from bot.platforms.platform import Platform
from bot.platforms.slack.platform import SLACK
from bot.platforms.teams.platform import TEAMS

PLATFORMS: list[Platform] = [SLACK, TEAMS, LOCAL]


def chat_configured(settings: Settings) -> bool:
    """Some platform has credentials for a real workspace (else the local chat runs)."""
    return any(platform.credentialed(settings) for platform in PLATFORMS)


def wanted(settings: Settings) -> list[Platform]:
    """The platforms that run with these settings."""
    configured = chat_configured(settings)
    return [p for p in PLATFORMS if p.wanted(settings, chat_configured=configured)]


def loopback_trusted(settings: Settings) -> bool:
    """A running platform lets anyone on this machine act as anyone, so the dashboard opens
    to loopback visitors without a link."""
    return any(platform.trusts_loopback for platform in wanted(settings))


def credentials_wanted() -> str:
    """What would turn a chat platform on, for a message that asks for it: "Slack or Teams
    credentials (Slack: SLACK_BOT_TOKEN …; Teams: …)"."""
    named = [platform for platform in PLATFORMS if platform.credentials]
    return (
        " or ".join(platform.title for platform in named)
        + " credentials ("
        + "; ".join(f"{platform.title}: {platform.credentials}" for platform in named)
        + ")"
    )
