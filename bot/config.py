"""Settings from the environment (or a `.env` file), the one place the service reads them."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting SPEC.md names; Bot Framework spellings are accepted for the Teams ones."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///followthrough.db"
    host: str = "127.0.0.1"
    port: int = 3978
    followthrough_env: str = "development"

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"

    microsoft_app_id: str = Field(
        "", validation_alias=AliasChoices("MICROSOFT_APP_ID", "MicrosoftAppId")
    )
    microsoft_app_password: str = Field(
        "", validation_alias=AliasChoices("MICROSOFT_APP_PASSWORD", "MicrosoftAppPassword")
    )
    microsoft_app_type: str = Field(
        "MultiTenant", validation_alias=AliasChoices("MICROSOFT_APP_TYPE", "MicrosoftAppType")
    )
    microsoft_app_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MICROSOFT_APP_TENANT_ID", "MicrosoftAppTenantId")
    )

    bot_openid_metadata_url: str = ""
    bot_token_issuer: str = "https://api.botframework.com"

    followthrough_admins: str = ""
    catalog_path: Path | None = None
    public_url: str = ""
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        validation_alias=AliasChoices("FOLLOWTHROUGH_SECRET", "SECRET_KEY"),
    )

    @property
    def base_url(self) -> str:
        """Where people reach this service: PUBLIC_URL, or the local address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @field_validator("catalog_path", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        """An empty CATALOG_PATH (a .env template leaves one) means the built-in catalog."""
        return None if isinstance(value, str) and not value.strip() else value

    @cached_property
    def bootstrap_admins(self) -> frozenset[str]:
        """Platform user ids and emails (lower-cased) who are admins from the start."""
        parts = self.followthrough_admins.replace(";", ",").replace(" ", ",").split(",")
        return frozenset(p.strip().lower() for p in parts if p.strip())

    @property
    def production(self) -> bool:
        return self.followthrough_env.strip().lower() == "production"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_client_id)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.microsoft_app_id)

    @property
    def local_mode(self) -> bool:
        """With no platform credentials the service runs the local chat."""
        return not (self.slack_enabled or self.teams_enabled)
