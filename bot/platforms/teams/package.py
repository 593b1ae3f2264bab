"""The Teams app package: deploy/teams/manifest.json with the bot's id and address filled in,
zipped with its two icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from string import Template
from urllib.parse import urlparse

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
