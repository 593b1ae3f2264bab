"""Data care in the store: the purge (by date and by RETENTION_DAYS, once a day, with several
copies running) and forgetting a person, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.core.catalog import Catalog
from bot.core.clock import SetClock
from bot.core.states import DigestStatus, PromptStatus
from bot.platforms.fake import FakePlatform
from bot.scheduling.runner import Scheduling
from bot.store.db import create_db_engine, migrate, session_factory
from bot.store.models import (
    FORGOTTEN_NAME,
    AuditEvent,
    BarrierSummary,
    CadenceRule,
    Commitment,
    ConversationRef,
    Digest,
    LocalMessage,
    Person,
    Prompt,
    Record,
    SchedulerState,
    SeenEvent,
    Team,
    TeamMembership,
    Workspace,
)
from bot.store.retention import PURGE_ACTION, forget, purge, retention_pass
from tests.conftest import NOW

OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=3)
CUTOFF = (NOW - timedelta(days=30)).date()


@dataclass(frozen=True)
class Place:
    workspace_id: int
    team_id: int
    sam: int
    avery: int


def count(sessions: sessionmaker[Session], model: type, **filters: object) -> int:
    with sessions() as session:
        return int(
            session.scalar(select(func.count()).select_from(model).filter_by(**filters)) or 0
        )


def fill(session: Session, *, external_id: str = "T-CARE") -> Place:
    """A workspace with an admin (Avery) and a leader (Sam) in team North; for each kind a
    purge takes, one row from 40 days ago and one from 3 days ago, and old prompts in every
    state."""
    workspace = Workspace(platform="fake", external_id=external_id, name="Care", created_at=OLD)
    session.add(workspace)
    session.flush()
    avery = Person(
        workspace_id=workspace.id,
        platform_user_id=f"{external_id}-ADMIN",
        display_name="Avery Admin",
        email=f"avery@{external_id.lower()}.org",
        is_admin=True,
        created_at=OLD,
    )
    sam = Person(
        workspace_id=workspace.id,
        platform_user_id=f"{external_id}-SAM",
        display_name="Sam Rivera",
        preferred_name="Sammy",
        pronouns="he/him",
        title="Intake supervisor",
        email=f"sam@{external_id.lower()}.org",
        role="supervisor",
        is_leader=True,
        timezone="America/Los_Angeles",
        created_at=OLD,
    )
    team = Team(workspace_id=workspace.id, name="North", channel_ref="C-NORTH", created_at=OLD)
    session.add_all([avery, sam, team])
    session.flush()
    session.add(TeamMembership(team_id=team.id, person_id=sam.id, started_at=OLD))
    commitment = Commitment(person_id=sam.id, behavior_id="6.a", goal="Thank", started_at=OLD)
    session.add(commitment)
    session.flush()
    for n, status in enumerate(PromptStatus):
        session.add(
            Prompt(
                person_id=sam.id,
                commitment_id=commitment.id,
                behavior_id="6.a",
                scheduled_for=OLD,
                status=status,
                delivery_key=f"{external_id}:old:{n}",
                created_at=OLD,
            )
        )
    recent = Prompt(
        person_id=sam.id,
        commitment_id=commitment.id,
        behavior_id="6.a",
        scheduled_for=RECENT,
        status=PromptStatus.ANSWERED,
        delivery_key=f"{external_id}:recent",
        created_at=RECENT,
    )
    session.add(recent)
    session.flush()
    for when, note in ((OLD, "Thanked the intake unit"), (RECENT, "Thanked Sammy's own team")):
        session.add(
            Record(
                person_id=sam.id,
                behavior_id="6.a",
                outcome="done",
                note=note,
                shared=True,
                source="button",
                created_at=when,
            )
        )
    for when in (OLD, RECENT):
        start = when.date() - timedelta(days=when.weekday())
        session.add(
            Digest(
                team_id=team.id,
                period_start=start,
                period_end=start + timedelta(days=6),
                body={
                    "shared": [{"leader": "Sammy", "note": "Thanked the intake unit"}],
                    "recognitions": {"count": 1, "leaders": ["Sammy", "Avery Admin"]},
                    "streaks": [{"leader": "Sammy", "weeks": 3}],
                },
                status=DigestStatus.SENT,
                requested_by_id=sam.id,
                created_at=when,
            )
        )
        session.add(
            BarrierSummary(
                person_id=avery.id,
                period_start=start,
                period_end=start + timedelta(days=6),
                body={
                    "version": 1,
                    "themes": [
                        {
                            "theme": "Court and legal",
                            "barriers": [
                                {
                                    "record_id": 0,
                                    "person_id": sam.id,
                                    "person": "Sammy",
                                    "behavior_id": "6.a",
                                    "barrier": "Court all week",
                                    "day": start.isoformat(),
                                }
                            ],
                        }
                    ],
                },
                status=DigestStatus.SENT,
                created_at=when,
            )
        )
        session.add_all(
            [
                LocalMessage(
                    conversation=f"dm:{sam.id}", sender="bot", body={"text": "hi"}, created_at=when
                ),
                LocalMessage(
                    conversation=f"team:{team.id}",
                    sender="bot",
                    body={"message": {"text": "Sammy shared: Thanked the intake unit"}},
                    created_at=when,
                ),
                SeenEvent(
                    platform="fake", event_id=f"{external_id}:{when.isoformat()}", created_at=when
                ),
            ]
        )
    session.add(
        ConversationRef(
            workspace_id=workspace.id,
            kind="user",
            key=sam.platform_user_id,
            person_id=sam.id,
            reference={"channel": "D-SAM"},
            updated_at=OLD,
        )
    )
    # As Teams keeps them: a direct chat known by the sender's id alone, and a channel and
    # the tenant whose references name whoever wrote last (Sam).
    sender = {"id": sam.platform_user_id, "name": "Sam Rivera", "aadObjectId": "aad-sam"}
    for kind, key in (("dm", sam.platform_user_id), ("channel", "19:north"), ("tenant", "t-1")):
        session.add(
            ConversationRef(
                workspace_id=workspace.id,
                kind=kind,
                key=key,
                reference={"user": sender, "conversation": {"id": key}, "serviceUrl": "https://s"},
                updated_at=OLD,
            )
        )
    session.add(
        CadenceRule(
            workspace_id=workspace.id,
            scope_kind="user",
            scope_value=str(sam.id),
            spec="weekly fri 10:00",
            updated_at=OLD,
        )
    )
    for action, target, detail in (
        ("leader.add", sam.platform_user_id, {"role": "supervisor", "team": "North"}),
        ("team.members.add", "North", {"people": ["Sammy", "Avery Admin"]}),
        ("cadence.set", f"user:{sam.id}", {"old": None, "new": "weekly fri 10:00"}),
        ("admin.add", avery.platform_user_id, {}),
    ):
        session.add(
            AuditEvent(
                workspace_id=workspace.id,
                actor_id=avery.id,
                action=action,
                target=target,
                detail=detail,
                created_at=OLD,
            )
        )
    session.flush()
    return Place(workspace.id, team.id, sam.id, avery.id)


def kinds(sessions: sessionmaker[Session]) -> dict[str, int]:
    return {
        model.__tablename__: count(sessions, model)
        for model in (Record, Prompt, Digest, BarrierSummary, LocalMessage, SeenEvent, AuditEvent)
    }


def test_a_purge_deletes_what_is_older_than_the_day_and_keeps_the_rest(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        place = fill(session)
    open_prompts = {"pending", "sending", "sent", "snoozed"}

    with sessions.begin() as session:
        result = purge(session, before=CUTOFF, now=NOW, by="a test")

    finished = len(PromptStatus) - len(open_prompts)
    assert result.total == {
        "records": 1,
        "prompts": finished,
        "digests": 1,
        "barrier_summaries": 1,
        "notices": 0,
        "local_messages": 2,
        "seen_events": 1,
    }
    assert result.lines() == [
        "1 record",
        f"{finished} prompts",
        "1 team digest",
        "1 manager's barrier summary",
        "0 notices",
        "2 local chat messages",
        "1 seen platform event",
    ]
    with sessions() as session:
        assert session.scalars(select(Record.note)).all() == ["Thanked Sammy's own team"]
        old_prompts = session.scalars(select(Prompt.status).where(Prompt.scheduled_for == OLD))
        assert set(old_prompts) == open_prompts
        assert count(sessions, Prompt, scheduled_for=RECENT) == 1
        assert count(sessions, Digest) == count(sessions, LocalMessage) // 2 == 1
        # People, teams, commitments and cadences are not the purge's to take.
        assert count(sessions, Person) == 2
        assert count(sessions, Commitment) == count(sessions, CadenceRule) == 1
        (event,) = session.scalars(select(AuditEvent).filter_by(action=PURGE_ACTION))
    assert event.workspace_id == place.workspace_id
    assert event.actor_id is None
    assert event.detail == {
        "before": CUTOFF.isoformat(),
        "by": "a test",
        "records": 1,
        "prompts": finished,
        "digests": 1,
        "barrier_summaries": 1,
        "notices": 0,
        "local_messages": 2,
        "seen_events": 0,
    }
    assert count(sessions, AuditEvent) == 5  # the trail is kept, and told of the purge


def test_a_dry_run_counts_the_same_and_changes_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        fill(session)
    before = kinds(sessions)

    with sessions.begin() as session:
        dry = purge(session, before=CUTOFF, now=NOW, by="a test", dry_run=True)

    assert kinds(sessions) == before
    with sessions.begin() as session:
        assert purge(session, before=CUTOFF, now=NOW, by="a test").total == dry.total


def test_each_workspace_is_told_only_its_own_counts(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = fill(session, external_id="T-ONE")
        second = fill(session, external_id="T-TWO")
        session.add(
            Record(
                person_id=second.sam,
                behavior_id="6.a",
                outcome="done",
                source="log",
                created_at=OLD,
            )
        )

    with sessions.begin() as session:
        result = purge(session, before=CUTOFF, now=NOW, by="a test")

    assert result.by_workspace[first.workspace_id]["records"] == 1
    assert result.by_workspace[second.workspace_id]["records"] == 2
    assert result.total["records"] == 3
    with sessions() as session:
        told = {
            e.workspace_id: e.detail["records"]
            for e in session.scalars(select(AuditEvent).filter_by(action=PURGE_ACTION))
        }
    assert told == {first.workspace_id: 1, second.workspace_id: 2}


def test_nothing_to_purge_writes_no_audit_event(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        fill(session)
    with sessions.begin() as session:
        result = purge(session, before=(OLD - timedelta(days=1)).date(), now=NOW, by="a test")
    assert result.deleted == 0
    assert count(sessions, AuditEvent, action=PURGE_ACTION) == 0


def test_retention_days_purges_on_the_first_pass_of_a_day_only(
    sessions: sessionmaker[Session], catalog: Catalog
) -> None:
    with sessions.begin() as session:
        fill(session)
    clock = SetClock(NOW)
    scheduling = Scheduling(sessions, catalog, {}, clock, retention_days=30)

    first = asyncio.run(scheduling.tick())
    later_that_day = asyncio.run(scheduling.tick(NOW + timedelta(hours=5)))

    assert first.purged is not None
    assert first.purged.before == CUTOFF
    assert first.purged.total["records"] == 1
    assert later_that_day.purged is None
    assert count(sessions, AuditEvent, action=PURGE_ACTION) == 1
    # The next day's first pass purges again: the record from 3 days ago once 30 have passed.
    next_month = asyncio.run(scheduling.tick(RECENT + timedelta(days=31)))
    assert next_month.purged is not None
    assert next_month.purged.total["records"] == 1
    assert count(sessions, Record) == 0


def test_retention_days_unset_keeps_everything(
    sessions: sessionmaker[Session], catalog: Catalog
) -> None:
    with sessions.begin() as session:
        fill(session)
    before = kinds(sessions)
    result = asyncio.run(Scheduling(sessions, catalog, {}, SetClock(NOW)).tick())
    assert result.purged is None
    # (Seen platform events older than a week go in every pass, retention or not.)
    assert {k: v for k, v in kinds(sessions).items() if k != "seen_event"} == {
        k: v for k, v in before.items() if k != "seen_event"
    }


def test_two_copies_purge_once_a_day(fresh_url: str) -> None:
    """Two processes' passes at the same moment, on one real database (their own
    connections and transactions): one purges, the other finds today's purge done."""
    engine = create_db_engine(fresh_url)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        fill(session)
    start = threading.Barrier(2)
    results: list[object] = []

    def pass_at_now() -> None:
        start.wait()
        with sessions.begin() as session:
            results.append(retention_pass(session, now=NOW, days=30))

    copies = [threading.Thread(target=pass_at_now) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join()
    try:
        assert sorted(result is None for result in results) == [False, True]
        assert count(sessions, AuditEvent, action=PURGE_ACTION) == 1
        assert count(sessions, Record) == 1
    finally:
        engine.dispose()


def test_forgetting_someone_takes_their_identity_records_and_traces(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        place = fill(session)

    with sessions.begin() as session:
        sam = session.get_one(Person, place.sam)
        result = forget(session, sam, now=NOW, by="a test")

    assert result.deleted == {
        "records": 2,
        "prompts": len(PromptStatus) + 1,
        "commitments": 1,
        "memberships": 1,
        "conversations": 2,
        "cadences": 1,
        "local_messages": 2,
        "dashboard_links": 0,
        "barrier_summaries": 0,
        "supports": 0,
        "notices": 0,
    }
    with sessions() as session:
        references = {ref.kind: ref.reference for ref in session.scalars(select(ConversationRef))}
        assert references == {
            "channel": {"conversation": {"id": "19:north"}, "serviceUrl": "https://s"},
            "tenant": {"conversation": {"id": "t-1"}, "serviceUrl": "https://s"},
        }
        sam = session.get_one(Person, place.sam)
        assert sam.platform_user_id == f"forgotten:{sam.id}"
        assert sam.name == FORGOTTEN_NAME
        assert sam.forgotten
        identity = (sam.display_name, sam.preferred_name, sam.pronouns, sam.title, sam.email)
        assert identity == ("", None, None, None, None)
        assert (sam.role, sam.is_leader, sam.is_admin, sam.timezone) == (
            None,
            False,
            False,
            "UTC",
        )
        for model in (Record, Prompt, Commitment, TeamMembership, ConversationRef):
            assert count(sessions, model, person_id=sam.id) == 0
        assert count(sessions, CadenceRule) == 0
        assert count(sessions, LocalMessage, conversation=f"dm:{sam.id}") == 0
        everything = " ".join(
            str(row)
            for model, column in (
                (AuditEvent, AuditEvent.target),
                (AuditEvent, AuditEvent.detail),
                (Digest, Digest.body),
                (BarrierSummary, BarrierSummary.body),
                (LocalMessage, LocalMessage.body),
            )
            for row in session.scalars(select(column))
        )
        # Their barriers leave their manager's summaries; the themes stay, for the buttons.
        assert [s.body["themes"] for s in session.scalars(select(BarrierSummary))] == [
            [{"theme": "Court and legal", "barriers": []}]
        ] * 2
        assert result.scrubbed_summaries == 2
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        digests = session.scalars(select(Digest)).all()
    for trace in ("Sam", "sam@", "T-CARE-SAM", f"user:{place.sam}"):
        assert trace not in everything
    assert [(e.action, e.target) for e in events] == [
        ("leader.add", FORGOTTEN_NAME),
        ("team.members.add", "North"),
        ("cadence.set", FORGOTTEN_NAME),
        ("admin.add", "T-CARE-ADMIN"),
        ("person.forget", ""),
    ]
    assert events[1].detail == {"people": [FORGOTTEN_NAME, "Avery Admin"]}
    assert events[-1].detail == {"by": "a test"}
    assert events[-1].actor_id is None
    # Their shared notes and streaks leave the stored digests; others' entries stay.
    for digest in digests:
        assert digest.body["shared"] == []
        assert digest.body["streaks"] == []
        assert digest.body["recognitions"] == {"count": 1, "leaders": ["Avery Admin"]}
        assert digest.requested_by_id is None


def test_forgetting_one_person_leaves_everyone_else_alone(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        place = fill(session)
        other = fill(session, external_id="T-OTHER")
    with sessions() as session:
        before = {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).filter_by(person_id=other.sam)
            )
            for model in (Record, Prompt, Commitment, TeamMembership)
        }

    with sessions.begin() as session:
        forget(session, session.get_one(Person, place.sam), now=NOW, by="a test")

    with sessions() as session:
        after = {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).filter_by(person_id=other.sam)
            )
            for model in (Record, Prompt, Commitment, TeamMembership)
        }
        untouched = session.get_one(Person, other.sam)
        other_events = session.scalars(
            select(AuditEvent.target).filter_by(workspace_id=other.workspace_id)
        ).all()
    assert after == before
    assert untouched.name == "Sammy"
    assert untouched.email == "sam@t-other.org"
    assert "T-OTHER-SAM" in other_events


def test_forgotten_people_are_not_found_by_the_chat(
    chat: FakePlatform, sessions: sessionmaker[Session]
) -> None:
    """After forgetting, the platform id no longer reaches the old row: if they write
    again, they are someone new, with nothing of the past."""
    assert chat.exchange("U-ADMIN", "leader add <@U-SUP> role=supervisor").ok
    with sessions.begin() as session:
        (sam,) = session.scalars(select(Person).filter_by(platform_user_id="U-SUP"))
        forget(session, sam, now=NOW, by="a test")
        forgotten_id = sam.id

    reply = chat.say("U-ADMIN", "leader list")

    assert "Sam" not in reply
    chat.say("U-SUP", "help")
    with sessions() as session:
        (again,) = session.scalars(select(Person).filter_by(platform_user_id="U-SUP"))
    assert again.id != forgotten_id
    assert not again.is_leader


def test_the_purge_cutoff_is_midnight_utc(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        place = fill(session)
        midnight = datetime.combine(CUTOFF, datetime.min.time(), tzinfo=NOW.tzinfo)
        for when in (midnight - timedelta(seconds=1), midnight):
            session.add(
                Record(
                    person_id=place.sam,
                    behavior_id="6.a",
                    outcome="done",
                    source="log",
                    created_at=when,
                )
            )
    with sessions.begin() as session:
        result = purge(session, before=CUTOFF, now=NOW, by="a test")
    assert result.total["records"] == 2  # the one from 40 days ago and the last second
    assert count(sessions, Record) == 2


def test_a_copy_does_not_wait_while_another_is_purging(fresh_url: str) -> None:
    """While one copy's purge holds the day's mark, another copy's pass moves on at once
    instead of waiting (on PostgreSQL: SQLite lets one writer in at a time anyway)."""
    engine = create_db_engine(fresh_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite runs one writing transaction at a time: a second copy waits at BEGIN")
    migrate(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        fill(session)
    with sessions.begin() as session:  # yesterday's purge (the mark's row exists from then on)
        retention_pass(session, now=NOW - timedelta(days=1), days=30)
    try:
        with sessions.begin() as purging:
            assert retention_pass(purging, now=NOW, days=30) is not None
            with sessions.begin() as other:
                other.execute(text("SET LOCAL lock_timeout = '2s'"))
                assert retention_pass(other, now=NOW, days=30) is None
        with sessions() as session:
            mark = session.get_one(SchedulerState, "retention")
        assert mark.planned_until == NOW  # the pass that held the mark ran today's purge
    finally:
        engine.dispose()
