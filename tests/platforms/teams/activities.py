"""Inbound Teams activities, shaped exactly as Teams POSTs them to a bot's /api/messages. Each
builder starts from a real-shaped fixture (fixtures/payload_*.json) and changes only what a test
names. Who sends it and where is given by the keywords of `Where`, e.g.

    message("commit 6.b", service_url=connector.url)
    message("digest preview North", conversation_type="channel", mentions=[(BOT_ID, BOT_NAME)])
    message_with_value({"outcome": "done"}, reply_to_id=sent.id, **sender(ana))
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypedDict
from zoneinfo import ZoneInfo

from typing_extensions import Unpack

FIXTURES = Path(__file__).parent / "fixtures"
APP_ID = "bot-app-id"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "Follow-Through"
TENANT_ID = "tenant-1"
# A team's General channel has the team's own id.
TEAM_ID = "19:team-1@thread.tacv2"
TEAM_NAME = "North Region Implementation Team"
SERVICE_URL = "https://smba.trafficmanager.net/amer/"
_IDS = uuid.UUID("8d6c0a52-5f39-4c1e-9a0e-2f4b7c3d1e90")  # namespace for derived ids

ConversationType = Literal["personal", "channel", "groupChat"]
Activity = dict[str, Any]


class Where(TypedDict, total=False):
    """Who sends an activity and where; every key is optional."""

    from_id: str  # "29:1sam"
    from_name: str  # "Sam Rivera"
    aad_object_id: str  # derived from from_id unless given
    conversation_type: ConversationType  # "personal"
    conversation_id: str  # derived from the sender, channel or team unless given
    tenant_id: str
    team_id: str  # for channel activities
    channel_id: str  # defaults to team_id: the General channel
    service_url: str  # where the bot answers: pass connector.url
    locale: str
    timezone: str  # IANA zone, becomes localTimezone and clientInfo.timezone
    bot_id: str
    bot_name: str
    timestamp: datetime


_message_ids = itertools.count(1_795_442_405_123)


def load_payload(name: str) -> Activity:
    """A fresh copy of fixtures/payload_<name>.json."""
    payload: Activity = json.loads((FIXTURES / f"payload_{name}.json").read_text())
    return payload


def aad_object_id_for(user_id: str) -> str:
    """The stable Entra (AAD) object id the builders give a 29: user id."""
    return str(uuid.uuid5(_IDS, user_id))


def personal_conversation_id(user_id: str) -> str:
    """The id of the bot's 1:1 chat with a user; Teams keeps one per user and bot."""
    return "a:1" + uuid.uuid5(_IDS, f"personal/{user_id}").hex


def next_message_id() -> str:
    """A Teams message id: increasing epoch milliseconds, as a string."""
    return str(next(_message_ids))


def teams_member(
    name: str,
    *,
    user_id: str | None = None,
    email: str | None = None,
    aad_object_id: str | None = None,
    tenant_id: str = TENANT_ID,
    user_role: str = "user",
) -> dict[str, Any]:
    """A TeamsChannelAccount as the roster APIs answer it: "Ana Lopez" -> id "29:1ana"."""
    given, _, surname = name.partition(" ")
    user_id = user_id or f"29:1{given.lower()}"
    email = email or f"{name.lower().replace(' ', '.')}@agency.org"
    member: dict[str, Any] = json.loads((FIXTURES / "method_pagedmembers.json").read_text())[
        "members"
    ][0]
    member.update(
        id=user_id,
        name=name,
        aadObjectId=aad_object_id or aad_object_id_for(user_id),
        email=email,
        userPrincipalName=email,
        givenName=given,
        surname=surname or None,
        tenantId=tenant_id,
        userRole=user_role,
    )
    return member


class Sender(TypedDict):
    from_id: str
    from_name: str
    aad_object_id: str


def sender(member: dict[str, Any]) -> Sender:
    """The keywords that make a roster member the sender: message("help", **sender(member))."""
    return Sender(
        from_id=member["id"], from_name=member["name"], aad_object_id=member["aadObjectId"]
    )


def message(
    text: str,
    *,
    mentions: Sequence[tuple[str, str]] = (),
    activity_id: str | None = None,
    **where: Unpack[Where],
) -> Activity:
    """A message typed by a user. Each mention (id, name) becomes a "mention" entity and an
    "<at>name</at>" in the text (put in front unless the text already has it)."""
    activity = load_payload("message")
    activity["id"] = activity_id or next_message_id()
    for _, name in reversed(mentions):
        if f"<at>{name}</at>" not in text:
            text = f"<at>{name}</at> {text}"
    activity["text"] = text
    _place(activity, where)
    if mentions:
        activity["entities"][:0] = [
            {"mentioned": {"id": id_, "name": name}, "text": f"<at>{name}</at>", "type": "mention"}
            for id_, name in mentions
        ]
        # Teams adds the rich form of any formatted message as a text/html attachment.
        html = text
        for index, (_, name) in enumerate(mentions):
            html = html.replace(f"<at>{name}</at>", f'<at id="{index}">{name}</at>')
        activity["attachments"] = [{"contentType": "text/html", "content": f"<p>{html}</p>"}]
    return activity


def message_with_value(
    value: dict[str, Any],
    *,
    reply_to_id: str,
    activity_id: str | None = None,
    **where: Unpack[Where],
) -> Activity:
    """What Action.Submit on a card sends: a message with no text whose value is the action's
    data merged with the card's inputs; reply_to_id is the id of the message with the card."""
    activity = load_payload("message_with_value")
    activity.update(id=activity_id or next_message_id(), replyToId=reply_to_id, value=value)
    _place(activity, where)
    return activity


def invoke_adaptive_card_action(
    verb: str,
    data: dict[str, Any],
    *,
    reply_to_id: str,
    trigger: Literal["manual", "automatic"] = "manual",
    activity_id: str | None = None,
    **where: Unpack[Where],
) -> Activity:
    """What Action.Execute sends: an adaptiveCard/action invoke. Teams waits for the HTTP answer
    to it (200 with an invokeResponse body) and shows an error to the user without one."""
    activity = load_payload("invoke_adaptive_card_action")
    activity.update(
        id=activity_id or f"f:{uuid.uuid4()}",
        replyToId=reply_to_id,
        value={
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": trigger,
        },
    )
    _place(activity, where)
    return activity


def conversation_update_members_added(
    member_ids: Sequence[str],
    *,
    team_name: str = TEAM_NAME,
    activity_id: str | None = None,
    **where: Unpack[Where],
) -> Activity:
    """conversationUpdate with membersAdded. In a team (the default, conversation_type
    "channel") it is a teamMemberAdded event in the channel chosen at install (General unless
    channel_id says otherwise); put BOT_ID in member_ids for the bot's own installation. With
    conversation_type="personal" it is the bot being added to a 1:1 chat: pass [BOT_ID, user]."""
    activity = load_payload("conversation_update_members_added")
    activity["id"] = activity_id or f"f:{uuid.uuid4()}"
    where.setdefault("conversation_type", "channel")
    _place(activity, where)
    activity["membersAdded"] = [
        {"id": id_} if id_.startswith("28:") else {"id": id_, "aadObjectId": aad_object_id_for(id_)}
        for id_ in member_ids
    ]
    if where["conversation_type"] == "channel":
        data = activity["channelData"]
        # The event names the channel under settings, and the team in full.
        data["settings"] = {"selectedChannel": data.pop("channel")}
        data["team"].update(name=team_name, aadGroupId=_aad_group_id(data["team"]["id"]))
        data["eventType"] = "teamMemberAdded"
    return activity


def installation_update(
    action: Literal["add", "remove", "add-upgrade", "remove-upgrade"] = "add",
    *,
    team_name: str = TEAM_NAME,
    activity_id: str | None = None,
    **where: Unpack[Where],
) -> Activity:
    """installationUpdate: the app was added to (or removed from) a team, by default, or a
    personal scope with conversation_type="personal"."""
    activity = load_payload("installation_update")
    activity.update(id=activity_id or f"f:{uuid.uuid4()}", action=action)
    where.setdefault("conversation_type", "channel")
    _place(activity, where)
    if where["conversation_type"] == "channel":
        data = activity["channelData"]
        data["settings"] = {"selectedChannel": dict(data["channel"])}
        data["team"].update(name=team_name, aadGroupId=_aad_group_id(data["team"]["id"]))
    return activity


def _place(activity: Activity, where: Where) -> None:
    """Fills in sender, recipient, conversation, channelData, locale and timestamps."""
    kind = where.get("conversation_type", "personal")
    from_id = where.get("from_id", "29:1sam")
    tenant_id = where.get("tenant_id", TENANT_ID)
    team_id = where.get("team_id", TEAM_ID)
    channel_id = where.get("channel_id", team_id)
    zone = where.get("timezone", "America/New_York")
    locale = where.get("locale", "en-US")
    when = where.get("timestamp") or datetime.now(UTC)
    is_message = activity["type"] == "message"

    activity["serviceUrl"] = where.get("service_url", SERVICE_URL)
    # Teams names the sender of messages and invokes, and gives only ids on events.
    activity["from"] = {
        "id": from_id,
        "aadObjectId": where.get("aad_object_id") or aad_object_id_for(from_id),
    }
    if activity["type"] in ("message", "invoke"):
        activity["from"]["name"] = where.get("from_name", "Sam Rivera")
    activity["recipient"] = {
        "id": where.get("bot_id", BOT_ID),
        "name": where.get("bot_name", BOT_NAME),
    }
    activity["timestamp"] = _iso(when.astimezone(UTC)).replace("+00:00", "Z")
    if "localTimestamp" in activity:
        activity["localTimestamp"] = _iso(when.astimezone(ZoneInfo(zone)))
    if "localTimezone" in activity:
        activity["localTimezone"] = zone
    if "locale" in activity:
        activity["locale"] = locale
    for entity in activity.get("entities", []):
        if entity.get("type") == "clientInfo":
            entity["locale"] = locale
            if "timezone" in entity:
                entity["timezone"] = zone

    conversation: dict[str, Any] = {"conversationType": kind, "tenantId": tenant_id}
    # Of the fixture's channelData only what a card press adds (source, legacy) is kept.
    old = activity.get("channelData", {})
    data: dict[str, Any] = {k: old[k] for k in ("source", "legacy") if k in old}
    if kind == "personal":
        conversation["id"] = where.get("conversation_id") or personal_conversation_id(from_id)
    elif kind == "groupChat":
        conversation.update(isGroup=True, id=where.get("conversation_id", "19:group-1@thread.v2"))
    else:
        # A channel post starts a thread, "<channel>;messageid=<post id>", and a card press
        # comes from the thread of the card.
        root = activity.get("replyToId") or (activity["id"] if is_message else None)
        thread = f"{channel_id};messageid={root}" if root else channel_id
        conversation.update(isGroup=True, id=where.get("conversation_id", thread))
        if is_message:
            data.update(teamsChannelId=channel_id, teamsTeamId=team_id)
        data.update(channel={"id": channel_id}, team={"id": team_id})
    data["tenant"] = {"id": tenant_id}
    activity["conversation"] = conversation
    activity["channelData"] = data


def _aad_group_id(team_id: str) -> str:
    return str(uuid.uuid5(_IDS, f"team/{team_id}"))


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")
