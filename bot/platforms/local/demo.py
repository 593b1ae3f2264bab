"""`followthrough demo`: a sample agency in the local chat, with eight weeks of history."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.core.states import PromptStatus
from bot.handlers.dispatch import enter, handle_text
from bot.platforms.local.directory import LocalDirectory, local_user, local_workspace
from bot.services import Services
from bot.store.models import (
    Commitment,
    Person,
    Prompt,
    Record,
    Team,
    TeamMembership,
)


@dataclass(frozen=True)
class DemoLeader:
    email: str
    name: str
    role: str
    timezone: str
    commitments: tuple[tuple[str, str | None], ...]
    pronouns: str | None = None


ADMIN = ("riley.lead@demo.agency", "Riley Chen", "Implementation lead")
LEADERS = (
    DemoLeader(
        "dana.director@demo.agency",
        "Dana Okafor",
        "director",
        "America/Los_Angeles",
        (
            ("4.a.v", "Monthly check-in between leadership and the implementation team"),
            ("9.a.iii", None),
            ("14.b", "Use the CPM dashboard at leadership meetings"),
        ),
        "she/her",
    ),
    DemoLeader(
        "morgan.manager@demo.agency",
        "Morgan Ruiz",
        "manager",
        "America/Los_Angeles",
        (("7.b.iv", None), ("6.b.ii", "One lead assignment a month"), ("12.c.iv", None)),
        "they/them",
    ),
    DemoLeader(
        "lee.manager@demo.agency",
        "Lee Tran",
        "manager",
        "America/Denver",
        (("13.e.ii", None), ("10.a.iii", None)),
    ),
    DemoLeader(
        "sam.supervisor@demo.agency",
        "Sam Rivera",
        "supervisor",
        "America/Los_Angeles",
        (("6.a", "Thank one worker by name every Friday"), ("4.a.i", None), ("5.c.i", None)),
        "he/him",
    ),
    DemoLeader(
        "jo.supervisor@demo.agency",
        "Jo Park",
        "supervisor",
        "America/Los_Angeles",
        (("7.b.ii", None), ("3.b", "Share one of my own mistakes each month")),
    ),
    DemoLeader(
        "ash.supervisor@demo.agency",
        "Ash Patel",
        "supervisor",
        "America/Chicago",
        (("13.d", "Acknowledge every family inquiry within a day"), ("16.a.ii", None)),
    ),
    DemoLeader(
        "kai.supervisor@demo.agency",
        "Kai Brooks",
        "supervisor",
        "America/New_York",
        (("1.b", None), ("9.a.i", None)),
    ),
)
NOTES = (
    "Named three wins from the intake unit at our meeting.",
    "Asked the unit what slows them down; two ideas to take to the implementation team.",
    "Met with the family advisory group; they want earlier notice of team meetings.",
    "Brought staffing gaps to the division meeting with numbers from the tracking log.",
    "Held the monthly check-in; agreed to publish CPM goals on the intranet.",
    "Thanked Jo's unit for covering the backlog during training week.",
)
BARRIERS = (
    "Court hearings took the whole week.",
    "Two workers out sick; no time for unit meeting.",
    "Waiting on the data report from IT.",
    "Crisis placement took priority.",
)
WEEKS = 8
TEAM = "CPM Implementation"
# The sample agency's own database, beside wherever `followthrough demo` runs: never a real
# one unless `--into` says so.
DEMO_DATABASE_FILE = "followthrough-demo.db"


def has_demo(session: Session) -> bool:
    return (
        session.scalar(select(Person.id).filter_by(platform_user_id=LEADERS[0].email)) is not None
    )


def create_demo(session: Session, catalog: Catalog, *, now: datetime, seed: int = 7) -> int:
    """Create the sample agency; returns the number of records made. Deterministic."""
    chooser = random.Random(seed)
    workspace = local_workspace(session, now)
    start = now - timedelta(weeks=WEEKS)
    admin = Person(
        workspace_id=workspace.id,
        platform_user_id=ADMIN[0],
        email=ADMIN[0],
        display_name=ADMIN[1],
        title=ADMIN[2],
        is_admin=True,
        timezone="America/Los_Angeles",
        created_at=start,
    )
    team = Team(
        workspace_id=workspace.id,
        name=TEAM,
        channel_ref="cpm-implementation",
        channel_name="cpm-implementation",
        timezone="America/Los_Angeles",
        created_at=start,
    )
    session.add_all([admin, team])
    session.flush()
    session.add(TeamMembership(team_id=team.id, person_id=admin.id, started_at=start))
    made = 0
    for leader in LEADERS:
        person = Person(
            workspace_id=workspace.id,
            platform_user_id=leader.email,
            email=leader.email,
            display_name=leader.name,
            pronouns=leader.pronouns,
            role=leader.role,
            is_leader=True,
            timezone=leader.timezone,
            created_at=start,
            is_admin=leader.role == "director",
        )
        session.add(person)
        session.flush()
        session.add(TeamMembership(team_id=team.id, person_id=person.id, started_at=start))
        engagement = chooser.uniform(0.45, 0.95)
        for behavior_id, goal in leader.commitments:
            commitment = Commitment(
                person_id=person.id, behavior_id=behavior_id, goal=goal, started_at=start
            )
            session.add(commitment)
            session.flush()
            phrasings = catalog.prompts_for(behavior_id, leader.role)
            for week in range(WEEKS):
                made += _week(
                    session, chooser, person, commitment, phrasings, start, week, engagement
                )
    return made


def _week(
    session: Session,
    chooser: random.Random,
    person: Person,
    commitment: Commitment,
    phrasings: list[str],
    start: datetime,
    week: int,
    engagement: float,
) -> int:
    zone = ZoneInfo(person.timezone)
    today = (start + timedelta(weeks=WEEKS)).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday(), weeks=WEEKS - 1 - week)
    sent = datetime.combine(monday, time(9), tzinfo=zone).astimezone(UTC)
    if sent > start + timedelta(weeks=WEEKS):
        return 0
    answered = chooser.random() < engagement
    phrasing = week % len(phrasings)
    prompt = Prompt(
        person_id=person.id,
        commitment_id=commitment.id,
        behavior_id=commitment.behavior_id,
        text=phrasings[phrasing],
        phrasing=phrasing,
        scheduled_for=sent,
        sent_at=sent,
        status=PromptStatus.ANSWERED if answered else PromptStatus.EXPIRED,
        delivery_key=f"demo:{person.id}:{commitment.id}:{week}",
        platform_message_id=f"demo-{person.id}-{commitment.id}-{week}",
        created_at=sent,
    )
    session.add(prompt)
    session.flush()
    if not answered:
        return 0
    outcome = chooser.choices(("done", "partly", "not_this_week"), (0.62, 0.22, 0.16))[0]
    note = chooser.choice(NOTES) if outcome != "not_this_week" and chooser.random() < 0.5 else None
    session.add(
        Record(
            person_id=person.id,
            behavior_id=commitment.behavior_id,
            prompt_id=prompt.id,
            outcome=outcome,
            note=note,
            barrier=chooser.choice(BARRIERS) if outcome == "not_this_week" else None,
            shared=bool(note) and chooser.random() < 0.6,
            source="button",
            created_at=sent + timedelta(hours=chooser.randint(1, 30)),
        )
    )
    return 1


def open_demo(session: Session, services: Services, *, now: datetime) -> None:
    """What makes every button work at once: a prompt queued for every leader (about their
    first commitment) and this week's digest for the team, asked for by the admin as anyone
    would (`send-now`, `digest send`); `serve`'s first scheduling pass delivers them."""
    ctx = enter(
        session,
        settings=services.settings,
        catalog=services.catalog,
        workspace=local_workspace(session, now),
        user=local_user(ADMIN[0]),
        directory=LocalDirectory(),
        now=now,
    )
    asked = [f"send-now {leader.email} {leader.commitments[0][0]}" for leader in LEADERS]
    for command in (*asked, f'digest send "{TEAM}"'):
        reply = handle_text(command, ctx)
        if not reply.ok:
            raise RuntimeError(f"The demo's `{command}` was refused: {reply.text}")


def demo_people() -> list[str]:
    """Who to be in the sample agency, one line each: the admin first."""
    lines = [f"{ADMIN[1]} ({ADMIN[0]}): {ADMIN[2].lower()}, admin"]
    for leader in LEADERS:
        admin = ", admin" if leader.role == "director" else ""
        lines.append(f"{leader.name} ({leader.email}): {leader.role}{admin}")
    return lines
