"""The figures: participation per week, the leaders-by-weeks grid with its streaks and quiet
leaders, practice by domain, behavior, role and lens, barriers and highlights."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import Row, Select, String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.core.states import PromptStatus
from bot.reports.barriers import BarrierGroup, group_barriers
from bot.reports.scope import (
    ANSWERED,
    PRACTICED,
    Period,
    Scope,
    Week,
    barrier_written,
    in_period,
    member_then,
    scoped_records,
    week_index,
)
from bot.store.models import Person, Prompt, Record, TeamMembership, address_name
from bot.store.reads import both

DONE: Final = "done"
PARTLY: Final = "partly"
NOT_THIS_WEEK: Final = "not_this_week"
NO_ANSWER: Final = "no_answer"
NOT_PROMPTED: Final = "not_prompted"
# A week's cell in the grid, the best thing that happened in it; None when the leader was not
# in scope that week (not yet enrolled, or in another team).
Cell = Literal["done", "partly", "not_this_week", "no_answer", "not_prompted"] | None
# CPM behavior 6, "Recognize staff strengths and successes": its records are recognitions.
RECOGNITION_BEHAVIOR = "6"


@dataclass(frozen=True)
class WeekFigures:
    """Participation in one week. `answered` counts the prompts sent that week that were
    answered before they expired; `rate` is answered / sent and `change` the rate's change
    from the week before, both in percentage points (None when there is nothing to compare).
    `taking_part` counts leaders with an answer recorded that week, `done`, `partly` and
    `not_this_week` the records."""

    week: Week
    leaders: int
    taking_part: int
    prompts_sent: int
    answered: int
    done: int
    partly: int
    not_this_week: int
    rate: float | None
    change: float | None


@dataclass(frozen=True)
class LeaderRow:
    person_id: int
    name: str
    role: str | None
    is_leader: bool
    cells: tuple[Cell, ...]
    prompts_sent: int
    answered: int
    pronouns: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class LeaderWeeks:
    """The leaders-by-weeks grid of a period and the participation figures it adds up to."""

    period: Period
    weeks: tuple[WeekFigures, ...]
    rows: tuple[LeaderRow, ...]

    def streaks(self, now: datetime) -> list[tuple[LeaderRow, int]]:
        """Leaders who practiced (done or partly) two or more weeks in a row up to now,
        longest first. Weeks without a prompt or a record (a pause, a fortnightly cadence)
        neither break nor extend a streak, and nor does a week still in progress without an
        answer yet."""
        found = [(row, self._run(row, now, counts=(DONE, PARTLY))) for row in self.rows]
        return sorted(
            ((row, weeks) for row, weeks in found if weeks >= 2),
            key=lambda pair: (-pair[1], pair[0].name.casefold()),
        )

    def quiet(self, now: datetime) -> list[tuple[LeaderRow, int]]:
        """Enrolled leaders whose last two or more prompted weeks went without an answer,
        longest silence first. A pause is passed over (a leader who answered before pausing
        is not quiet), and the week in progress only counts once it has an answer."""
        found = [
            (row, self._run(row, now, counts=(NO_ANSWER,))) for row in self.rows if row.is_leader
        ]
        return sorted(
            ((row, weeks) for row, weeks in found if weeks >= 2),
            key=lambda pair: (-pair[1], pair[0].name.casefold()),
        )

    def _run(self, row: LeaderRow, now: datetime, *, counts: tuple[str, ...]) -> int:
        run = 0
        for cell, week in zip(reversed(row.cells), reversed(self.period.weeks), strict=True):
            if cell == NOT_PROMPTED or (week.until > now and cell == NO_ANSWER):
                continue
            if cell not in counts:
                break
            run += 1
        return run


# How prompts and records travel in the grid query, one number each: a prompt as its week
# * 2, + 1 when it was answered in time (a late answer still makes a record, counted in the
# week it came, but leaves the prompt expired); a record as its week * 4 + its outcome's code.
_OUTCOMES: dict[int, Cell] = {1: DONE, 2: PARTLY, 3: NOT_THIS_WEEK}


def _numbers(joined: str | None) -> Counter[int]:
    return Counter(map(int, joined.split(","))) if joined else Counter()


def _leaders_query(scope: Scope, period: Period, *, throughout: bool = False) -> Select[Any]:
    """One row per leader who might be in the grid, with their coded prompts and records of
    the period, each set joined into one string. Aggregating per leader (rather than grouping
    a year of rows by leader and week) keeps a year of a thousand leaders quick on SQLite.
    For a team scope, `throughout` asks for the leaders who were in the teams for the whole
    period (all their rows count, unchecked); otherwise for the others, whose every prompt
    and record is checked against their membership at the time."""
    sent_at, created_at = Prompt.sent_at, Record.created_at
    answered = case((Prompt.status == PromptStatus.ANSWERED, 1), else_=0)
    prompts = in_period(
        select(
            func.aggregate_strings(cast(week_index(sent_at, period) * 2 + answered, String), ",")
        ).where(Prompt.person_id == Person.id),
        period,
        sent_at,
    )
    outcome = case(*((Record.outcome == name, code) for code, name in _OUTCOMES.items()))
    records = in_period(
        select(
            func.aggregate_strings(cast(week_index(created_at, period) * 4 + outcome, String), ",")
        ).where(Record.person_id == Person.id, Record.outcome.in_(ANSWERED)),
        period,
        created_at,
    )
    if scope.team_ids is not None and not throughout:
        prompts = prompts.where(member_then(scope.team_ids, sent_at, Prompt.person_id))
        records = records.where(member_then(scope.team_ids, created_at, Record.person_id))
    query = select(
        Person.id,
        Person.preferred_name,
        Person.display_name,
        Person.email,
        Person.platform_user_id,
        Person.pronouns,
        Person.title,
        Person.role,
        Person.is_leader,
        Person.created_at,
        prompts.scalar_subquery().label("prompts"),
        records.scalar_subquery().label("records"),
    )
    if scope.team_ids is not None:
        whole = _members_throughout(scope.team_ids, period)
        if throughout:
            query = query.where(Person.id.in_(whole))
        else:
            members = _members(scope.team_ids, period).with_only_columns(TeamMembership.person_id)
            query = query.where(Person.id.in_(members), Person.id.not_in(whole))
    if scope.workspace_id is not None:
        query = query.where(Person.workspace_id == scope.workspace_id)
    if scope.role is not None:
        query = query.where(Person.role == scope.role)
    if scope.person_ids is not None:
        query = query.where(Person.id.in_(scope.person_ids))
    return query


def _members_throughout(team_ids: tuple[int, ...], period: Period) -> Select[Any]:
    """Who was in one of the teams for the whole period: their every prompt and record in it
    counts, with no need to ask, row by row, whether they were in the team then."""
    return select(TeamMembership.person_id).where(
        TeamMembership.team_id.in_(team_ids),
        TeamMembership.started_at <= period.since,
        or_(TeamMembership.ended_at.is_(None), TeamMembership.ended_at >= period.until),
    )


def _members(team_ids: tuple[int, ...], period: Period) -> Select[Any]:
    """Memberships of the teams that overlap the period."""
    return select(
        TeamMembership.person_id, TeamMembership.started_at, TeamMembership.ended_at
    ).where(
        TeamMembership.team_id.in_(team_ids),
        TeamMembership.started_at < period.until,
        or_(TeamMembership.ended_at.is_(None), TeamMembership.ended_at > period.since),
    )


def leader_weeks(session: Session, scope: Scope, period: Period) -> LeaderWeeks:
    """The grid and weekly participation of everyone `scope` counts over `period`: the
    leaders in scope during it (enrolled; in one of the teams, for a team scope), and
    whoever had a prompt or a record counted in it (someone no longer enrolled, say)."""
    connection = session.connection()
    spans: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    if scope.team_ids is not None:
        for person_id, started, ended in connection.execute(_members(scope.team_ids, period)):
            spans[person_id].append((started, ended))
    # Per week: sent, answered, done, partly, not this week, leaders taking part, leaders.
    totals = [[0] * 7 for _ in period.weeks]
    queries = [_leaders_query(scope, period)]
    if scope.team_ids is not None:
        queries.append(_leaders_query(scope, period, throughout=True))
    rows = [
        row
        for query in queries
        for person in connection.execute(query)
        if (row := _leader_row(person, spans, scope, period, totals)) is not None
    ]
    rows.sort(key=lambda row: (row.name.casefold(), row.person_id))
    return LeaderWeeks(period=period, weeks=_week_figures(period, totals), rows=tuple(rows))


def _leader_row(
    person: Row[Any],
    spans: dict[int, list[tuple[datetime, datetime | None]]],
    scope: Scope,
    period: Period,
    totals: list[list[int]],
) -> LeaderRow | None:
    """One person's row of the grid, adding their prompts and answers to the week totals;
    None for someone with nothing in view."""
    prompts, records = _numbers(person.prompts), _numbers(person.records)
    if not (person.is_leader or prompts or records):
        return None
    if not person.is_leader:
        cells: list[Cell] = [None] * len(period.weeks)
    elif scope.team_ids is None:
        cells = _presence([(person.created_at, None)], period)
    else:
        cells = _presence(spans[person.id], period)
    sent = answered = 0
    for number, count in prompts.items():
        week = number >> 1
        cells[week] = NO_ANSWER
        tally = totals[week]
        tally[0] += count
        sent += count
        if number & 1:
            tally[1] += count
            answered += count
    # Each week's best answer: records in descending order of their numbers put a week's
    # done (code 1) after its partly (2) and not this week (3), so the best is written last.
    for number in sorted(records, reverse=True):
        totals[number >> 2][1 + (number & 3)] += records[number]
        cells[number >> 2] = _OUTCOMES[number & 3]
    if all(cell is None for cell in cells):
        return None
    for week, cell in enumerate(cells):
        if cell is not None:
            totals[week][6] += 1
            if cell in (DONE, PARTLY, NOT_THIS_WEEK):
                totals[week][5] += 1
    name = address_name(
        person.preferred_name, person.display_name, person.email, person.platform_user_id
    )
    return LeaderRow(
        person_id=person.id,
        name=name,
        role=person.role,
        is_leader=person.is_leader,
        cells=tuple(cells),
        prompts_sent=sent,
        answered=answered,
        pronouns=person.pronouns,
        title=person.title,
    )


def _week_figures(period: Period, totals: list[list[int]]) -> tuple[WeekFigures, ...]:
    """Each week's participation from its totals, with the change from the week before."""
    figures: list[WeekFigures] = []
    previous: float | None = None
    for this_week, (sent_count, answered, done, partly, not_this_week, taking_part, leaders) in zip(
        period.weeks, totals, strict=True
    ):
        rate = 100 * answered / sent_count if sent_count else None
        figures.append(
            WeekFigures(
                week=this_week,
                leaders=leaders,
                taking_part=taking_part,
                prompts_sent=sent_count,
                answered=answered,
                done=done,
                partly=partly,
                not_this_week=not_this_week,
                rate=rate,
                change=rate - previous if rate is not None and previous is not None else None,
            )
        )
        previous = rate
    return tuple(figures)


def _presence(spans: list[tuple[datetime, datetime | None]], period: Period) -> list[Cell]:
    """Not prompted in the weeks a leader was in scope (in one of the teams, or enrolled);
    out of view otherwise."""
    cells: list[Cell] = [None] * len(period.weeks)
    for start, end in spans:
        first = bisect_right(period.ends, start)
        last = len(cells) if end is None else bisect_left(period.starts, end)
        cells[first:last] = [NOT_PROMPTED] * max(0, last - first)
    return cells


@dataclass(frozen=True)
class DomainCoverage:
    """How much of one domain was practiced: records done and partly, and by how many."""

    name: str
    done: int
    partly: int
    leaders: int

    @property
    def practiced(self) -> int:
        return self.done + self.partly


@dataclass(frozen=True)
class BehaviorCount:
    behavior_id: str
    title: str
    count: int


@dataclass(frozen=True)
class LensCount:
    name: str
    count: int


@dataclass(frozen=True)
class Practice:
    """What was practiced (done or partly) in a period, by domain, behavior and lens."""

    domains: tuple[DomainCoverage, ...]
    behaviors: tuple[BehaviorCount, ...]
    lenses: tuple[LensCount, ...]
    by_person: dict[int, int]
    domains_by_person: dict[int, frozenset[str]]
    recognitions_by_person: dict[int, int]

    def recognitions(self, grid: LeaderWeeks) -> tuple[tuple[str, int], ...]:
        """Who recognized staff (records on behavior 6 done or partly) and how often, most
        first; `grid` (over at least this period) names them."""
        names = {row.person_id: row.name for row in grid.rows}
        return tuple(
            sorted(
                ((names[p], count) for p, count in self.recognitions_by_person.items()),
                key=lambda pair: (-pair[1], pair[0].casefold()),
            )
        )


def practice(session: Session, catalog: Catalog, scope: Scope, period: Period) -> Practice:
    query = (
        scoped_records(scope, period, Record.person_id, Record.behavior_id, Record.outcome)
        .add_columns(func.count())
        .where(Record.outcome.in_(PRACTICED))
        .group_by(Record.person_id, Record.behavior_id, Record.outcome)
    )
    domain_counts: dict[str, Counter[str]] = defaultdict(Counter)
    domain_people: dict[str, set[int]] = defaultdict(set)
    behaviors: Counter[str] = Counter()
    lenses: Counter[str] = Counter()
    by_person: Counter[int] = Counter()
    domains_by_person: dict[int, set[str]] = defaultdict(set)
    recognitions: Counter[int] = Counter()
    for person_id, behavior_id, outcome, count in session.connection().execute(query).all():
        by_person[person_id] += count
        entry = catalog.find(behavior_id)
        if entry is None:  # a behavior a former catalog had
            continue
        if entry.behavior.id == RECOGNITION_BEHAVIOR:
            recognitions[person_id] += count
        domain_counts[entry.domain.id][outcome] += count
        domain_people[entry.domain.id].add(person_id)
        domains_by_person[person_id].add(entry.domain.id)
        behaviors[entry.behavior.id] += count
        for lens in catalog.lenses_for(entry.behavior.id):
            lenses[lens.id] += count
    order = {behavior.id: n for n, (_, behavior) in enumerate(catalog.behaviors())}
    return Practice(
        domains=tuple(
            DomainCoverage(
                name=domain.name,
                done=domain_counts[domain.id][DONE],
                partly=domain_counts[domain.id][PARTLY],
                leaders=len(domain_people[domain.id]),
            )
            for domain in catalog.domains
        ),
        behaviors=tuple(
            BehaviorCount(behavior_id, catalog.entries[behavior_id].title, count)
            for behavior_id, count in sorted(
                behaviors.items(), key=lambda kv: (-kv[1], order[kv[0]])
            )
        ),
        lenses=tuple(LensCount(lens.name, lenses[lens.id]) for lens in catalog.lenses),
        by_person=dict(by_person),
        domains_by_person={p: frozenset(d) for p, d in domains_by_person.items()},
        recognitions_by_person=dict(recognitions),
    )


@dataclass(frozen=True)
class RoleCoverage:
    """One role's participation and practice: leaders, prompts, answers, practiced records
    and how many of the catalog's domains its leaders practiced."""

    role: str
    leaders: int
    prompts_sent: int
    answered: int
    practiced: int
    domains: int

    @property
    def rate(self) -> float | None:
        return 100 * self.answered / self.prompts_sent if self.prompts_sent else None


def role_coverage(
    catalog: Catalog, grid: LeaderWeeks, practiced: Practice
) -> tuple[RoleCoverage, ...]:
    coverage: list[RoleCoverage] = []
    for role in catalog.roles:
        rows = [row for row in grid.rows if row.role == role]
        domains: set[str] = set()
        for row in rows:
            domains |= practiced.domains_by_person.get(row.person_id, frozenset())
        coverage.append(
            RoleCoverage(
                role=role,
                leaders=len(rows),
                prompts_sent=sum(row.prompts_sent for row in rows),
                answered=sum(row.answered for row in rows),
                practiced=sum(practiced.by_person.get(row.person_id, 0) for row in rows),
                domains=len(domains),
            )
        )
    return tuple(coverage)


def barriers(session: Session, scope: Scope, period: Period) -> tuple[BarrierGroup, ...]:
    """The barriers written in the period (a barrier counts when it was written, which may
    be after its record), grouped by theme (never with who raised them), but for those
    their leaders kept private."""
    query = (
        scoped_records(scope, period, Record.barrier, func.count(), at=barrier_written)
        .where(Record.barrier.is_not(None), Record.barrier_private.is_(False))
        .group_by(Record.barrier)
    )
    return group_barriers(session.connection().execute(query).tuples().all())


@dataclass(frozen=True)
class Note:
    """A note that reaches the implementation team: shared by its leader, or written on a
    catalog item that is itself an update to the implementation team."""

    person_id: int
    leader: str
    behavior_id: str
    title: str
    note: str
    at: datetime
    kind: Literal["shared", "update"]


@dataclass(frozen=True)
class Highlights:
    """The notes for the team in a period, newest first (at most the limit asked for), and
    how many there were in all."""

    notes: tuple[Note, ...]
    total: int


def update_ids(catalog: Catalog) -> frozenset[str]:
    """Catalog items whose practice is itself an update to the implementation team."""
    return frozenset(
        entry.id
        for entry in catalog.entries.values()
        if entry.kind != "behavior" and "implementation team" in entry.text.lower()
    )


def highlights(
    session: Session, catalog: Catalog, scope: Scope, period: Period, *, limit: int = 50
) -> Highlights:
    updates = update_ids(catalog)
    query = scoped_records(
        scope,
        period,
        Record.person_id,
        Person.preferred_name,
        Person.display_name,
        Person.email,
        Person.platform_user_id,
        Record.behavior_id,
        Record.note,
        Record.shared,
        Record.created_at,
        func.count().over().label("total"),
    ).where(
        Record.note.is_not(None),
        Record.note != "",
        or_(Record.shared.is_(True), Record.behavior_id.in_(updates)),
    )
    rows = session.connection().execute(
        query.order_by(Record.created_at.desc(), Record.id.desc()).limit(limit)
    )
    notes: list[Note] = []
    total = 0
    for row in rows:
        total = row.total
        entry = catalog.find(row.behavior_id)
        notes.append(
            Note(
                person_id=row.person_id,
                leader=address_name(
                    row.preferred_name, row.display_name, row.email, row.platform_user_id
                ),
                behavior_id=row.behavior_id,
                title=entry.title if entry else "",
                note=row.note,
                at=row.created_at,
                kind="shared" if row.shared else "update",
            )
        )
    return Highlights(notes=tuple(notes), total=total)


@dataclass(frozen=True)
class Report:
    """Everything the dashboard shows for one scope and period."""

    grid: LeaderWeeks
    practice: Practice
    roles: tuple[RoleCoverage, ...]
    barriers: tuple[BarrierGroup, ...]
    highlights: Highlights
    recognitions: tuple[tuple[str, int], ...]
    streaks: list[tuple[LeaderRow, int]]
    quiet: list[tuple[LeaderRow, int]]


def build_report(
    session: Session,
    catalog: Catalog,
    scope: Scope,
    period: Period,
    *,
    now: datetime,
    notes_limit: int = 50,
) -> Report:
    """Everything the dashboard shows: the grid in one read, the rest in another, at once
    where the database can (bot/store/reads.py)."""
    grid, (practiced, raised, noted) = both(
        session,
        lambda reading: leader_weeks(reading, scope, period),
        lambda reading: (
            practice(reading, catalog, scope, period),
            barriers(reading, scope, period),
            highlights(reading, catalog, scope, period, limit=notes_limit),
        ),
    )
    return Report(
        grid=grid,
        practice=practiced,
        roles=role_coverage(catalog, grid, practiced),
        barriers=raised,
        highlights=noted,
        recognitions=practiced.recognitions(grid),
        streaks=grid.streaks(now),
        quiet=grid.quiet(now),
    )
