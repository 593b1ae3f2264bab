"""Fixtures for the deployment files' tests: the web app's, to scrape a live /metrics."""

from tests.web.conftest import open_chat

__all__ = ["open_chat"]
