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


def unauthenticated(settings: Settings) -> list[Platform]:
    """The running platforms that let whoever reaches them act as anyone."""
    return [platform for platform in wanted(settings) if platform.unauthenticated(settings)]


def loopback_workspace(settings: Settings) -> tuple[str, str, str] | None:
    """(platform, workspace, its name) whose dashboard opens to this machine's browser
    without a link, when a running platform lets anyone on this machine act as anyone."""
    for platform in wanted(settings):
        if platform.loopback_workspace is not None:
            return platform.name, platform.loopback_workspace, platform.title
    return None


def credentials_wanted() -> str:
    """What would turn a chat platform on, for a message that asks for it: each
    credentialed platform's title and the settings it names."""
    named = [platform for platform in PLATFORMS if platform.credentials]
    return (
        " or ".join(platform.title for platform in named)
        + " credentials ("
        + "; ".join(f"{platform.title}: {platform.credentials}" for platform in named)
        + ")"
    )
