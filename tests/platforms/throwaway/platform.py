"""Echo: a throwaway chat platform. People talk to it with `POST /echo/say`; prompts it is
handed land in a list. Its settings (ECHO_TOKEN) turn it on, and `doctor` reports on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import PlatformSettings, Settings
from bot.core.messages import render_text
from bot.handlers.context import PlatformUser
from bot.handlers.dispatch import handle_text
from bot.platforms.edge import run_in_core
from bot.platforms.platform import Check, Edge, Platform
from bot.scheduling.delivery import Delivery
from bot.services import Services

NAME = "echo"


class EchoSettings(PlatformSettings):
    echo_token: str = ""


@dataclass
class EchoChannel:
    platform: str = NAME
    rate: float | None = None
    conversation_rate: float | None = None
    checks_per_pass: int | None = None
    delivered: list[Delivery] = field(default_factory=list)

    async def send(self, delivery: Delivery) -> str:
        self.delivered.append(delivery)
        return f"echo-{len(self.delivered)}"

    async def find(self, delivery: Delivery) -> str | None:
        return None


class EchoDirectory:
    def lookup(self, ref: object) -> PlatformUser | None:
        return None


@dataclass
class EchoRunning:
    services: Services
    channel: EchoChannel = field(default_factory=EchoChannel)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/echo/say", self.say)

    async def say(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        reply = await run_in_core(
            self.services,
            platform=NAME,
            workspace="echo",
            user=PlatformUser(user_id=body["user"], email=body.get("email")),
            directory=EchoDirectory(),
            work=lambda ctx: render_text(handle_text(body["text"], ctx, direct=True)),
        )
        return web.json_response({"reply": reply})


class Echo(Platform):
    name = NAME
    title = "Echo"
    settings = EchoSettings
    credentials = "ECHO_TOKEN"

    def credentialed(self, settings: Settings) -> bool:
        return bool(settings.of(EchoSettings).echo_token)

    def checks(self, settings: Settings) -> list[Check]:
        token = settings.of(EchoSettings).echo_token
        return [Check(token.startswith("echo-"), "Echo token", token or "not configured")]

    def start(self, services: Services) -> Edge:
        return EchoRunning(services)


ECHO = Echo()
