"""`followthrough serve` refuses an unsafe production start before it binds anything."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main

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
    )
}


def serve(tmp_path: Path, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["serve"],
        env={
            **UNSET,
            "FOLLOWTHROUGH_ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            **env,
        },
    )
    return result.exit_code, result.output


def test_production_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    code, output = serve(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    assert code == 1
    assert "needs FOLLOWTHROUGH_SECRET" in output
    assert not (tmp_path / "x.db").exists()


def test_production_with_no_platform_refuses_to_start(tmp_path: Path) -> None:
    code, output = serve(tmp_path, FOLLOWTHROUGH_SECRET="s")
    assert code == 1
    assert "needs Slack or Teams credentials" in output
    assert "MICROSOFT_APP_ID" in output
    assert not (tmp_path / "x.db").exists()
