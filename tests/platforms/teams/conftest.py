"""Fixtures for Teams tests: a mock Bot Connector that activities name as their serviceUrl."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.platforms.teams.mock_connector import MockConnector


@pytest.fixture
def connector() -> Iterator[MockConnector]:
    with MockConnector() as mock:
        yield mock
