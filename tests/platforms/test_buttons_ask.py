"""A button says which words it asks for, and every platform asks for them the same way:
a note is required, what got in the way and what to share are optional."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.catalog import Catalog
from bot.core.messages import message_from_dict, message_to_dict
from bot.core.prompts import asks_for, prompt_message
from bot.platforms.slack.render import text_modal
from bot.platforms.teams.cards import render_card

REQUIRED = {"note": True, "answer.not_this_week": False, "share": False}


class _Prompt:
    id = 7
    behavior_id = "6.a"
    text = "Who on your team pulled off something good this week?"


@pytest.fixture
def prompt(catalog: Catalog) -> Any:
    return prompt_message(_Prompt(), "Sam", catalog)


def test_the_prompt_buttons_say_what_words_they_ask_for(prompt: Any) -> None:
    asked = {b.action: b.asks.required for b in prompt.buttons if b.asks is not None}
    assert asked == REQUIRED


def test_the_local_chat_gets_the_same_asks_and_they_survive_storage(prompt: Any) -> None:
    stored = message_to_dict(prompt)
    local = {b["action"]: b["asks"]["required"] for b in stored["buttons"] if b["asks"]}
    assert local == REQUIRED
    assert message_from_dict(stored) == prompt


def test_teams_shows_a_text_box_required_as_the_button_says(prompt: Any) -> None:
    card = render_card(prompt)
    boxes = {
        action["card"]["actions"][0]["data"]["ft"]: action["card"]["body"][0]["isRequired"]
        for action in card["actions"]
        if action["type"] == "Action.ShowCard"
    }
    assert boxes == REQUIRED


@pytest.mark.parametrize("action", sorted(REQUIRED))
def test_slacks_modal_is_optional_as_the_button_says(action: str) -> None:
    asks = asks_for(action)
    assert asks is not None
    modal = text_modal(action, asks, "7", channel="D1", ts="1.2")
    assert modal["blocks"][0]["optional"] is not REQUIRED[action]
    assert modal["blocks"][0]["label"]["text"] == asks.label
