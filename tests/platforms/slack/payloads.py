"""Inbound Slack payloads, shaped exactly as Slack sends them to a Request URL. Each builder
starts from a real-shaped fixture (fixtures/payload_*.json) and changes only what a test names.

Request builders return (body, content_type), ready for sign() and a POST to /slack/events;
event builders return the inner event dict, to be wrapped by event_callback()."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.platforms.slack.mock_web_api import dm_channel

FIXTURES = Path(__file__).parent / "fixtures"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

Body = tuple[str, str]


def load_payload(name: str) -> dict[str, Any]:
    """A fresh copy of fixtures/payload_<name>.json."""
    payload: dict[str, Any] = json.loads((FIXTURES / f"payload_{name}.json").read_text())
    return payload


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _interactive(payload: dict[str, Any]) -> Body:
    return urlencode({"payload": json.dumps(payload)}), FORM


def socket_mode_payload(body: str, content_type: str) -> dict[str, Any]:
    """The same payload as Socket Mode carries it: the fields of a slash command as a dict, the
    JSON of an interaction or an event."""
    if content_type == JSON:
        return dict(json.loads(body))
    fields = dict(parse_qsl(body, keep_blank_values=True))
    return dict(json.loads(fields["payload"])) if "payload" in fields else fields


# -- requests ---------------------------------------------------------------------------------


def slash_command(
    text: str,
    *,
    user_id: str = "U0SUP",
    team_id: str = "T0001",
    channel_id: str = "D0SUP",
    response_url: str | None = None,
    trigger_id: str | None = None,
) -> Body:
    """/followthrough <text>, typed by user_id."""
    fields = load_payload("slash_command")
    fields.update(
        text=text,
        user_id=user_id,
        user_name=user_id.lower(),
        team_id=team_id,
        channel_id=channel_id,
        channel_name="directmessage" if channel_id.startswith("D") else "general",
    )
    if response_url is not None:
        fields["response_url"] = response_url
    if trigger_id is not None:
        fields["trigger_id"] = trigger_id
    return urlencode(fields), FORM


def block_actions(
    action_id: str,
    value: str,
    *,
    user_id: str = "U0SUP",
    message_ts: str = "1700000000.000100",
    channel_id: str = "D0SUP",
    team_id: str = "T0001",
    response_url: str | None = None,
    trigger_id: str | None = None,
    message_blocks: list[dict[str, Any]] | None = None,
) -> Body:
    """A button press on a message the bot posted. With message_blocks (the blocks the bot
    sent), the action carries the block_id and button text found there; without, the fixture's
    one-button prompt is used."""
    payload = load_payload("block_actions")
    payload["user"].update(id=user_id, username=user_id.lower(), name=user_id.lower())
    payload["user"]["team_id"] = team_id
    payload["team"]["id"] = team_id
    payload["container"].update(message_ts=message_ts, channel_id=channel_id)
    payload["channel"]["id"] = channel_id
    payload["message"].update(ts=message_ts, team=team_id)
    if message_blocks is None:
        payload["message"]["blocks"][1]["elements"][0].update(action_id=action_id, value=value)
    else:
        payload["message"]["blocks"] = message_blocks
    if response_url is not None:
        payload["response_url"] = response_url
    if trigger_id is not None:
        payload["trigger_id"] = trigger_id
    action = payload["actions"][0]
    action.update(action_id=action_id, value=value, action_ts=_now_ts())
    for block in payload["message"]["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                action.update(block_id=block["block_id"], text=element.get("text"))
    return _interactive(payload)


def view_submission(
    callback_id: str,
    private_metadata: str = "",
    values: dict[str, dict[str, Any]] | None = None,
    *,
    user_id: str = "U0SUP",
    team_id: str = "T0001",
) -> Body:
    """A modal submitted. values is {block_id: {action_id: value}}, where a value is the text
    typed into a plain_text_input or a whole element state such as {"type": "static_select", …}.
    Without values, the fixture's one filled-in "note" input is submitted."""
    payload = load_payload("view_submission")
    payload["user"].update(id=user_id, username=user_id.lower(), name=user_id.lower())
    payload["user"]["team_id"] = team_id
    payload["team"]["id"] = team_id
    view = payload["view"]
    view.update(callback_id=callback_id, private_metadata=private_metadata, team_id=team_id)
    if values is not None:
        state = {
            block_id: {
                action_id: value
                if isinstance(value, dict)
                else {"type": "plain_text_input", "value": value}
                for action_id, value in actions.items()
            }
            for block_id, actions in values.items()
        }
        view["state"]["values"] = state
        view["blocks"] = [_input_block(block_id, actions) for block_id, actions in state.items()]
    return _interactive(payload)


def _input_block(block_id: str, actions: dict[str, Any]) -> dict[str, Any]:
    action_id, state = next(iter(actions.items()))
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": block_id, "emoji": True},
        "optional": False,
        "dispatch_action": False,
        "element": {"type": state["type"], "action_id": action_id},
    }


def event_callback(
    event: dict[str, Any], *, team_id: str = "T0001", event_id: str | None = None
) -> Body:
    """The Events API envelope around one event."""
    payload = load_payload("event_callback")
    context = {"et": event["type"], "tid": team_id, "aid": payload["api_app_id"]}
    if "channel" in event:
        context["cid"] = event["channel"]
    encoded = base64.urlsafe_b64encode(json.dumps(context, separators=(",", ":")).encode())
    payload.update(
        event=event,
        team_id=team_id,
        event_id=event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        event_time=int(time.time()),
        event_context=f"4-{encoded.decode().rstrip('=')}",
    )
    payload["authorizations"][0]["team_id"] = team_id
    return json.dumps(payload), JSON


def url_verification(challenge: str) -> Body:
    payload = load_payload("url_verification")
    payload["challenge"] = challenge
    return json.dumps(payload), JSON


# -- events (wrap them with event_callback) ---------------------------------------------------


def message_im(
    text: str,
    *,
    user_id: str = "U0SUP",
    channel: str = "D0SUP",
    ts: str | None = None,
    team_id: str = "T0001",
) -> dict[str, Any]:
    """A message a person typed in their DM with the bot."""
    event = load_payload("message_im")
    ts = ts or _now_ts()
    event.update(
        user=user_id,
        text=text,
        ts=ts,
        event_ts=ts,
        channel=channel,
        team=team_id,
        client_msg_id=str(uuid.uuid4()),
    )
    event["blocks"][0]["elements"][0]["elements"][0]["text"] = text
    return event


def app_home_opened(
    user_id: str = "U0SUP", *, channel: str | None = None, view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The Home tab opened; view is the last published one (Slack omits it before the first)."""
    event = load_payload("app_home_opened")
    event.update(user=user_id, channel=channel or dm_channel(user_id), event_ts=_now_ts())
    if view is not None:
        event["view"] = view
    return event


def tokens_revoked(
    *, bot: list[str] | None = None, oauth: list[str] | None = None
) -> dict[str, Any]:
    """Tokens revoked; Slack lists the user ids whose bot and user (oauth) tokens went."""
    event = load_payload("tokens_revoked")
    event["tokens"] = {"oauth": oauth or [], "bot": ["UBOT"] if bot is None else bot}
    event["event_ts"] = _now_ts()
    return event


def app_uninstalled() -> dict[str, Any]:
    event = load_payload("app_uninstalled")
    event["event_ts"] = _now_ts()
    return event
