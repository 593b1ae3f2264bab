"""aiohttp routes that are not a platform's: health and readiness (metrics and dashboard later)."""
