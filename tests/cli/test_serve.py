"""`followthrough serve` refuses an unsafe start before it binds or writes anything: production
without a chat platform or a strong secret, an unknown FOLLOWTHROUGH_ENV, a platform that
authenticates no one on an address other machines reach (docs/security.md, findings 1 and 2)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import app
from bot.cli import main
from bot.config import Settings, SettingsError

UNSET = {
    name: None
    for name in (
        "FOLLOWTHROUGH_SECRET",
        "SECRET_KEY",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "MICROSOFT_APP_ID",
        "MicrosoftAppId",
        "MICROSOFT_APP_PASSWORD",
        "MicrosoftAppPassword",
        "PUBLIC_URL",
        "ALLOW_UNAUTHENTICATED_REMOTE",
    )
}
STRONG = "Rk4vZ8pQ2mXw7nTb3yLc9hJd5fGs1aVe"  # 32 random bytes, the least production takes
TEAMS = {"MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555", "MICROSOFT_APP_PASSWORD": "p"}


@pytest.fixture
def bound(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `serve` would have bound: run_app is replaced, so a start that passes its checks
    returns at once, having recorded host and port."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(app.web, "run_app", lambda application, **kwargs: calls.append(kwargs))
    return calls


def invoke(tmp_path: Path, command: str = "serve", **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [command],
        env={
            **UNSET,
            "FOLLOWTHROUGH_ENV": "production",
            "HOST": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            **env,
        },
    )
    return result.exit_code, result.output


def serve(tmp_path: Path, **env: str) -> tuple[int, str]:
    return invoke(tmp_path, "serve", **env)


def test_production_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    code, output = serve(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    assert code == 1
    assert "needs FOLLOWTHROUGH_SECRET" in output
    assert not (tmp_path / "x.db").exists()


def test_production_with_no_platform_refuses_to_start(tmp_path: Path) -> None:
    code, output = serve(tmp_path, FOLLOWTHROUGH_SECRET=STRONG)
    assert code == 1
    assert "needs Slack or Teams credentials" in output
    assert "MICROSOFT_APP_ID" in output
    assert not (tmp_path / "x.db").exists()


# 1. The secret and the environment


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("s", id="one byte"),
        pytest.param("k" * 31, id="31 bytes"),
        pytest.param("é" * 15, id="30 bytes in 15 characters"),
        pytest.param("k" * 32, id="32 bytes of one character"),
        pytest.param("change-me" * 4, id="a placeholder"),
    ],
)
def test_production_with_an_empty_short_or_patterned_secret_refuses_and_says_how_to_make_one(
    tmp_path: Path, bound: list[dict[str, Any]], secret: str
) -> None:
    code, output = serve(tmp_path, FOLLOWTHROUGH_SECRET=secret, **TEAMS)

    assert code == 1
    assert "needs FOLLOWTHROUGH_SECRET" in output
    assert "at least 32" in output
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in output
    assert bound == []
    assert not (tmp_path / "x.db").exists()


def test_production_with_a_32_byte_secret_starts(
    tmp_path: Path, bound: list[dict[str, Any]]
) -> None:
    code, output = serve(tmp_path, FOLLOWTHROUGH_SECRET=STRONG, **TEAMS)

    assert code == 0, output
    assert [(call["host"], call["port"]) for call in bound] == [("127.0.0.1", 3978)]


def test_development_warns_about_a_short_secret_and_starts(
    tmp_path: Path, bound: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="followthrough"):
        code, output = serve(tmp_path, FOLLOWTHROUGH_ENV="development", FOLLOWTHROUGH_SECRET="s")

    assert code == 0, output
    assert len(bound) == 1
    [warning] = [r for r in caplog.records if "FOLLOWTHROUGH_SECRET" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "at least 32" in warning.getMessage()


def test_development_says_nothing_of_a_secret_it_makes_itself(
    tmp_path: Path, bound: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="followthrough"):
        code, output = serve(tmp_path, FOLLOWTHROUGH_ENV="development")

    assert code == 0, output
    assert not [r for r in caplog.records if "FOLLOWTHROUGH_SECRET" in r.getMessage()]


@pytest.mark.parametrize("command", ["serve", "doctor"])
@pytest.mark.parametrize("value", ["prod", "dev", "staging", "", "production!"])
def test_an_unknown_environment_is_refused_in_one_clear_line(
    tmp_path: Path, bound: list[dict[str, Any]], command: str, value: str
) -> None:
    code, output = invoke(
        tmp_path, command, FOLLOWTHROUGH_ENV=value, FOLLOWTHROUGH_SECRET=STRONG, **TEAMS
    )

    assert code == 1
    assert "FOLLOWTHROUGH_ENV: must be development or production" in output
    assert repr(value) in output
    assert "Traceback" not in output
    assert bound == []
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("value", "production"),
    [
        ("production", True),
        ("  Production ", True),
        ("PRODUCTION", True),
        ("development", False),
        ("Development\n", False),
    ],
)
def test_the_environment_is_read_in_any_case_and_spacing(value: str, production: bool) -> None:
    settings = Settings(_env_file=None, followthrough_env=value)  # type: ignore[call-arg]

    assert settings.production is production


def test_an_unknown_environment_is_a_settings_error_naming_it() -> None:
    with pytest.raises(SettingsError, match="FOLLOWTHROUGH_ENV: must be development or production"):
        Settings(_env_file=None, followthrough_env="prod")  # type: ignore[call-arg]


@pytest.mark.parametrize("secret", ["", "short"])
def test_doctor_reports_a_missing_or_short_secret_in_production(
    tmp_path: Path, secret: str
) -> None:
    code, output = invoke(tmp_path, "doctor", FOLLOWTHROUGH_SECRET=secret, **TEAMS)

    assert code == 1
    [line] = [line for line in output.splitlines() if "FOLLOWTHROUGH_SECRET" in line]
    assert line.startswith("[FAIL] FOLLOWTHROUGH_SECRET: ")
    assert "at least 32" in line
    assert "secrets.token_urlsafe(32)" in line


def test_doctor_passes_a_strong_secret_in_production(tmp_path: Path) -> None:
    _, output = invoke(tmp_path, "doctor", FOLLOWTHROUGH_SECRET=STRONG, **TEAMS)

    assert "[ok ] FOLLOWTHROUGH_SECRET: set" in output


# 2. A platform that authenticates no one, on an address other machines reach


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "followthrough.example"])
def test_the_local_chat_on_an_address_others_reach_refuses_to_start(
    tmp_path: Path, bound: list[dict[str, Any]], host: str
) -> None:
    code, output = serve(tmp_path, FOLLOWTHROUGH_ENV="development", HOST=host)

    assert code == 1
    assert f"HOST={host}" in output
    assert "Teams and Local chat" in output  # Teams without an app id authenticates no one
    assert "act as anyone" in output
    assert "HOST=127.0.0.1" in output
    assert "ALLOW_UNAUTHENTICATED_REMOTE=true" in output
    assert bound == []
    assert not (tmp_path / "x.db").exists()


def test_allow_unauthenticated_remote_starts_and_names_the_risk(
    tmp_path: Path, bound: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="followthrough"):
        code, output = serve(
            tmp_path,
            FOLLOWTHROUGH_ENV="development",
            HOST="0.0.0.0",
            ALLOW_UNAUTHENTICATED_REMOTE="true",
        )

    assert code == 0, output
    assert [call["host"] for call in bound] == ["0.0.0.0"]
    [warning] = [r for r in caplog.records if "ALLOW_UNAUTHENTICATED_REMOTE" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "act as anyone" in warning.getMessage()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_the_local_chat_on_this_machine_only_starts(
    tmp_path: Path, bound: list[dict[str, Any]], host: str
) -> None:
    code, output = serve(tmp_path, FOLLOWTHROUGH_ENV="development", HOST=host)

    assert code == 0, output
    assert [call["host"] for call in bound] == [host]


def test_authenticated_teams_starts_on_any_address(
    tmp_path: Path, bound: list[dict[str, Any]]
) -> None:
    code, output = serve(tmp_path, HOST="0.0.0.0", FOLLOWTHROUGH_SECRET=STRONG, **TEAMS)

    assert code == 0, output
    assert [call["host"] for call in bound] == ["0.0.0.0"]
