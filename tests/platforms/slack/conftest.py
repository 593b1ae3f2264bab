"""Fixtures for Slack tests: a mock Web API and a Socket Mode server wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.platforms.slack.mock_socket_mode import MockSocketModeServer
from tests.platforms.slack.mock_web_api import MockSlackWebAPI


@pytest.fixture
def slack_api() -> Iterator[MockSlackWebAPI]:
    with MockSlackWebAPI() as api:
        yield api


@pytest.fixture
def slack_socket_mode(slack_api: MockSlackWebAPI) -> Iterator[MockSocketModeServer]:
    """A Socket Mode server that slack_api's apps.connections.open points to."""
    with MockSocketModeServer() as server:
        slack_api.socket_url = server.url
        yield server
