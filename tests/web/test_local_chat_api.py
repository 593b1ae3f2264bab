"""The local chat as its page uses it: `/local` and the JSON routes under `/local/api/`, on a
real web app and a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.platforms.local.web import PAGE
from bot.store.models import (
    LocalMessage,
    Person,
    Record,
    Support,
    Team,
    Workspace,
)
from tests.conftest import NOW
from tests.web.local_chat import ADMIN, SAM, LocalChat

PROMPT_ACTIONS = [
    "answer.done",
    "answer.partly",
    "answer.not_this_week",
    "snooze",
    "note",
    "share",
    "run",
]


@pytest.fixture
async def chat(fresh_url: str, open_chat: Callable[..., Awaitable[LocalChat]]) -> LocalChat:
    return await open_chat(fresh_url)


async def prompt_sam(chat: LocalChat) -> tuple[int, int, dict[str, Any]]:
    """Enroll Sam, commit to 6.a, send a prompt now and run one scheduling pass: Sam's id,
    Avery's id and the prompt as it sits in Sam's conversation."""
    avery = await chat.join(ADMIN)
    assert (await chat.say(avery, f"leader add {SAM} role=supervisor"))["ok"]
    sam = await chat.join(SAM)
    assert (await chat.say(sam, "commit 6.a"))["ok"]
    assert (await chat.say(avery, f"send-now {SAM}"))["ok"]
    await chat.services.scheduling().tick()
    prompts = [m for m in await chat.messages(sam) if m["kind"] == "prompt"]
    assert len(prompts) == 1
    return sam, avery, prompts[0]


def prompt_value(prompt: dict[str, Any]) -> str:
    return str(prompt["message"]["buttons"][0]["value"])


# The page


async def test_the_root_redirects_to_the_local_chat(chat: LocalChat) -> None:
    response = await chat.client.get("/", allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"] == "/local"


async def test_local_serves_the_chat_page(chat: LocalChat) -> None:
    response = await chat.client.get("/local")

    assert response.status == 200
    assert response.content_type == "text/html"
    assert "<title>Follow-Through" in await response.text()


async def test_the_page_loads_nothing_from_another_site(chat: LocalChat) -> None:
    page = await (await chat.client.get("/local")).text()

    linked = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page, re.IGNORECASE)
    linked += re.findall(r"""url\(\s*["']?([^"')\s]+)""", page, re.IGNORECASE)
    linked += re.findall(r"""@import\s+["']([^"']+)""", page, re.IGNORECASE)
    # The checks below look at a real page, with its script and styles inline.
    assert "<script>" in page
    assert "<style>" in page
    assert not [url for url in linked if re.match(r"(?i)(https?:)?//", url)]
    assert not re.search(r"(?i)<(script|link)[^>]+(src|href)\s*=\s*[\"']?(https?:)?//", page)


# Joining and the people list


async def test_joining_creates_a_person_once(chat: LocalChat) -> None:
    first = await chat.join(SAM)
    again = await chat.join(SAM)
    shouted = await chat.join("Sam@Agency.org")

    assert first == again == shouted
    assert chat.count(Person) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"sam@agency.org", id="not JSON"),
        pytest.param(b'["sam@agency.org"]', id="a list"),
        pytest.param(b"{}", id="no user"),
        pytest.param(b'{"user": ""}', id="empty user"),
        pytest.param(b'{"user": "   "}', id="blank user"),
        pytest.param(b'{"user": "sam rivera"}', id="user with a space"),
        pytest.param(b'{"user": "' + b"a" * 201 + b'"}', id="user too long"),
    ],
)
async def test_joining_with_a_bad_body_is_400_and_creates_nobody(
    chat: LocalChat, body: bytes
) -> None:
    response = await chat.client.post(
        "/local/api/people", data=body, headers={"Content-Type": "application/json"}
    )

    assert response.status == 400
    assert chat.count(Person) == 0


async def test_joining_as_a_null_user_is_400(chat: LocalChat) -> None:
    response = await chat.client.post("/local/api/people", json={"user": None})

    assert response.status == 400
    assert chat.count(Person) == 0


async def test_the_people_list_shows_roles_admins_and_teams(chat: LocalChat) -> None:
    avery = await chat.join(ADMIN)
    assert (await chat.say(avery, f"leader add {SAM} role=supervisor"))["ok"]
    assert (await chat.say(avery, "team add North #north"))["ok"]
    await chat.join("lee@agency.org")

    response = await chat.client.get("/local/api/people")

    assert response.status == 200
    listed = await response.json()
    people = {p["user_id"]: p for p in listed["people"]}
    assert set(people) == {ADMIN, SAM, "lee@agency.org"}
    assert people[ADMIN]["id"] == avery
    assert (people[ADMIN]["role"], people[ADMIN]["admin"]) == (None, True)
    assert (people[SAM]["role"], people[SAM]["admin"]) == ("supervisor", False)
    assert (people["lee@agency.org"]["role"], people["lee@agency.org"]["admin"]) == (None, False)
    assert all(p["name"] for p in listed["people"])
    [north] = listed["teams"]
    assert north["name"] == "North"
    assert north["channel"].lstrip("#") == "north"


async def test_the_people_list_starts_empty_and_names_who_to_join_as(chat: LocalChat) -> None:
    response = await chat.client.get("/local/api/people")

    # The empty page offers to join as the admin FOLLOWTHROUGH_ADMINS names.
    assert await response.json() == {"people": [], "teams": [], "admins": [ADMIN]}


# Saying things


async def test_a_commands_reply_follows_the_persons_own_message(chat: LocalChat) -> None:
    sam = await chat.join(SAM)

    said = await chat.say(sam, "help")

    assert said == {"ok": True}
    mine, reply = await chat.messages(sam)
    assert (mine["sender"], mine["kind"], mine["message"]["text"]) == ("person", "message", "help")
    assert (reply["sender"], reply["kind"]) == ("bot", "reply")
    assert reply["id"] > mine["id"]
    assert "commit" in reply["message"]["text"] + " ".join(reply["message"]["items"])
    assert reply["message"]["ok"] is True


async def test_an_admin_renames_a_team_in_the_people_list(chat: LocalChat) -> None:
    avery = await chat.join(ADMIN)
    await chat.say(avery, "team add North #north")

    assert (await chat.say(avery, 'team rename North "North Region"'))["ok"]
    assert (await chat.say(avery, 'team channel "North Region" #leads'))["ok"]

    listed = await (await chat.client.get("/local/api/people")).json()
    [team] = listed["teams"]
    assert team["name"] == "North Region"
    assert team["channel"].lstrip("#") == "leads"


async def test_a_behavior_in_full_comes_with_its_fields_and_items(chat: LocalChat) -> None:
    sam = await chat.join(SAM)

    await chat.say(sam, "behavior 4.a")

    _, reply = await chat.messages(sam)
    message = reply["message"]
    assert message["title"].startswith("4.a Participate with staff on implementation")
    assert "Impact on staff" in [label for label, _ in message["fields"]]
    assert message["items"][0].startswith("4.a.i (supervisor)")


async def test_a_manager_reads_reports_in_the_local_chat(chat: LocalChat) -> None:
    avery = await chat.join(ADMIN)
    for said in (
        "leader add morgan@agency.org role=manager",
        f"leader add {SAM} role=supervisor reports-to=morgan@agency.org",
    ):
        assert (await chat.say(avery, said))["ok"], said
    morgan = await chat.join("morgan@agency.org")

    assert (await chat.say(morgan, "reports"))["ok"]

    _, reply = await chat.messages(morgan)
    assert reply["message"]["title"] == "Your reports"
    assert reply["message"]["items"][0].startswith("sam — supervisor · no commitments")


async def test_a_manager_follows_up_on_a_barrier_summary_in_the_local_chat(
    chat: LocalChat,
) -> None:
    avery = await chat.join(ADMIN)
    for said in (
        "leader add morgan@agency.org role=manager",
        f"leader add {SAM} role=supervisor reports-to=morgan@agency.org",
    ):
        assert (await chat.say(avery, said))["ok"], said
    morgan = await chat.join("morgan@agency.org")
    sam = await chat.join(SAM)
    now = chat.services.clock.now()
    with chat.services.sessions.begin() as session:
        session.add(
            Record(
                person_id=sam,
                behavior_id="6.a",
                outcome="not_this_week",
                barrier="Court all week",
                source="button",
                created_at=now,
            )
        )
    monday = now.replace(hour=9, minute=30) + timedelta(days=7 - now.weekday())
    assert (await chat.services.scheduling().tick(monday)).delivered.summaries == 1

    (summary,) = await chat.messages(morgan)
    (button,) = summary["message"]["buttons"]
    assert button["label"] == "Follow up: Court and legal"
    pressed = await chat.press(morgan, summary["id"], button["action"], button["value"])

    assert pressed == {"ok": True}
    _, reply = await chat.messages(morgan)
    assert reply["message"]["text"].startswith("Noted: you followed up on 1 barrier")
    assert chat.count(Support) == 1


async def test_home_and_the_lengths_in_the_local_chat(chat: LocalChat) -> None:
    avery = await chat.join(ADMIN)
    assert (await chat.say(avery, f"leader add {SAM} role=supervisor"))["ok"]
    assert (await chat.say(avery, "snooze-length 1d"))["ok"]
    assert (await chat.say(avery, "expiry 2d"))["ok"]
    sam = await chat.join(SAM)
    assert (await chat.say(sam, "commit 6.a"))["ok"]

    assert (await chat.say(sam, "home"))["ok"]

    home = (await chat.messages(sam))[-1]["message"]
    assert home["title"] == "Hi sam"
    assert [b["label"] for b in home["buttons"]] == ["Drop 6.a", "Add a commitment"]
    with chat.services.sessions() as session:
        place = session.scalars(select(Workspace)).one()
        assert (place.snooze_minutes, place.expiry_hours) == (24 * 60, 48)


@pytest.mark.parametrize(
    ("speaker", "command"),
    [
        pytest.param(SAM, "leader add lee@agency.org role=supervisor", id="admin-only"),
        pytest.param(ADMIN, "leader add lee@agency.org role=wizard", id="bad role"),
        pytest.param(ADMIN, "team add North", id="missing channel"),
        pytest.param(SAM, "behavior 4.z", id="unknown behavior"),
        pytest.param(ADMIN, "team rename Nowhere Somewhere", id="unknown team"),
        pytest.param(SAM, "cadence clear default", id="cadence clear, admin-only"),
        pytest.param(SAM, f"leader reports-to {SAM} none", id="reports-to, admin-only"),
        pytest.param(ADMIN, f"leader reports-to {SAM}", id="reports-to without a manager"),
        pytest.param(SAM, "reports", id="reports with nobody under"),
        pytest.param(SAM, "commit role:director 4.a.vi", id="assigning, admin-only"),
        pytest.param(ADMIN, "commit role:director 4.a.vi", id="assigning to nobody"),
        pytest.param(ADMIN, "drop team:North", id="drop for a team without an id"),
        pytest.param(ADMIN, "snooze-length 5m", id="snooze length too short"),
        pytest.param(SAM, "expiry 2d", id="expiry, admin-only"),
        pytest.param(ADMIN, "expiry soon", id="expiry not a duration"),
        pytest.param(SAM, "home please", id="home takes nothing after it"),
        pytest.param(ADMIN, "frobnicate everything", id="unknown command"),
    ],
)
async def test_a_refused_command_says_so_and_changes_nothing(
    chat: LocalChat, speaker: str, command: str
) -> None:
    await chat.join(ADMIN)
    person = await chat.join(speaker)
    before = chat.counts()

    said = await chat.say(person, command)

    assert said == {"ok": False}
    assert chat.counts() == before
    mine, reply = await chat.messages(person)
    assert mine["message"]["text"] == command
    assert reply["message"]["ok"] is False
    assert reply["message"]["text"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"help", id="not JSON"),
        pytest.param(b'[1, "help"]', id="a list"),
        pytest.param(b'{"text": "help"}', id="missing person"),
        pytest.param(b'{"person": "PERSON", "text": "help"}', id="person as a string"),
        pytest.param(b'{"person": 1.5, "text": "help"}', id="person as a float"),
        pytest.param(b'{"person": PERSON}', id="missing text"),
        pytest.param(b'{"person": PERSON, "text": ""}', id="empty text"),
        pytest.param(b'{"person": PERSON, "text": "  \\n "}', id="blank text"),
        pytest.param(b'{"person": PERSON, "text": "' + b"a" * 5000 + b'"}', id="5000 chars"),
    ],
)
async def test_saying_with_a_bad_body_is_400_and_records_nothing(
    chat: LocalChat, body: bytes
) -> None:
    sam = await chat.join(SAM)
    before = chat.count(LocalMessage)

    response = await chat.client.post(
        "/local/api/say",
        data=body.replace(b"PERSON", str(sam).encode()),
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 400
    assert chat.count(LocalMessage) == before


async def test_saying_null_text_is_400(chat: LocalChat) -> None:
    sam = await chat.join(SAM)

    response = await chat.client.post("/local/api/say", json={"person": sam, "text": None})

    assert response.status == 400
    assert chat.count(LocalMessage) == 0


async def test_saying_as_person_true_is_400(chat: LocalChat) -> None:
    await chat.join(ADMIN)  # person 1 on a fresh database

    response = await chat.client.post("/local/api/say", json={"person": True, "text": "help"})

    assert response.status == 400
    assert chat.count(LocalMessage) == 0


async def test_saying_as_an_unknown_person_is_404(chat: LocalChat) -> None:
    sam = await chat.join(SAM)

    response = await chat.client.post("/local/api/say", json={"person": sam + 100, "text": "help"})

    assert response.status == 404
    assert chat.count(LocalMessage) == 0


async def test_saying_as_someone_from_another_platform_is_404(chat: LocalChat) -> None:
    with chat.services.sessions.begin() as session:
        now = chat.services.clock.now()
        slack = Workspace(platform="slack", external_id="T1", name="Agency", created_at=now)
        session.add(slack)
        session.flush()
        outsider = Person(
            workspace_id=slack.id, platform_user_id="U1", display_name="Sam", created_at=now
        )
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id

    response = await chat.client.post(
        "/local/api/say", json={"person": outsider_id, "text": "help"}
    )

    assert response.status == 404
    assert chat.count(LocalMessage) == 0


# Prompts and the buttons on them


async def test_a_scheduling_pass_puts_the_prompt_in_the_leaders_conversation(
    chat: LocalChat,
) -> None:
    sam, avery, prompt = await prompt_sam(chat)

    assert prompt["sender"] == "bot"
    assert "6.a" in prompt["message"]["title"]
    buttons = prompt["message"]["buttons"]
    assert [b["action"] for b in buttons] == PROMPT_ACTIONS
    assert [b["label"] for b in buttons] == [
        "Done",
        "Partly",
        "Not this week",
        "Snooze",
        "Add a note",
        "Share with implementation team",
        "About 6.a",
    ]
    assert len({b["value"] for b in buttons[:-1]}) == 1
    assert buttons[-1]["value"] == "behavior 6.a"
    assert not [m for m in await chat.messages(avery) if m["kind"] == "prompt"]
    assert prompt["id"] == max(m["id"] for m in await chat.messages(sam))


async def test_about_on_a_prompt_shows_the_behavior_in_full_and_records_nothing(
    chat: LocalChat,
) -> None:
    sam, _, prompt = await prompt_sam(chat)
    about = prompt["message"]["buttons"][-1]

    pressed = await chat.press(sam, prompt["id"], about["action"], about["value"])

    assert pressed == {"ok": True}
    page = (await chat.messages(sam))[-1]["message"]
    assert page["title"].startswith("6.a ")
    assert "Impact on staff" in [label for label, _ in page["fields"]]
    assert chat.records() == []


async def test_a_run_button_runs_only_what_reads_the_catalog(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)
    before = chat.counts()

    for value in ("commit 6.b", "leader add lee@agency.org role=director", "behavior 6.z"):
        assert await chat.press(sam, prompt["id"], "run", value) == {"ok": False}

    assert chat.counts() == before


async def test_pressing_done_records_once_and_redraws_the_prompt_in_place(
    chat: LocalChat,
) -> None:
    sam, _, prompt = await prompt_sam(chat)

    pressed = await chat.press(sam, prompt["id"], "answer.done", prompt_value(prompt))

    assert pressed == {"ok": True}
    [record] = chat.records()
    assert (record.behavior_id, record.outcome, record.source) == ("6.a", "done", "button")
    after = await chat.messages(sam)
    redrawn = next(m for m in after if m["id"] == prompt["id"])
    assert redrawn["kind"] == "prompt"
    assert "Recorded: Done" in redrawn["message"]["text"]
    assert len([m for m in after if m["kind"] == "prompt"]) == 1
    reply = after[-1]
    assert (reply["sender"], reply["kind"]) == ("bot", "reply")
    assert reply["id"] > prompt["id"]

    again = await chat.press(sam, prompt["id"], "answer.done", prompt_value(prompt))

    assert again["ok"] is True
    assert chat.count(Record) == 1


async def test_the_card_shows_the_answer_chosen_and_a_changed_one(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)

    def answers(message: dict[str, Any]) -> dict[str, tuple[bool, str]]:
        return {
            b["label"]: (b["chosen"], b["style"])
            for b in message["buttons"]
            if b["action"].startswith("answer.")
        }

    assert answers(prompt["message"]) == {
        "Done": (False, "primary"),  # the likely answer stands out before any is given
        "Partly": (False, "default"),
        "Not this week": (False, "default"),
    }
    await chat.press(sam, prompt["id"], "answer.partly", prompt_value(prompt))
    redrawn = next(m for m in await chat.messages(sam) if m["id"] == prompt["id"])
    assert answers(redrawn["message"]) == {
        "Done": (False, "default"),
        "Partly": (True, "primary"),
        "Not this week": (False, "default"),
    }

    await chat.press(sam, prompt["id"], "answer.done", prompt_value(prompt))
    redrawn = next(m for m in await chat.messages(sam) if m["id"] == prompt["id"])
    assert answers(redrawn["message"])["Done"] == (True, "primary")
    assert answers(redrawn["message"])["Partly"] == (False, "default")


async def test_a_shared_note_shows_in_the_team_channel_at_once_and_only_once(
    chat: LocalChat,
) -> None:
    sam, avery, prompt = await prompt_sam(chat)
    assert (await chat.say(avery, "team add North #north"))["ok"]
    assert (await chat.say(avery, f"team members North add {SAM}"))["ok"]
    with chat.services.sessions() as session:
        north = session.scalars(select(Team)).one().id

    async def channel() -> list[dict[str, Any]]:
        response = await chat.client.get(f"/local/api/conversations/team:{north}")
        return list((await response.json())["messages"])

    await chat.press(sam, prompt["id"], "answer.done", prompt_value(prompt))
    assert await channel() == []  # an answer alone is not shared

    await chat.press(sam, prompt["id"], "share", prompt_value(prompt), "Thanked Jo by name")
    [shared] = await channel()
    assert shared["kind"] == "shared"
    assert shared["message"]["title"] == "sam shared a note"  # the name the local chat knows
    assert shared["message"]["text"] == "Thanked Jo by name"
    assert ["Answer", "Done"] in shared["message"]["fields"]

    await chat.press(sam, prompt["id"], "note", prompt_value(prompt), "Thanked Jo and Ana")
    [shared] = await channel()  # the same message, redrawn
    assert shared["message"]["text"] == "Thanked Jo and Ana"
    assert chat.count(Record) == 1


async def test_a_snoozed_card_says_until_when_and_can_still_be_answered(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)

    pressed = await chat.press(sam, prompt["id"], "snooze", prompt_value(prompt))

    assert pressed["ok"] is True
    redrawn = next(m for m in await chat.messages(sam) if m["id"] == prompt["id"])
    back = (NOW + timedelta(hours=4)).strftime("%a %d %b at %H:%M")
    assert f"Snoozed: I'll ask again {back}. You can answer now too." in redrawn["message"]["text"]
    actions = [b["action"] for b in redrawn["message"]["buttons"]]
    assert "snooze" not in actions
    assert "answer.done" in actions
    assert chat.records() == []


async def test_not_this_week_with_text_records_the_barrier(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)

    pressed = await chat.press(
        sam, prompt["id"], "answer.not_this_week", prompt_value(prompt), "Short-staffed all week"
    )

    assert pressed["ok"] is True
    [record] = chat.records()
    assert (record.outcome, record.barrier, record.note) == (
        "not_this_week",
        "Short-staffed all week",
        None,
    )
    redrawn = next(m for m in await chat.messages(sam) if m["id"] == prompt["id"])
    assert "Recorded: Not this week" in redrawn["message"]["text"]


async def test_add_a_note_keeps_it_until_the_leader_picks_the_outcome(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)

    pressed = await chat.press(
        sam, prompt["id"], "note", prompt_value(prompt), "Thanked Jo by name at standup"
    )

    assert pressed["ok"] is True
    assert chat.records() == []
    redrawn = next(m for m in await chat.messages(sam) if m["id"] == prompt["id"])
    assert ["Your note (not recorded yet)", "Thanked Jo by name at standup"] in redrawn["message"][
        "fields"
    ]
    await chat.press(sam, prompt["id"], "answer.done", prompt_value(prompt))
    [record] = chat.records()
    assert (record.outcome, record.note) == ("done", "Thanked Jo by name at standup")
    redrawn = next(m for m in await chat.messages(sam) if m["id"] == prompt["id"])
    assert ["Note", "Thanked Jo by name at standup"] in redrawn["message"]["fields"]


async def test_pressing_on_a_message_in_someone_elses_conversation_is_404(
    chat: LocalChat,
) -> None:
    _, avery, prompt = await prompt_sam(chat)

    response = await chat.client.post(
        "/local/api/press",
        json={
            "person": avery,
            "message": prompt["id"],
            "action": "answer.done",
            "value": prompt_value(prompt),
        },
    )

    assert response.status == 404
    assert chat.count(Record) == 0


async def test_pressing_on_a_message_that_does_not_exist_is_404(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)

    response = await chat.client.post(
        "/local/api/press",
        json={
            "person": sam,
            "message": prompt["id"] + 1000,
            "action": "answer.done",
            "value": prompt_value(prompt),
        },
    )

    assert response.status == 404
    assert chat.count(Record) == 0


async def test_pressing_as_an_unknown_person_is_404(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)

    response = await chat.client.post(
        "/local/api/press",
        json={
            "person": sam + 1000,
            "message": prompt["id"],
            "action": "answer.done",
            "value": prompt_value(prompt),
        },
    )

    assert response.status == 404
    assert chat.count(Record) == 0


@pytest.mark.parametrize(
    ("change", "why"),
    [
        pytest.param({"message": "MESSAGE"}, "message as a string", id="message as a string"),
        pytest.param({"message": None}, "no message", id="null message"),
        pytest.param({"person": "PERSON"}, "person as a string", id="person as a string"),
        pytest.param({"text": "n" * 2001}, "note too long", id="note of 2001 chars"),
        pytest.param({"text": 42}, "note not text", id="note as a number"),
    ],
)
async def test_pressing_with_a_bad_body_is_400_and_records_nothing(
    chat: LocalChat, change: dict[str, Any], why: str
) -> None:
    sam, _, prompt = await prompt_sam(chat)
    body: dict[str, Any] = {
        "person": sam,
        "message": prompt["id"],
        "action": "note",
        "value": prompt_value(prompt),
        "text": "fine",
    }
    for key, value in change.items():
        body[key] = {"MESSAGE": str(prompt["id"]), "PERSON": str(sam)}.get(value, value)

    response = await chat.client.post("/local/api/press", json=body)

    assert response.status == 400, why
    assert chat.count(Record) == 0


async def test_pressing_with_a_malformed_body_is_400(chat: LocalChat) -> None:
    for body in (b"done", b"[]"):
        response = await chat.client.post(
            "/local/api/press", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status == 400


async def test_a_note_of_2000_chars_is_accepted(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)

    pressed = await chat.press(sam, prompt["id"], "note", prompt_value(prompt), "n" * 2000)
    await chat.press(sam, prompt["id"], "answer.partly", prompt_value(prompt))

    assert pressed["ok"] is True
    [record] = chat.records()
    assert record.note == "n" * 2000


async def test_a_button_pointing_at_someone_elses_prompt_is_refused(chat: LocalChat) -> None:
    """The message is Avery's own, but the value names Sam's prompt: refused, no record."""
    _, avery, prompt = await prompt_sam(chat)
    await chat.say(avery, "help")
    own = (await chat.messages(avery))[-1]

    pressed = await chat.press(avery, own["id"], "answer.done", prompt_value(prompt))

    assert pressed == {"ok": False}
    assert chat.count(Record) == 0


async def test_free_text_on_an_open_prompt_is_its_note_and_the_leader_picks_the_outcome(
    chat: LocalChat,
) -> None:
    sam, _, prompt = await prompt_sam(chat)

    said = await chat.say(sam, "Thanked Jo by name at our team huddle")

    assert said == {"ok": True}
    assert chat.records() == []
    reply = (await chat.messages(sam))[-1]
    buttons = reply["message"]["buttons"]
    assert [(b["label"], b["value"]) for b in buttons] == [
        ("Done", prompt_value(prompt)),
        ("Partly", prompt_value(prompt)),
        ("Not this week", prompt_value(prompt)),
    ]
    await chat.press(sam, reply["id"], "answer.partly", prompt_value(prompt))
    shown = {m["id"]: m["message"] for m in await chat.messages(sam)}
    assert "Recorded: Partly" in shown[prompt["id"]]["text"]  # the prompt itself is redrawn
    assert shown[reply["id"]]["buttons"] == []  # the question's buttons have done their work
    [record] = chat.records()
    assert (record.behavior_id, record.outcome, record.note) == (
        "6.a",
        "partly",
        "Thanked Jo by name at our team huddle",
    )
    assert record.prompt_id == int(prompt_value(prompt))


@pytest.mark.parametrize(
    "typed", ["comit 6.a", "history abc", "timezone Mars/Base", "hello there", "6.a was good"]
)
async def test_typos_and_chatter_after_the_prompt_expired_record_nothing(
    chat: LocalChat, typed: str
) -> None:
    sam, _, _prompt = await prompt_sam(chat)
    await chat.services.scheduling().tick(NOW + timedelta(days=3))

    said = await chat.say(sam, typed)

    assert said == {"ok": False}
    assert chat.records() == []
    reply = (await chat.messages(sam))[-1]
    assert "Got it" not in reply["message"]["text"]


# Polling a conversation


async def test_after_returns_only_newer_messages(chat: LocalChat) -> None:
    sam = await chat.join(SAM)
    await chat.say(sam, "help")
    seen = max(m["id"] for m in await chat.messages(sam))

    assert await chat.messages(sam, after=seen) == []

    await chat.say(sam, "commitments")
    newer = await chat.messages(sam, after=seen)

    assert [m["sender"] for m in newer] == ["person", "bot"]
    assert newer[0]["message"]["text"] == "commitments"
    assert all(m["id"] > seen for m in newer)


async def test_after_also_returns_a_prompt_redrawn_since(chat: LocalChat) -> None:
    sam, _, prompt = await prompt_sam(chat)
    seen = max(m["id"] for m in await chat.messages(sam))

    await chat.press(sam, prompt["id"], "answer.partly", prompt_value(prompt))
    newer = await chat.messages(sam, after=seen)

    ids = [m["id"] for m in newer]
    assert prompt["id"] in ids
    assert all(i > seen for i in ids if i != prompt["id"])
    redrawn = next(m for m in newer if m["id"] == prompt["id"])
    assert "Recorded: Partly" in redrawn["message"]["text"]


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", ""])
async def test_after_that_is_not_a_message_id_is_400(chat: LocalChat, after: str) -> None:
    sam = await chat.join(SAM)

    response = await chat.client.get(f"/local/api/conversations/dm:{sam}?after={after}")

    assert response.status == 400


async def test_a_conversation_is_only_its_own_messages(chat: LocalChat) -> None:
    sam = await chat.join(SAM)
    lee = await chat.join("lee@agency.org")
    await chat.say(sam, "help")

    assert await chat.messages(lee) == []
    assert len(await chat.messages(sam)) == 2


# Run modes


@pytest.mark.parametrize("path", ["/", "/local", "/local/api/people"])
async def test_with_a_slack_token_the_local_chat_is_not_served(
    fresh_url: str, open_chat: Callable[..., Awaitable[LocalChat]], path: str
) -> None:
    chat = await open_chat(fresh_url, slack_bot_token="xoxb-test", slack_signing_secret="secret")

    response = await chat.client.get(path, allow_redirects=False)

    assert response.status == 404
    assert (await chat.client.get("/healthz")).status == 200


# Other sites and other addresses (docs/security.md, finding 3)


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("text/plain", id="text/plain (a no-cors fetch)"),
        pytest.param("application/x-www-form-urlencoded", id="a form"),
        pytest.param("multipart/form-data; boundary=x", id="a multipart form"),
        pytest.param(None, id="none"),
    ],
)
@pytest.mark.parametrize("path", ["/local/api/say", "/local/api/people", "/local/api/press"])
async def test_a_post_that_is_not_json_is_415_and_changes_nothing(
    chat: LocalChat, content_type: str | None, path: str
) -> None:
    """What another site's page can send without asking the browser's permission (a form, or
    fetch with mode no-cors) is never application/json."""
    sam = await chat.join(SAM)
    before = (chat.counts(), chat.count(LocalMessage))
    body = {"person": sam, "text": "commit 6.a", "user": ADMIN, "message": 1}
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = await chat.client.post(
        path,
        data=json.dumps(body).encode(),
        headers=headers,
        skip_auto_headers=["Content-Type"],
    )

    assert response.status == 415
    assert "application/json" in await response.text()
    assert (chat.counts(), chat.count(LocalMessage)) == before


async def test_json_with_a_charset_is_json(chat: LocalChat) -> None:
    response = await chat.client.post(
        "/local/api/people",
        data=json.dumps({"user": SAM}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status == 200


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://attacker.example", id="another site"),
        pytest.param("http://localhost:1", id="another port"),
        pytest.param("null", id="a sandboxed frame or file"),
    ],
)
async def test_a_request_from_another_site_is_403_and_changes_nothing(
    chat: LocalChat, origin: str
) -> None:
    sam = await chat.join(SAM)
    before = (chat.counts(), chat.count(LocalMessage))

    said = await chat.client.post(
        "/local/api/say", json={"person": sam, "text": "help"}, headers={"Origin": origin}
    )
    joined = await chat.client.post(
        "/local/api/people", json={"user": ADMIN}, headers={"Origin": origin}
    )
    listed = await chat.client.get("/local/api/people", headers={"Origin": origin})

    assert [said.status, joined.status, listed.status] == [403, 403, 403]
    assert "another site" in await said.text()
    assert (chat.counts(), chat.count(LocalMessage)) == before


async def test_a_request_from_the_page_itself_names_its_own_origin(chat: LocalChat) -> None:
    sam = await chat.join(SAM)
    host = f"{chat.client.host}:{chat.client.port}"

    response = await chat.client.post(
        "/local/api/say",
        json={"person": sam, "text": "help"},
        headers={"Origin": f"http://{host}"},
    )

    assert response.status == 200


FOREIGN_HOSTS = [
    pytest.param("attacker.example", id="another name"),
    pytest.param("attacker.example:3978", id="another name with a port"),
    pytest.param("127.0.0.1.attacker.example", id="a name starting with 127.0.0.1"),
    pytest.param("localhost.attacker.example:80", id="a name starting with localhost"),
    pytest.param("0.0.0.0:3978", id="the wildcard address"),
    pytest.param("evil@127.0.0.1", id="not a host name"),
]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
async def test_a_request_naming_another_host_is_refused_and_changes_nothing(
    chat: LocalChat, host: str
) -> None:
    """DNS rebinding: another site's name re-pointed at 127.0.0.1 arrives with that name."""
    sam = await chat.join(SAM)
    before = (chat.counts(), chat.count(LocalMessage))

    page = await chat.client.get("/local", headers={"Host": host})
    listed = await chat.client.get("/local/api/people", headers={"Host": host})
    said = await chat.client.post(
        "/local/api/say", json={"person": sam, "text": "help"}, headers={"Host": host}
    )

    assert [page.status, listed.status, said.status] == [421, 421, 421]
    assert "127.0.0.1" in await said.text()
    assert "Follow-Through" not in await page.text()
    assert (chat.counts(), chat.count(LocalMessage)) == before


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:3978", "127.0.0.1", "127.0.0.1:8080", "[::1]", "[::1]:3978"]
)
async def test_this_machines_names_are_answered(chat: LocalChat, host: str) -> None:
    response = await chat.client.get("/local/api/people", headers={"Host": host})

    assert response.status == 200


@pytest.mark.parametrize(
    ("settings", "host"),
    [
        ({"public_url": "https://ft.agency.gov/"}, "ft.agency.gov"),
        ({"public_url": "http://chat.lan:3978"}, "chat.lan:3978"),
        ({"host": "192.0.2.10"}, "192.0.2.10:3978"),
    ],
)
async def test_the_configured_address_is_answered(
    fresh_url: str,
    open_chat: Callable[..., Awaitable[LocalChat]],
    settings: dict[str, str],
    host: str,
) -> None:
    chat = await open_chat(fresh_url, **settings)

    response = await chat.client.get("/local/api/people", headers={"Host": host})

    assert response.status == 200


async def test_the_page_and_its_answers_may_not_be_framed(chat: LocalChat) -> None:
    for path in ("/local", "/local/api/people"):
        response = await chat.client.get(path)
        assert response.status == 200
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_the_page_runs_its_own_script_and_no_other(chat: LocalChat) -> None:
    """A script slipped into some text (an attribute, a handler) would not run: the policy
    allows the page's own script by its hash, nothing inline besides."""
    response = await chat.client.get("/local")
    policy = response.headers["Content-Security-Policy"]
    page = await response.text()
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()

    assert f"script-src 'sha256-{digest}';" in policy
    assert "unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy


def test_the_pages_own_script_posts_json() -> None:
    """The page talks to its API through one helper, which sends application/json."""
    script = PAGE.read_text(encoding="utf-8")

    assert script.count("fetch(") == 1
    assert re.search(
        r'fetch\(path,[^)]*method: "POST", headers: \{ "Content-Type": "application/json" \}',
        script,
    )
