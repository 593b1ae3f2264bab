"""Settings from the environment (or a `.env` file), the one place the service reads them.
The core's settings are here; each chat platform keeps its own in its folder, read through
`Settings.of`, so nothing outside a platform's folder names them."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import AliasChoices, Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    """A chat platform's settings, from the same environment and `.env` file as the core's."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)


P = TypeVar("P", bound=PlatformSettings)


class Settings(BaseSettings):
    """The core's settings. Values given to the constructor that are not the core's go to
    the platforms' settings models (read through `of`), as the environment's would."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///followthrough.db"
    host: str = "127.0.0.1"
    port: int = 3978
    followthrough_env: str = "development"

    followthrough_admins: str = ""
    catalog_path: Path | None = None
    public_url: str = ""
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        validation_alias=AliasChoices("FOLLOWTHROUGH_SECRET", "SECRET_KEY"),
    )

    _given: dict[str, Any] = PrivateAttr(default_factory=dict)
    _platforms: dict[type[PlatformSettings], PlatformSettings] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        core = {"secret_key", "FOLLOWTHROUGH_SECRET", "SECRET_KEY", *type(self).model_fields}
        super().__init__(**{k: v for k, v in values.items() if k in core or k.startswith("_")})
        self._given = {k: v for k, v in values.items() if k not in core}

    def of(self, model: type[P]) -> P:
        """A platform's settings: what the constructor was given for it, else the environment."""
        found = self._platforms.get(model)
        if found is None:
            given = {k: v for k, v in self._given.items() if k in model.model_fields}
            if "_env_file" in self._given:
                given["_env_file"] = self._given["_env_file"]
            found = self._platforms[model] = model(**given)
        assert isinstance(found, model)
        return found

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
