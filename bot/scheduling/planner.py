"""The scheduling pass: every due occurrence of every leader's commitments becomes one outbox
row, keyed (leader, commitment, occurrence), before anything is sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from bot.core.cadence import CadenceSpec, parse_cadence
from bot.core.catalog import Catalog
from bot.core.prompts import next_phrasing
from bot.core.schedule import Calendar, Occurrence, occurrences
from bot.core.states import DigestStatus, PromptStatus
from bot.reports.digest import compute_digest, week_of
from bot.reports.summary import compute_summary
from bot.scheduling.cadences import CadenceBook, holidays_by_workspace, leader_calendar
from bot.store.db import insert_ignoring_conflicts
from bot.store.models import (
    BarrierSummary,
    CadenceRule,
    Commitment,
    Digest,
    Person,
    Prompt,
    SchedulerState,
    SeenEvent,
    Team,
    TeamMembership,
    Workspace,
)

DEFAULT_GRACE = timedelta(hours=12)
# How far back a first pass looks, and the most a long outage is caught up over.
MAX_CATCH_UP = timedelta(days=7)
STATE_NAME = "prompts"
SEEN_EVENTS_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class PlanResult:
    pending: int
    missed: int
    skipped: int
    window_start: datetime
    window_end: datetime


def plan(
    session: Session,
    catalog: Catalog,
    *,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> PlanResult:
    """Plan every occurrence due since the last pass up to `now`. Occurrences older than the
    grace window are recorded as missed, and those inside a pause as skipped: never sent late,
    never silently lost. Safe to run from several processes: the state row is locked and
    delivery keys are unique."""
    state = session.scalar(select(SchedulerState).filter_by(name=STATE_NAME).with_for_update())
    if state is None:
        insert_ignoring_conflicts(
            session,
            SchedulerState,
            [{"name": STATE_NAME, "planned_until": now - grace}],
            ["name"],
        )
        state = session.scalar(select(SchedulerState).filter_by(name=STATE_NAME).with_for_update())
        assert state is not None
    start = max(state.planned_until, now - MAX_CATCH_UP)
    if start >= now:
        return PlanResult(0, 0, 0, start, now)
    rows = _rows_due(session, catalog, start=start, now=now, grace=grace)
    insert_ignoring_conflicts(session, Prompt, rows, ["delivery_key"])
    _plan_digests(session, catalog, start=start, now=now, grace=grace)
    _plan_barrier_summaries(session, start=start, now=now, grace=grace)
    # Platforms retry an event for minutes, not days: a week of event ids is plenty.
    session.execute(delete(SeenEvent).where(SeenEvent.created_at < now - SEEN_EVENTS_KEPT))
    state.planned_until = now
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[str(row["status"])] += 1
    return PlanResult(
        counts[PromptStatus.PENDING],
        counts[PromptStatus.MISSED],
        counts[PromptStatus.SKIPPED],
        start,
        now,
    )


def _rows_due(
    session: Session, catalog: Catalog, *, start: datetime, now: datetime, grace: timedelta
) -> list[dict[str, object]]:
    """One outbox row per occurrence from `start` to `now` of every open commitment of every
    reachable leader, each with its status (pending, missed or skipped) decided."""
    workspaces = {w.id: w for w in session.scalars(select(Workspace))}
    books: dict[int, list[CadenceRule]] = defaultdict(list)
    for rule in session.scalars(select(CadenceRule)):
        books[rule.workspace_id].append(rule)
    cadence_books = {wid: CadenceBook(books[wid]) for wid in workspaces}
    holidays = holidays_by_workspace(session)
    cache: dict[tuple[CadenceSpec, str, int], list[Occurrence]] = {}

    def due(spec: CadenceSpec, timezone: str, workspace: Workspace) -> list[Occurrence]:
        key = (spec, timezone, workspace.id)
        if key not in cache:
            calendar = leader_calendar(timezone, workspace, holidays.get(workspace.id, frozenset()))
            cache[key] = occurrences(spec, calendar, after=start, until=now)
        return cache[key]

    # Most passes (one a minute) fall where no cadence in use has an occurrence in any zone
    # a leader is in: they need not read every open commitment to find nothing due (with
    # 10,000 leaders that reading was a quarter of a second of every minute).
    zones = session.execute(
        select(Person.workspace_id, Person.timezone).where(Person.is_leader.is_(True)).distinct()
    ).tuples()
    if not any(
        due(spec, timezone, workspaces[workspace_id])
        for workspace_id, timezone in zones
        for spec in cadence_books[workspace_id].specs()
    ):
        return []
    commitments = _open_commitments(session)
    if not commitments:
        return []
    teams = _current_team_names(session)
    last_phrasing: dict[int, int] | None = None

    rows: list[dict[str, object]] = []
    for row in commitments:
        workspace = workspaces[row.workspace_id]
        spec = (
            cadence_books[workspace.id]
            .resolve(
                person_id=row.person_id,
                role=row.role,
                teams=teams[row.person_id],
                behavior_id=row.behavior_id,
            )
            .spec
        )
        found = due(spec, row.timezone, workspace)
        if not found or catalog.find(row.behavior_id) is None:
            continue
        if last_phrasing is None:  # read once, and only when something is due
            last_phrasing = _last_phrasings(session, [c.id for c in commitments])
        phrasings = catalog.prompts_for(row.behavior_id, row.role)
        for occurrence in found:
            if occurrence.nominal < row.started_at:
                continue
            phrasing = next_phrasing(len(phrasings), last_phrasing.get(row.id))
            last_phrasing[row.id] = phrasing
            rows.append(
                {
                    "person_id": row.person_id,
                    "commitment_id": row.id,
                    "behavior_id": row.behavior_id,
                    "text": phrasings[phrasing],
                    "phrasing": phrasing,
                    "scheduled_for": occurrence.due,
                    "status": _status(row, occurrence, now=now, grace=grace),
                    "delivery_key": delivery_key(row.person_id, row.id, occurrence),
                    "created_at": now,
                    "attempts": 0,
                }
            )
    return rows


def _open_commitments(session: Session) -> Sequence[Row[Any]]:
    """Every open commitment of an enrolled, reachable leader in an active workspace, with
    what planning needs of its leader."""
    return session.execute(
        select(
            Commitment.id,
            Commitment.behavior_id,
            Commitment.started_at,
            Person.id.label("person_id"),
            Person.workspace_id,
            Person.role,
            Person.timezone,
            Person.paused_until,
        )
        .join(Person, Commitment.person_id == Person.id)
        .join(Workspace, Person.workspace_id == Workspace.id)
        .where(
            Commitment.ended_at.is_(None),
            Person.is_leader.is_(True),
            Person.undeliverable_reason.is_(None),
            Workspace.active.is_(True),
        )
        .order_by(Person.workspace_id, Person.id, Commitment.id)
    ).all()


def _current_team_names(session: Session) -> dict[int, list[str]]:
    """The lower-cased names of each person's current teams (as cadence rules name them)."""
    teams: dict[int, list[str]] = defaultdict(list)
    for person_id, name in session.execute(
        select(TeamMembership.person_id, func.lower(Team.name))
        .join(Team, TeamMembership.team_id == Team.id)
        .where(TeamMembership.ended_at.is_(None))
        .order_by(Team.name)
    ).tuples():
        teams[person_id].append(name)
    return teams


def _status(
    row: Row[Any], occurrence: Occurrence, *, now: datetime, grace: timedelta
) -> PromptStatus:
    """Skipped inside the leader's pause, missed when older than the grace window, otherwise
    pending (to be sent)."""
    local_day = occurrence.due.astimezone(ZoneInfo(row.timezone)).date()
    if row.paused_until is not None and local_day < row.paused_until:
        return PromptStatus.SKIPPED
    if now - occurrence.due > grace:
        return PromptStatus.MISSED
    return PromptStatus.PENDING


def _plan_digests(
    session: Session, catalog: Catalog, *, start: datetime, now: datetime, grace: timedelta
) -> None:
    """Each team's digest at its own cadence, in the team's zone: one row per team and week
    (the unique pair), built when due; one missed by more than the grace window is recorded
    as missed, not posted late."""
    teams = session.scalars(
        select(Team)
        .join(Workspace, Team.workspace_id == Workspace.id)
        .where(Workspace.active.is_(True))
    ).all()
    rows: list[dict[str, object]] = []
    for team in teams:
        spec = parse_cadence(team.digest_cadence)
        zone = ZoneInfo(team.timezone)
        for occurrence in occurrences(spec, Calendar(zone=zone), after=start, until=now):
            period_start, period_end = week_of(occurrence.due.astimezone(zone).date())
            missed = now - occurrence.due > grace
            rows.append(
                {
                    "team_id": team.id,
                    "period_start": period_start,
                    "period_end": period_end,
                    "body": {}
                    if missed
                    else compute_digest(
                        session, catalog, team, period_start, period_end, now=occurrence.due
                    ).to_json(),
                    "status": DigestStatus.MISSED if missed else DigestStatus.PENDING,
                    "created_at": now,
                }
            )
    insert_ignoring_conflicts(session, Digest, rows, ["team_id", "period_start"])


# When a manager hears what got in their people's way the week before.
SUMMARY_CADENCE = parse_cadence("weekly mon 09:00")


def _plan_barrier_summaries(
    session: Session, *, start: datetime, now: datetime, grace: timedelta
) -> None:
    """Each manager's weekly summary of their direct reports' barriers of the week before,
    on the first working morning of the week in the manager's zone: one row per manager and
    week (the unique pair), only when there is something in it; one due longer ago than the
    grace window is recorded as missed, not sent late."""
    with_reports = select(Person.manager_id).where(
        Person.is_leader.is_(True), Person.manager_id.is_not(None)
    )
    managing = (
        Person.id.in_(with_reports),
        Person.is_leader.is_(True),
        Person.undeliverable_reason.is_(None),
        Workspace.active.is_(True),
    )
    # Most passes fall where no manager's zone has its Monday morning: find that from the
    # zones alone, as the prompt planner does, before reading any manager.
    zones = session.execute(
        select(Workspace, Person.timezone)
        .join(Person, Person.workspace_id == Workspace.id)
        .where(*managing)
        .distinct()
    ).tuples()
    holidays: dict[int, frozenset[date]] | None = None
    cache: dict[tuple[str, int], list[Occurrence]] = {}
    for workspace, timezone in zones:
        if holidays is None:
            holidays = holidays_by_workspace(session)
        calendar = leader_calendar(timezone, workspace, holidays.get(workspace.id, frozenset()))
        found = occurrences(SUMMARY_CADENCE, calendar, after=start, until=now)
        if found:
            cache[(timezone, workspace.id)] = found
    if not cache:
        return
    managers = session.scalars(
        select(Person)
        .join(Workspace, Person.workspace_id == Workspace.id)
        .where(*managing, Person.timezone.in_({zone for zone, _ in cache}))
    ).all()
    rows: list[dict[str, object]] = []
    for manager in managers:
        for occurrence in cache.get((manager.timezone, manager.workspace_id), []):
            local = occurrence.due.astimezone(ZoneInfo(manager.timezone)).date()
            if manager.paused_until is not None and local < manager.paused_until:
                continue
            period_start, period_end = week_of(local - timedelta(weeks=1))
            missed = now - occurrence.due > grace
            body = {} if missed else compute_summary(session, manager, period_start, period_end)
            if not missed and not body["themes"]:
                continue
            rows.append(
                {
                    "person_id": manager.id,
                    "period_start": period_start,
                    "period_end": period_end,
                    "body": body,
                    "status": DigestStatus.MISSED if missed else DigestStatus.PENDING,
                    "created_at": now,
                }
            )
    insert_ignoring_conflicts(session, BarrierSummary, rows, ["person_id", "period_start"])


def delivery_key(person_id: int, commitment_id: int, occurrence: Occurrence) -> str:
    """The one name of one prompt: this leader, this commitment, this occurrence."""
    return f"p:{person_id}:{commitment_id}:{occurrence.nominal:%Y%m%dT%H%MZ}"


def _last_phrasings(session: Session, commitment_ids: list[int]) -> dict[int, int]:
    latest = (
        select(func.max(Prompt.id))
        .where(Prompt.commitment_id.in_(commitment_ids))
        .group_by(Prompt.commitment_id)
    )
    return {
        commitment_id: phrasing
        for commitment_id, phrasing in session.execute(
            select(Prompt.commitment_id, Prompt.phrasing).where(Prompt.id.in_(latest))
        ).tuples()
        if commitment_id is not None
    }
