"""A small agency with four weeks of history, written row by row (all times UTC) so that every
figure the reports compute can be worked out by hand. Used by the figure, digest, dashboard
and browser tests.

Team North: Ana (supervisor, commits to 6.a), Ben (manager, 7.b), Dee (director, 4.a.v: an
update to the implementation team), Eve (implementation team staff, not a leader). Cal
(supervisor, 13.d) is in team South until Wednesday of week 2, then in North. Avery is the
admin. Each prompt goes out on Monday 09:00; answers come within the hour.

    week 1: Ana done (shared note), Ben not this week ("In court all week"), Cal done (in
            South), Dee done (a note on 4.a.v, an update)
    week 2: Ana partly, Ben no answer, Cal done on Monday (in South, shared "South huddle
            went well") and a log on Thursday (in North), Dee paused (prompt skipped)
    week 3: no answers at all (Dee still paused)
    week 4: Ana done (shared note), Ben no answer, Cal done, Dee done
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.store.models import Person, Prompt, Record, Team, TeamMembership, Workspace


@dataclass(frozen=True)
class Agency:
    workspace_id: int
    north: int
    south: int
    avery: int
    ana: int
    ben: int
    cal: int
    dee: int
    eve: int
    mondays: tuple[date, ...]

    @property
    def friday_of_week_4(self) -> datetime:
        """Friday 15:00 of week 4: the digest's usual moment, week 4 still in progress."""
        return _at(self.mondays[3], days=4, hour=15)


def _at(monday: date, *, days: int = 0, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(monday + timedelta(days=days), time(hour, minute), tzinfo=UTC)


def build_agency(
    session: Session,
    first_monday: date,
    *,
    platform: str = "fake",
    external_id: str = "T-AGENCY",
    team_zone: str = "UTC",
) -> Agency:
    mondays = tuple(first_monday + timedelta(weeks=n) for n in range(4))
    before = _at(first_monday, days=-7)
    workspace = Workspace(
        platform=platform, external_id=external_id, name="Agency", created_at=before
    )
    session.add(workspace)
    session.flush()

    def person(user: str, name: str, role: str | None, *, admin: bool = False) -> Person:
        found = Person(
            workspace_id=workspace.id,
            platform_user_id=user,
            display_name=name,
            email=user if "@" in user else None,
            role=role,
            is_leader=role is not None,
            is_admin=admin,
            timezone="UTC",
            created_at=before,
        )
        session.add(found)
        return found

    avery = person("avery@agency.org", "Avery Admin", None, admin=True)
    ana = person("ana@agency.org", "Ana Alvarez", "supervisor")
    ben = person("ben@agency.org", "Ben Brooks", "manager")
    cal = person("cal@agency.org", "Cal Chen", "supervisor")
    dee = person("dee@agency.org", "Dee Diaz", "director")
    eve = person("eve@agency.org", "Eve Evans", None)
    north = Team(
        workspace_id=workspace.id,
        name="North",
        channel_ref="C-NORTH",
        channel_name="north-impl",
        timezone=team_zone,
        digest_cadence="off",
        created_at=before,
    )
    south = Team(
        workspace_id=workspace.id,
        name="South",
        channel_ref="C-SOUTH",
        channel_name="south-impl",
        timezone=team_zone,
        digest_cadence="off",
        created_at=before,
    )
    session.add_all([north, south])
    session.flush()
    moved = _at(mondays[1], days=2, hour=0)  # Wednesday of week 2
    session.add_all(
        [
            TeamMembership(team_id=north.id, person_id=ana.id, started_at=before),
            TeamMembership(team_id=north.id, person_id=ben.id, started_at=before),
            TeamMembership(team_id=north.id, person_id=dee.id, started_at=before),
            TeamMembership(team_id=north.id, person_id=eve.id, started_at=before),
            TeamMembership(team_id=south.id, person_id=cal.id, started_at=before, ended_at=moved),
            TeamMembership(team_id=north.id, person_id=cal.id, started_at=moved),
        ]
    )
    behaviors = {ana.id: "6.a", ben.id: "7.b", cal.id: "13.d", dee.id: "4.a.v"}

    def prompt(who: Person, week: int, status: str) -> Prompt:
        sent = _at(mondays[week]) if status != "skipped" else None
        found = Prompt(
            person_id=who.id,
            behavior_id=behaviors[who.id],
            text="A prompt",
            scheduled_for=_at(mondays[week]),
            status=status,
            delivery_key=f"agency:{who.id}:{week}",
            sent_at=sent,
            created_at=_at(mondays[week], hour=8),
        )
        session.add(found)
        session.flush()
        return found

    def answer(
        who: Person,
        week: int,
        outcome: str,
        minute: int,
        *,
        note: str | None = None,
        barrier: str | None = None,
        shared: bool = False,
    ) -> None:
        asked = prompt(who, week, "answered")
        session.add(
            Record(
                person_id=who.id,
                behavior_id=asked.behavior_id,
                prompt_id=asked.id,
                outcome=outcome,
                note=note,
                barrier=barrier,
                shared=shared,
                source="button",
                created_at=_at(mondays[week], hour=10, minute=minute),
            )
        )

    # Week 1
    answer(ana, 0, "done", 0, note="Thanked the intake unit by name", shared=True)
    answer(ben, 0, "not_this_week", 5, barrier="In court all week")
    answer(cal, 0, "done", 10)
    answer(dee, 0, "done", 15, note="Told the leadership team what is stuck")
    # Week 2
    answer(ana, 1, "partly", 0)
    prompt(ben, 1, "expired")
    answer(cal, 1, "done", 10, note="South huddle went well", shared=True)
    session.add(
        Record(
            person_id=cal.id,
            behavior_id="13.d",
            outcome="done",
            note="Held a huddle with the North unit",
            source="log",
            created_at=_at(mondays[1], days=3, hour=12),
        )
    )
    prompt(dee, 1, "skipped")
    # Week 3: nobody answers
    for who in (ana, ben, cal):
        prompt(who, 2, "expired")
    prompt(dee, 2, "skipped")
    # Week 4
    answer(ana, 3, "done", 0, note="Named three wins at the unit meeting", shared=True)
    prompt(ben, 3, "expired")
    answer(cal, 3, "done", 10)
    answer(dee, 3, "done", 15)
    session.flush()
    return Agency(
        workspace_id=workspace.id,
        north=north.id,
        south=south.id,
        avery=avery.id,
        ana=ana.id,
        ben=ben.id,
        cal=cal.id,
        dee=dee.id,
        eve=eve.id,
        mondays=mondays,
    )
