"""Settings from the environment (or a `.env` file), the one place the service reads them.
The core's settings are here; each chat platform keeps its own in its folder, read through
`Settings.of`, so nothing outside a platform's folder names them."""

from __future__ import annotations

import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from pydantic import (
    AliasChoices,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ENVIRONMENTS = ("development", "production")
SCHEDULERS = ("in-process", "external")
LOG_FORMATS = ("json", "text")
MIN_SECRET_BYTES = 32
# Random bytes, however written (hex, base64), use far more; a pattern or a placeholder fewer.
MIN_SECRET_CHARACTERS = 10
# What example settings hold until someone replaces them (CHANGE-ME-…, REPLACE-ME-…).
PLACEHOLDERS = ("changeme", "replaceme")
MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class SettingsError(ValueError):
    """Settings that can't be read, with a message naming each setting and what to write."""

    @classmethod
    def of(cls, error: ValidationError) -> SettingsError:
        problems = []
        for found in error.errors():
            name = str(found["loc"][0]).upper() if found["loc"] else "settings"
            message = found["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        return cls("; ".join(problems))


class PlatformSettings(BaseSettings):
    """A chat platform's settings, from the same environment and `.env` file as the core's."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise SettingsError.of(error) from None


P = TypeVar("P", bound=PlatformSettings)


class LoggingSettings(BaseSettings):
    """The settings the log needs, read on their own before any other: the command sets up
    its log first, so that whatever happens next (the rest of the settings refused among it)
    is logged as configured."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    log_format: Literal["json", "text"] = "json"
    """`json`, one object a line for a log collector; `text`, lines for a person at a terminal."""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise SettingsError.of(error) from None

    @field_validator("log_format", mode="before")
    @classmethod
    def _known_log_format(cls, value: object) -> object:
        """json or text, in any case and spacing; anything else is refused, naming both."""
        if isinstance(value, str) and value.strip().lower() in LOG_FORMATS:
            return value.strip().lower()
        raise ValueError(
            f"must be json or text, not {value!r}: json writes one JSON object a line (for a "
            "log collector), text writes lines for a person at a terminal"
        )


class Settings(LoggingSettings):
    """The core's settings. Values given to the constructor that are not the core's go to
    the platforms' settings models (read through `of`), as the environment's would."""

    database_url: str = "sqlite:///followthrough.db"
    host: str = "127.0.0.1"
    port: int = 3978
    followthrough_env: Literal["development", "production"] = "development"
    scheduler: Literal["in-process", "external"] = "in-process"
    """Who runs the scheduling passes: `serve` itself, or something outside it that runs
    `followthrough tick` every minute (cron, a Kubernetes CronJob)."""

    allow_unauthenticated_remote: bool = False
    """Serve a platform that lets anyone act as anyone on an address other machines reach."""

    followthrough_admins: str = ""
    catalog_path: Path | None = None
    public_url: str = ""
    privacy_policy_file: Path | None = None
    """The operator's privacy notice (plain text) for /privacy; a sensible default without."""
    terms_file: Path | None = None
    """The operator's terms of use (plain text) for /terms; a sensible default without."""
    retention_days: int = 0
    """Purge records, prompts, digests and chat transcripts older than this many days, once a
    day in the scheduling pass; 0 keeps everything."""
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

    @field_validator("catalog_path", "privacy_policy_file", "terms_file", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        """An empty path (a .env template leaves one) means the built-in one."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("privacy_policy_file", "terms_file")
    @classmethod
    def _text_to_serve(cls, value: Path | None) -> Path | None:
        """A page's text must be there at start, not found missing when someone asks."""
        if value is not None and not value.is_file():
            raise ValueError(f"there is no file at {value}: give the path of a text file")
        return value

    @field_validator("retention_days", mode="before")
    @classmethod
    def _days_to_keep(cls, value: object) -> object:
        """Blank (a .env template leaves one) keeps everything; a negative number is refused
        rather than read as "purge everything", which it could too easily mean."""
        if isinstance(value, str) and not value.strip():
            return 0
        if isinstance(value, int | str) and str(value).strip().lstrip("-").isdigit():
            if int(value) < 0:
                raise ValueError(
                    f"must be 0 (keep records forever) or a number of days to keep them, "
                    f"not {int(value)}"
                )
            return int(value)
        raise ValueError(
            "must be 0 (keep records forever) or a whole number of days to keep them, "
            f"not {value!r}"
        )

    @field_validator("followthrough_env", mode="before")
    @classmethod
    def _known_environment(cls, value: object) -> object:
        """development or production, in any case and spacing; a typo (`prod`) is refused
        rather than quietly running without production's checks."""
        if isinstance(value, str) and value.strip().lower() in ENVIRONMENTS:
            return value.strip().lower()
        raise ValueError(
            f"must be development or production, not {value!r}: production turns on the "
            "safety checks, so a misspelt value is refused rather than ignored"
        )

    @field_validator("scheduler", mode="before")
    @classmethod
    def _known_scheduler(cls, value: object) -> object:
        """in-process or external, in any case and spacing; anything else is refused rather
        than guessed, since a wrong guess either way leaves passes to no one or to both."""
        if isinstance(value, str) and value.strip().lower() in SCHEDULERS:
            return value.strip().lower()
        raise ValueError(
            f"must be in-process (serve runs the scheduling passes) or external (run "
            f"`followthrough tick` every minute from cron or a CronJob), not {value!r}"
        )

    @model_validator(mode="after")
    def _blank_secret_is_unset(self) -> Self:
        """A blank FOLLOWTHROUGH_SECRET (a .env template leaves one) is no secret: it counts
        as not set, and a random one is made for this process."""
        if not self.secret_key.strip():
            self.secret_key = secrets.token_urlsafe(32)
            self.model_fields_set.discard("secret_key")
        return self

    @property
    def secret_given(self) -> bool:
        """FOLLOWTHROUGH_SECRET is set (not made up for this process)."""
        return "secret_key" in self.model_fields_set

    def secret_problem(self) -> str | None:
        """What is wrong with FOLLOWTHROUGH_SECRET for production, and what to do; None when
        it is set, at least 32 bytes long, and not a pattern."""
        if not self.secret_given:
            found = "it is missing or empty, so dashboard links would stop working at every restart"
        elif len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            found = (
                f"it is only {len(self.secret_key.encode())} bytes, short enough to guess, "
                "and anyone who guesses it can sign themselves into the dashboard"
            )
        elif any(word in re.sub(r"[^a-z]", "", self.secret_key.lower()) for word in PLACEHOLDERS):
            found = "it is still the placeholder from the example settings"
        elif len(set(self.secret_key)) < MIN_SECRET_CHARACTERS:
            distinct = len(set(self.secret_key))
            found = (
                f"it is made of only {distinct} distinct "
                f"{'character' if distinct == 1 else 'characters'}, like a pattern or a "
                "placeholder rather than random bytes"
            )
        else:
            return None
        return (
            f"FOLLOWTHROUGH_SECRET needs at least {MIN_SECRET_BYTES} random bytes: {found}. "
            f"Make one with {MAKE_A_SECRET} and set it as FOLLOWTHROUGH_SECRET."
        )

    @cached_property
    def bootstrap_admins(self) -> frozenset[str]:
        """Platform user ids and emails (lower-cased) who are admins from the start."""
        parts = self.followthrough_admins.replace(";", ",").replace(" ", ",").split(",")
        return frozenset(p.strip().lower() for p in parts if p.strip())

    @property
    def scheduling_in_process(self) -> bool:
        """`serve` runs the scheduling passes itself (SCHEDULER=in-process)."""
        return self.scheduler == "in-process"

    @property
    def production(self) -> bool:
        return self.followthrough_env == "production"
