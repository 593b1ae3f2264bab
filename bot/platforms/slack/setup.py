"""Slack credentials by mode: one workspace (a bot token), or many (OAuth installations kept
in the project's database through slack-sdk's SQLAlchemy stores)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.platforms.slack.channel import PLATFORM, SlackChannel
from bot.platforms.slack.settings import SlackSettings
from bot.store.db import MIGRATION_LOCK, normalize_url
from bot.store.models import Workspace

BOT_SCOPES = [
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
    "users:read.email",
]


def async_database_url(url: str) -> str:
    """The same database for an async engine: aiosqlite for SQLite, psycopg's async mode."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


@dataclass
class SlackSetup:
    settings: SlackSettings
    installation_store: AsyncSQLAlchemyInstallationStore | None = None
    state_store: AsyncSQLAlchemyOAuthStateStore | None = None
    _teams: dict[int, tuple[str, bool]] = field(default_factory=dict)

    @property
    def oauth(self) -> bool:
        return self.installation_store is not None

    def web_client(self, token: str | None = None) -> AsyncWebClient:
        """A Web API client on SLACK_API_URL for the request path (replies, modals, App
        Home), waiting out 429s as Slack asks."""
        return AsyncWebClient(
            token=token,
            base_url=self.settings.slack_api_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )

    async def prepare(self) -> None:
        """Create slack-sdk's installation and OAuth state tables if they are missing. On
        PostgreSQL under the migrations' advisory lock: copies starting together would each
        find the tables missing, and all but one would fail to create them."""
        if self.installation_store is None or self.state_store is None:
            return
        async with self.installation_store.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            await connection.run_sync(self.installation_store.metadata.create_all)
            await connection.run_sync(self.state_store.metadata.create_all)

    async def token_for(self, team_id: str) -> str | None:
        if self.installation_store is None:
            return self.settings.slack_bot_token or None
        bot = await self.installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None

    def channel(self, sessions: sessionmaker[Session]) -> SlackChannel:
        """The outbox's way into Slack: one client per workspace, kept while its token is.
        These clients retry nothing: the outbox retries sends (honoring Retry-After), and
        a second layer underneath would multiply the attempts."""
        clients: dict[int, AsyncWebClient] = {}

        def team(workspace_id: int) -> tuple[str, bool]:
            with sessions() as session:
                workspace = session.get(Workspace, workspace_id)
                if workspace is None or workspace.platform != PLATFORM:
                    return "", False
                return workspace.external_id, workspace.active

        async def client_for(workspace_id: int) -> AsyncWebClient | None:
            team_id, active = await asyncio.to_thread(team, workspace_id)
            token = await self.token_for(team_id) if active else None
            if not token:
                clients.pop(workspace_id, None)
                return None
            client = clients.get(workspace_id)
            if client is None or client.token != token:
                client = clients[workspace_id] = AsyncWebClient(
                    token=token, base_url=self.settings.slack_api_url, retry_handlers=[]
                )
            return client

        return SlackChannel(client_for)


def slack_setup(settings: Settings) -> SlackSetup:
    """Slack's credentials by mode; OAuth installations live in the service's database."""
    slack = settings.of(SlackSettings)
    if slack.slack_client_id:
        engine = create_async_engine(async_database_url(settings.database_url))
        return SlackSetup(
            slack,
            installation_store=AsyncSQLAlchemyInstallationStore(
                client_id=slack.slack_client_id, engine=engine
            ),
            state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
        )
    return SlackSetup(slack)
