"""`followthrough serve` refuses an unsafe production start before it binds anything."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main


def test_production_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["serve"],
        env={
            "FOLLOWTHROUGH_ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "FOLLOWTHROUGH_SECRET": None,
            "SECRET_KEY": None,
        },
    )
    assert result.exit_code == 1
    assert "needs FOLLOWTHROUGH_SECRET" in result.output
    assert not (tmp_path / "x.db").exists()
