"""A team's weekly digest, computed: the week's figures for one implementation team as a typed
body, stored with the digest as JSON (`to_json`, read back by `read_digest`) so that what is
posted is what was computed when it was queued."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.reports.barriers import BarrierGroup, BarrierText
from bot.reports.figures import (
    BehaviorCount,
    LensCount,
    WeekFigures,
    barriers,
    highlights,
    leader_weeks,
    practice,
)
from bot.reports.scope import Period, Scope
from bot.store.models import Team
from bot.store.reads import both

# How far back a digest traces streaks and quiet spells.
LOOKBACK_WEEKS = 52
# The shape of a digest's body as stored; a body of another version is an `EarlierDigest`.
DIGEST_VERSION = 2
# At most this many shared notes and streaks are kept with a digest; the dashboard has the rest.
SHOWN_NOTES, SHOWN_STREAKS = 10, 5


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


@dataclass(frozen=True)
class Participation:
    """One week's leaders, those who answered anything, prompts sent and answered, and the
    answer rate in percent (None when no prompt went out)."""

    leaders: int
    taking_part: int
    prompts_sent: int
    answers: int
    rate: float | None


@dataclass(frozen=True)
class Outcomes:
    done: int
    partly: int
    not_this_week: int


@dataclass(frozen=True)
class DomainPractice:
    """A domain practiced this week: records done and partly done under it."""

    name: str
    done: int
    partly: int


@dataclass(frozen=True)
class SharedNote:
    """A note that reaches the team: shared by its leader, or an update written to it."""

    leader: str
    behavior_id: str
    title: str
    note: str
    kind: Literal["shared", "update"]


@dataclass(frozen=True)
class Recognitions:
    """Records of recognizing staff this week, and the leaders who made them."""

    count: int
    leaders: tuple[str, ...]


@dataclass(frozen=True)
class LeaderSpell:
    """A leader and a run of weeks: practiced in a row (a streak) or without an answer."""

    leader: str
    weeks: int


@dataclass(frozen=True)
class DigestBody:
    """One team's week, as computed when the digest was queued. `streaks` and `shared` are
    the first few of `streaks_total` and `shared_total`."""

    team: str
    period_start: date
    period_end: date
    this_week: Participation
    last_week: Participation
    change: float | None
    outcomes: Outcomes
    domains: tuple[DomainPractice, ...]
    top_behaviors: tuple[BehaviorCount, ...]
    lenses: tuple[LensCount, ...]
    shared: tuple[SharedNote, ...]
    shared_total: int
    recognitions: Recognitions
    barriers: tuple[BarrierGroup, ...]
    streaks: tuple[LeaderSpell, ...]
    streaks_total: int
    quiet_leaders: tuple[LeaderSpell, ...]

    def to_json(self) -> dict[str, Any]:
        """The body as stored in `Digest.body` (version `DIGEST_VERSION`)."""
        return {
            "version": DIGEST_VERSION,
            "team": self.team,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            **asdict(self.this_week),
            "last_week": asdict(self.last_week),
            "change": self.change,
            "outcomes": asdict(self.outcomes),
            "domains": [asdict(d) for d in self.domains],
            "top_behaviors": [
                {"id": b.behavior_id, "title": b.title, "count": b.count}
                for b in self.top_behaviors
            ],
            "lenses": [asdict(lens) for lens in self.lenses],
            "shared": [asdict(s) for s in self.shared],
            "shared_total": self.shared_total,
            "recognitions": {
                "count": self.recognitions.count,
                "leaders": list(self.recognitions.leaders),
            },
            "barriers": [
                {
                    "theme": group.theme,
                    "count": group.count,
                    "texts": [asdict(t) for t in group.texts],
                }
                for group in self.barriers
            ],
            "streaks": [asdict(s) for s in self.streaks],
            "streaks_total": self.streaks_total,
            "quiet_leaders": [asdict(q) for q in self.quiet_leaders],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DigestBody:
        """A body stored by `to_json` (version `DIGEST_VERSION`)."""
        return cls(
            team=data["team"],
            period_start=date.fromisoformat(data["period_start"]),
            period_end=date.fromisoformat(data["period_end"]),
            this_week=Participation(
                data["leaders"],
                data["taking_part"],
                data["prompts_sent"],
                data["answers"],
                data["rate"],
            ),
            last_week=Participation(**data["last_week"]),
            change=data["change"],
            outcomes=Outcomes(**data["outcomes"]),
            domains=tuple(DomainPractice(**d) for d in data["domains"]),
            top_behaviors=tuple(
                BehaviorCount(b["id"], b["title"], b["count"]) for b in data["top_behaviors"]
            ),
            lenses=tuple(LensCount(**lens) for lens in data["lenses"]),
            shared=tuple(SharedNote(**s) for s in data["shared"]),
            shared_total=data["shared_total"],
            recognitions=Recognitions(
                data["recognitions"]["count"], tuple(data["recognitions"]["leaders"])
            ),
            barriers=tuple(
                BarrierGroup(
                    group["theme"],
                    group["count"],
                    tuple(BarrierText(**t) for t in group["texts"]),
                )
                for group in data["barriers"]
            ),
            streaks=tuple(LeaderSpell(**s) for s in data["streaks"]),
            streaks_total=data["streaks_total"],
            quiet_leaders=tuple(LeaderSpell(**q) for q in data["quiet_leaders"]),
        )


@dataclass(frozen=True)
class EarlierDigest:
    """A digest stored by an earlier version of Follow-Through: only what every version kept,
    as it was stored."""

    team: str
    period_start: str
    period_end: str
    leaders: int
    taking_part: int


def read_digest(data: Mapping[str, Any]) -> DigestBody | EarlierDigest:
    """A digest's stored body, whichever version stored it."""
    if data.get("version") == DIGEST_VERSION:
        return DigestBody.from_json(data)
    return EarlierDigest(
        team=data["team"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        leaders=data["leaders"],
        taking_part=data["taking_part"],
    )


def compute_digest(
    session: Session,
    catalog: Catalog,
    team: Team,
    start: date,
    end: date,
    *,
    now: datetime,
) -> DigestBody:
    """The figures for one team's week (`start` to `end`, in the team's zone): a record counts
    for the team its leader was in at the time; notes appear only when shared or written as an
    update to the implementation team."""
    zone = ZoneInfo(team.timezone)
    scope = Scope(workspace_id=team.workspace_id, team_ids=(team.id,))
    week = Period(start, end, zone)
    history = Period.weeks_ending(end, LOOKBACK_WEEKS, zone)
    grid, (practiced, noted, raised) = both(
        session,
        lambda reading: leader_weeks(reading, scope, history),
        lambda reading: (
            practice(reading, catalog, scope, week),
            highlights(reading, catalog, scope, week, limit=SHOWN_NOTES),
            barriers(reading, scope, week),
        ),
    )
    now = min(now, history.until)
    this, last = grid.weeks[-1], grid.weeks[-2]
    streaks = grid.streaks(now)
    recognized = practiced.recognitions(grid)
    return DigestBody(
        team=team.name,
        period_start=start,
        period_end=end,
        this_week=_participation(this),
        last_week=_participation(last),
        change=this.change,
        outcomes=Outcomes(this.done, this.partly, this.not_this_week),
        domains=tuple(
            DomainPractice(d.name, d.done, d.partly)
            for d in sorted(practiced.domains, key=lambda d: -d.practiced)
            if d.practiced
        ),
        top_behaviors=tuple(b for b in practiced.behaviors[:3]),
        lenses=practiced.lenses,
        shared=tuple(
            SharedNote(n.leader, n.behavior_id, n.title, n.note, n.kind)
            for n in reversed(noted.notes)
        ),
        shared_total=noted.total,
        recognitions=Recognitions(
            sum(count for _, count in recognized), tuple(name for name, _ in recognized)
        ),
        barriers=raised,
        streaks=tuple(LeaderSpell(row.name, weeks) for row, weeks in streaks[:SHOWN_STREAKS]),
        streaks_total=len(streaks),
        quiet_leaders=tuple(LeaderSpell(row.name, weeks) for row, weeks in grid.quiet(now)),
    )


def _participation(week: WeekFigures) -> Participation:
    return Participation(
        week.leaders, week.taking_part, week.prompts_sent, week.answered, week.rate
    )
