"""The Teams app package: deploy/teams/manifest.json with the bot's id and address filled in,
zipped with its two icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from string import Template
from urllib.parse import urlparse

import click

from bot.config import Settings
from bot.platforms.teams.settings import TeamsSettings

ICONS = ("color.png", "outline.png")


def build_teams_package(source: Path, *, app_id: str, public_url: str) -> bytes:
    """The zip Teams accepts: manifest.json and the icons at its top level."""
    parsed = urlparse(public_url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ValueError(
            f"PUBLIC_URL must be an https:// address Teams can reach, not {public_url!r}"
        )
    # safe_substitute leaves "$schema" alone; any ${…} left after it is a typo in the template.
    manifest = Template((source / "manifest.json").read_text(encoding="utf-8")).safe_substitute(
        MICROSOFT_APP_ID=app_id, PUBLIC_URL=public_url.rstrip("/"), PUBLIC_HOST=parsed.netloc
    )
    if "${" in manifest:
        raise ValueError("manifest.json has a placeholder this command does not fill")
    json.loads(manifest)  # a template edit that breaks the JSON fails here, not in Teams
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", manifest)
        for icon in ICONS:
            package.write(source / icon, icon)
    return buffer.getvalue()


@click.command("teams-package")
@click.option(
    "--source",
    type=click.Path(path_type=Path, file_okay=False),
    default="deploy/teams",
    show_default=True,
    help="The folder with manifest.json and the two icons.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default="followthrough-teams.zip",
    show_default=True,
)
def teams_package(source: Path, out: Path) -> None:
    """Build the Teams app package (manifest and icons) to upload to Teams."""
    settings = Settings()
    app_id = settings.of(TeamsSettings).microsoft_app_id
    if not app_id:
        raise click.UsageError("Set MICROSOFT_APP_ID: the package names the bot by it.")
    if not settings.public_url:
        raise click.UsageError("Set PUBLIC_URL: Teams needs the bot's web address.")
    try:
        built = build_teams_package(source, app_id=app_id, public_url=settings.public_url)
    except (OSError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    out.write_bytes(built)
    click.echo(f"Wrote {out}: upload it in Teams (Apps → Manage your apps → Upload an app).")
