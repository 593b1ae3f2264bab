"""The local chat as its page uses it, for tests: join as someone, say things, press buttons,
read the conversation, count what changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.core.clock import SetClock
from bot.services import Services
from bot.store.models import AuditEvent, Base, Person, Record, Team, Workspace
from tests.conftest import NOW

Client = TestClient[web.Request, web.Application]

ADMIN = "avery@agency.org"
SAM = "sam@agency.org"


class LocalChat:
    """The page's side of the conversation: join as someone, say things, press buttons."""

    def __init__(self, client: Client, services: Services) -> None:
        self.client = client
        self.services = services

    async def join(self, user: str) -> int:
        response = await self.client.post("/local/api/people", json={"user": user})
        assert response.status == 200, await response.text()
        return int((await response.json())["id"])

    async def say(self, person: int, said: str) -> dict[str, Any]:
        response = await self.client.post("/local/api/say", json={"person": person, "text": said})
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def press(
        self, person: int, message: int, action: str, value: str, note: str | None = None
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/local/api/press",
            json={"person": person, "message": message, "action": action, "value": value}
            | ({"text": note} if note is not None else {}),
        )
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def messages(self, person: int, after: int | None = None) -> list[dict[str, Any]]:
        query = "" if after is None else f"?after={after}"
        response = await self.client.get(f"/local/api/conversations/dm:{person}{query}")
        assert response.status == 200, await response.text()
        return list((await response.json())["messages"])

    def count(self, model: type[Base]) -> int:
        with self.services.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def records(self) -> list[Record]:
        with self.services.sessions() as session:
            return list(session.scalars(select(Record).order_by(Record.id)))

    def counts(self) -> dict[str, int]:
        """Everything a command could change, besides the transcript itself."""
        return {
            model.__name__: self.count(model)
            for model in (Person, Team, Record, AuditEvent, Workspace)
        }


async def prompt_sam_due(chat: LocalChat) -> None:
    """Sam, a supervisor committed to 6.a, with a prompt the admin asked for (send-now); the
    clock ten minutes on, so the next scheduling pass sends it."""
    clock = chat.services.clock
    assert isinstance(clock, SetClock)
    avery = await chat.join(ADMIN)
    await chat.say(avery, f"leader add {SAM} role=supervisor")
    sam = await chat.join(SAM)
    await chat.say(sam, "commit 6.a")
    await chat.say(avery, f"send-now {SAM}")
    clock.set(NOW + timedelta(minutes=10))
