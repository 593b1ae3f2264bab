"""The Teams app package: the manifest template (bot/platforms/teams/app/manifest.json, or one
of your own with --source) with the bot's id and address filled in, zipped with its two
icons. The template ships inside the installed package, so the command works anywhere."""

from __future__ import annotations

import io
import json
import zipfile
from importlib.resources import as_file, files
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
    default=None,
    help="A folder with your own manifest.json and the two icons (color.png, outline.png); "
    "by default, the ones that come with Follow-Through.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default="followthrough-teams.zip",
    show_default=True,
)
def teams_package(source: Path | None, out: Path) -> None:
    """Build the Teams app package (manifest and icons) to upload to Teams."""
    settings = Settings()
    app_id = settings.of(TeamsSettings).microsoft_app_id
    missing = [
        f"{name} ({why})"
        for name, value, why in (
            ("MICROSOFT_APP_ID", app_id, "the bot's id, from its Azure Bot resource"),
            ("PUBLIC_URL", settings.public_url, "the https:// address Teams reaches it at"),
        )
        if not value
    ]
    if missing:
        raise click.UsageError("Set " + " and ".join(missing) + ", then run this again.")
    if source is not None and not (source / "manifest.json").is_file():
        raise click.UsageError(f"{source} has no manifest.json: give the folder that holds it.")
    try:
        with as_file(files("bot.platforms.teams").joinpath("app")) as shipped:
            built = build_teams_package(
                source or shipped, app_id=app_id, public_url=settings.public_url
            )
    except FileNotFoundError as error:
        absent = Path(str(error.filename)).name
        where = source or "the installed package (reinstall Follow-Through)"
        problem = f"{absent} is missing beside manifest.json in {where}."
        raise click.ClickException(problem) from error
    except (OSError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    out.write_bytes(built)
    click.echo(f"Wrote {out}: upload it in Teams (Apps → Manage your apps → Upload an app).")
