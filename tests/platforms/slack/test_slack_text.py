"""Slack's message text becomes the core's before the grammar reads it: mentions neutral,
links their address, escapes undone."""

from __future__ import annotations

import pytest

from bot.core import commands as c
from bot.core.catalog import load_catalog
from bot.core.grammar import parse_command
from bot.platforms.slack.text import from_slack
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("typed", "core"),
    [
        ("<@U123>", "@[](U123)"),
        ("<@U123|jane>", "@[jane](U123)"),
        ("<@W0ABC12|Jane Doe>", "@[Jane Doe](W0ABC12)"),
        ("<#C123|impl-team>", "#[impl-team](C123)"),
        ("<#C0123ABC>", "#[](C0123ABC)"),
        ("<mailto:jane@agency.org|jane@agency.org>", "jane@agency.org"),
        ("see <https://agency.org/plan|the plan>", "see https://agency.org/plan"),
        ("<!here> and <!subteam^S1|@leads>", "@here and @leads"),
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("&lt;@U1&gt;", "<@U1>"),  # typed literally: Slack escaped it, so no one was mentioned
        ("<@U1|a]b>", "@[a)b](U1)"),
    ],
)
def test_slack_markup_becomes_neutral(typed: str, core: str) -> None:
    assert from_slack(typed) == core


@pytest.mark.parametrize(
    ("typed", "user"),
    [
        ("<@U123|jane>", c.UserRef("id", "U123", "jane")),
        ("<mailto:Jane@Agency.org|Jane@Agency.org>", c.UserRef("email", "jane@agency.org")),
    ],
)
def test_people_named_in_slack_reach_the_grammar(typed: str, user: c.UserRef) -> None:
    command = parse_command(
        from_slack(f"admin add {typed}"), catalog=load_catalog(), today=NOW.date()
    )

    assert command == c.AdminChange("add", user)
