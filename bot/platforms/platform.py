"""What a chat platform gives the rest of Follow-Through. Each folder under bot/platforms/
exposes one `Platform`, listed in bot/platforms/registry.py; the service, the web app,
`doctor` and the CLI iterate that list and name no platform."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import click
    from aiohttp import web

    from bot.config import PlatformSettings, Settings
    from bot.scheduling.delivery import Channel
    from bot.services import Services


@dataclass(frozen=True)
class Check:
    """One finding of `followthrough doctor`."""

    ok: bool
    what: str
    detail: str = ""


class Edge(Protocol):
    """A platform running in one service: how the outbox reaches people on it (None: it
    delivers nothing), and the web routes and background work it adds to the web app."""

    @property
    def channel(self) -> Channel | None: ...

    def add_routes(self, app: web.Application) -> None:
        """Mount its endpoints and append what runs beside the server to `app.cleanup_ctx`."""
        ...


class Platform(ABC):
    """A chat platform. A platform's SDK is imported by `start` and `checks`, not when the
    registry is: a command that needs no platform does not load every SDK. The defaults suit
    a platform that its credentials turn on and that brings no commands of its own."""

    name: str
    """The platform name stored with workspaces and used by the outbox."""
    title: str
    """Its name as people write it."""
    settings: type[PlatformSettings]
    """Its settings model, read through `Settings.of`."""
    credentials: str = ""
    """The settings that turn it on, for messages that list them."""
    loopback_workspace: str | None = None
    """For a platform that lets anyone on this machine act as anyone: the workspace (its
    external id) whose dashboard opens to this machine's browser without a link."""
    commands: Sequence[click.Command] = ()
    """Extra `followthrough` commands it brings (e.g. building an app package)."""

    def credentialed(self, settings: Settings) -> bool:
        """Its settings name credentials for a real workspace."""
        return False

    def wanted(self, settings: Settings, *, chat_configured: bool) -> bool:
        """It runs in this service; `chat_configured`: some platform is credentialed."""
        return self.credentialed(settings)

    def unauthenticated(self, settings: Settings) -> bool:
        """With these settings it lets whoever reaches its routes act as anyone (no sign-in,
        no signed requests): safe only on an address other machines can't reach."""
        return False

    def checks(self, settings: Settings) -> list[Check]:
        """What `doctor` reports about its settings, credentials and scopes."""
        return []

    @abstractmethod
    def start(self, services: Services) -> Edge:
        """Its edge for this service (SDK clients built once, shared by channel and routes)."""
