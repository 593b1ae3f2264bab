"""The local chat as the registry sees it: on when no platform has credentials. It has no
settings of its own and lets anyone on this machine act as anyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import PlatformSettings, Settings
from bot.platforms.local.directory import LOCAL_WORKSPACE, LOCAL_WORKSPACE_NAME
from bot.platforms.platform import Edge, Platform

if TYPE_CHECKING:
    from bot.services import Services


class LocalSettings(PlatformSettings):
    """Nothing to set: the local chat is what runs when nothing else is configured."""


class Local(Platform):
    name = "local"
    title = LOCAL_WORKSPACE_NAME
    settings = LocalSettings
    loopback_workspace = LOCAL_WORKSPACE

    def wanted(self, settings: Settings, *, chat_configured: bool) -> bool:
        return not chat_configured

    def unauthenticated(self, settings: Settings) -> bool:
        return True  # the page lets whoever opens it be anyone

    def start(self, services: Services) -> Edge:
        from bot.platforms.local.web import LocalRunning  # its routes import the services

        return LocalRunning.start(services)


LOCAL = Local()
