"""Data care: purging what is older than a date (`followthrough purge` and RETENTION_DAYS) and
forgetting a person (`followthrough forget`), each in the caller's one transaction."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.core.states import DigestStatus, PromptStatus
from bot.store.db import insert_ignoring_conflicts
from bot.store.models import (
    FORGOTTEN_NAME,
    FORGOTTEN_PREFIX,
    AuditEvent,
    BarrierSummary,
    CadenceRule,
    Commitment,
    ConversationRef,
    Digest,
    LocalMessage,
    Notice,
    Person,
    Prompt,
    Record,
    SchedulerState,
    SeenEvent,
    Support,
    Team,
    TeamMembership,
    UsedDashboardLink,
)

# Prompts whose life is over: the outbox will never touch them again. A prompt still waiting
# to go out, being sent, snoozed or awaiting its answer is kept, whatever its age: it expires
# within days (reminder hours at most a week), and the next purge takes it then.
FINISHED_PROMPTS = (
    PromptStatus.ANSWERED,
    PromptStatus.EXPIRED,
    PromptStatus.MISSED,
    PromptStatus.SKIPPED,
    PromptStatus.FAILED,
    PromptStatus.CANCELLED,
)
FINISHED_DIGESTS = (DigestStatus.SENT, DigestStatus.MISSED)
RETENTION_STATE = "retention"
PURGE_ACTION = "data.purge"
FORGET_ACTION = "person.forget"
# Deleting by id, this many at a time: well under SQLite's limit on bound parameters.
CHUNK = 500


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 record`, `2 records`, `0 records`."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


@dataclass(frozen=True)
class Kind:
    """One kind of row a purge or a forget deletes, and how it reads when counted."""

    key: str
    singular: str
    plural: str

    def count(self, number: int) -> str:
        return plural(number, self.singular, self.plural)


RECORDS = Kind("records", "record", "records")
PROMPTS = Kind("prompts", "prompt", "prompts")
DIGESTS = Kind("digests", "team digest", "team digests")
NOTICES = Kind("notices", "notice", "notices")
SUMMARIES = Kind("barrier_summaries", "manager's barrier summary", "managers' barrier summaries")
LOCAL_MESSAGES = Kind("local_messages", "local chat message", "local chat messages")
SEEN_EVENTS = Kind("seen_events", "seen platform event", "seen platform events")
PURGED_KINDS = (RECORDS, PROMPTS, DIGESTS, SUMMARIES, NOTICES, LOCAL_MESSAGES, SEEN_EVENTS)


@dataclass(frozen=True)
class PurgeResult:
    """What a purge deleted (or, for a dry run, would delete): in all, and by workspace.
    Seen platform events belong to no workspace: they count only in `total`."""

    before: date
    total: dict[str, int]
    by_workspace: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def deleted(self) -> int:
        return sum(self.total.values())

    def lines(self) -> list[str]:
        return [kind.count(self.total.get(kind.key, 0)) for kind in PURGED_KINDS]


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of `day`: everything before it is older than the day."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def purge(
    session: Session, *, before: date, now: datetime, by: str, dry_run: bool = False
) -> PurgeResult:
    """Delete the records, finished prompts, finished digests (their week over before the
    day), local chat messages and seen platform events older than `before` (midnight UTC),
    in every workspace. Each workspace that lost anything gets an audit event saying so, with
    the counts and `by` (who or what purged), no content. The audit trail itself is kept.
    A dry run counts the same rows and changes nothing."""
    cutoff = start_of(before)
    found: dict[str, list[tuple[int, int | None]]] = {
        RECORDS.key: _rows(
            session,
            select(Record.id, Person.workspace_id)
            .join(Person, Record.person_id == Person.id)
            .where(Record.created_at < cutoff),
        ),
        PROMPTS.key: _rows(
            session,
            select(Prompt.id, Person.workspace_id)
            .join(Person, Prompt.person_id == Person.id)
            .where(Prompt.scheduled_for < cutoff, Prompt.status.in_(FINISHED_PROMPTS)),
        ),
        DIGESTS.key: _rows(
            session,
            select(Digest.id, Team.workspace_id)
            .join(Team, Digest.team_id == Team.id)
            .where(Digest.period_end < before, Digest.status.in_(FINISHED_DIGESTS)),
        ),
        SUMMARIES.key: _rows(
            session,
            select(BarrierSummary.id, Person.workspace_id)
            .join(Person, BarrierSummary.person_id == Person.id)
            .where(
                BarrierSummary.period_end < before,
                BarrierSummary.status.in_(FINISHED_DIGESTS),
            ),
        ),
        NOTICES.key: _rows(
            session,
            select(Notice.id, Person.workspace_id)
            .join(Person, Notice.person_id == Person.id)
            .where(Notice.created_at < cutoff, Notice.status.in_(FINISHED_DIGESTS)),
        ),
        LOCAL_MESSAGES.key: _local_messages(session, LocalMessage.created_at < cutoff),
        SEEN_EVENTS.key: [
            (row_id, None)
            for row_id in session.scalars(select(SeenEvent.id).where(SeenEvent.created_at < cutoff))
        ],
    }
    by_workspace: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(found, 0))
    for key, rows in found.items():
        for _, workspace_id in rows:
            if workspace_id is not None:
                by_workspace[workspace_id][key] += 1
    result = PurgeResult(
        before=before,
        total={key: len(rows) for key, rows in found.items()},
        by_workspace=dict(by_workspace),
    )
    if dry_run:
        return result
    for key, rows in found.items():
        _delete_ids(session, MODELS[key], [row_id for row_id, _ in rows])
    for workspace_id, counts in sorted(result.by_workspace.items()):
        session.add(
            AuditEvent(
                workspace_id=workspace_id,
                actor_id=None,
                action=PURGE_ACTION,
                target=f"before {before.isoformat()}",
                detail={"before": before.isoformat(), "by": by, **counts},
                created_at=now,
            )
        )
    session.flush()
    return result


def _rows(session: Session, query: Select[Any]) -> list[tuple[int, int | None]]:
    return [(row_id, workspace_id) for row_id, workspace_id in session.execute(query).tuples()]


def _local_messages(session: Session, which: ColumnElement[bool]) -> list[tuple[int, int | None]]:
    """Local chat messages `which` selects, each with its workspace: a direct conversation
    (`dm:<person>`) is its person's, a channel (`team:<team>`) its team's."""
    people = dict(session.execute(select(Person.id, Person.workspace_id)).tuples().all())
    teams = dict(session.execute(select(Team.id, Team.workspace_id)).tuples().all())
    owners = {"dm": people, "team": teams}
    found: list[tuple[int, int | None]] = []
    for row_id, conversation in session.execute(
        select(LocalMessage.id, LocalMessage.conversation).where(which)
    ).tuples():
        kind, _, number = conversation.partition(":")
        owner = owners.get(kind, {}).get(int(number)) if number.isdigit() else None
        found.append((row_id, owner))
    return found


def _delete_ids(session: Session, model: Any, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        session.execute(
            delete(model)
            .where(model.id.in_(ids[start : start + CHUNK]))
            .execution_options(synchronize_session=False)
        )


def retention_pass(session: Session, *, now: datetime, days: int) -> PurgeResult | None:
    """The daily purge RETENTION_DAYS asks for: everything older than `days` days before
    `now`'s date (UTC). At most once a UTC day, however many passes and copies of the service
    run: the state row is locked, and the first pass of the day marks it; None when today's
    purge already ran or another copy is running it (or `days` is 0: keep forever)."""
    if days <= 0:
        return None
    state = _locked_state(session, now)
    if state is None or state.planned_until.astimezone(UTC).date() >= now.astimezone(UTC).date():
        return None
    before = now.astimezone(UTC).date() - timedelta(days=days)
    result = purge(
        session, before=before, now=now, by=f"the retention setting (RETENTION_DAYS={days})"
    )
    state.planned_until = now
    return result


def _locked_state(session: Session, now: datetime) -> SchedulerState | None:
    """The retention row, locked for this pass; None while another copy holds it (that copy
    is purging today, so this pass has nothing to do and should not wait for it)."""
    row = select(SchedulerState).filter_by(name=RETENTION_STATE)
    state = session.scalar(row.with_for_update(skip_locked=True))
    if state is not None:
        return state
    if session.scalar(row) is not None:
        return None
    # The very first purge: a mark from a day before `now`, so that this pass purges. A copy
    # inserting it at the same moment waits for this one here, that one time only.
    insert_ignoring_conflicts(
        session,
        SchedulerState,
        [{"name": RETENTION_STATE, "planned_until": now - timedelta(days=1)}],
        ["name"],
    )
    return session.scalar(row.with_for_update(skip_locked=True))


FORGOTTEN_KINDS = (
    RECORDS,
    PROMPTS,
    Kind("commitments", "commitment", "commitments"),
    Kind("memberships", "team membership", "team memberships"),
    Kind("conversations", "conversation reference", "conversation references"),
    Kind("cadences", "personal cadence", "personal cadences"),
    LOCAL_MESSAGES,
    Kind("dashboard_links", "used dashboard link", "used dashboard links"),
    SUMMARIES,
    Kind("supports", "follow-up on a barrier", "follow-ups on barriers"),
    NOTICES,
)


@dataclass(frozen=True)
class ForgetResult:
    """What forgetting someone deleted, and where their name was scrubbed from."""

    deleted: dict[str, int]
    scrubbed_audit_events: int
    scrubbed_digests: int
    scrubbed_local_messages: int
    scrubbed_summaries: int = 0

    def lines(self) -> list[str]:
        lines = [kind.count(self.deleted.get(kind.key, 0)) for kind in FORGOTTEN_KINDS]
        lines.append(
            f"their identity taken out of {plural(self.scrubbed_audit_events, 'audit event')}, "
            f"{plural(self.scrubbed_digests, 'team digest')}, "
            f"{SUMMARIES.count(self.scrubbed_summaries)} and "
            f"{plural(self.scrubbed_local_messages, 'other local chat message')}"
        )
        return lines


def holdings(session: Session, person: Person) -> dict[str, int]:
    """How many rows of each kind forgetting `person` would delete (for the confirmation)."""
    return {key: len(ids) for key, ids in _owned(session, person).items()}


def _owned(session: Session, person: Person) -> dict[str, list[int]]:
    prompts = list(session.scalars(select(Prompt.id).filter_by(person_id=person.id)))
    own_messages = or_(
        LocalMessage.conversation == f"dm:{person.id}", LocalMessage.prompt_id.in_(prompts)
    )
    return {
        "records": list(session.scalars(select(Record.id).filter_by(person_id=person.id))),
        "prompts": prompts,
        "commitments": list(session.scalars(select(Commitment.id).filter_by(person_id=person.id))),
        "memberships": list(
            session.scalars(select(TeamMembership.id).filter_by(person_id=person.id))
        ),
        # A direct chat may be known by the person's platform id alone (Teams keeps it so).
        "conversations": list(
            session.scalars(
                select(ConversationRef.id).where(
                    ConversationRef.workspace_id == person.workspace_id,
                    or_(
                        ConversationRef.person_id == person.id,
                        and_(
                            ConversationRef.kind == "dm",
                            ConversationRef.key == person.platform_user_id,
                        ),
                    ),
                )
            )
        ),
        "cadences": list(
            session.scalars(
                select(CadenceRule.id).filter_by(
                    workspace_id=person.workspace_id, scope_kind="user", scope_value=str(person.id)
                )
            )
        ),
        "local_messages": list(session.scalars(select(LocalMessage.id).where(own_messages))),
        "dashboard_links": list(
            session.scalars(select(UsedDashboardLink.id).filter_by(person_id=person.id))
        ),
        "barrier_summaries": list(
            session.scalars(select(BarrierSummary.id).filter_by(person_id=person.id))
        ),
        "supports": list(session.scalars(select(Support.id).filter_by(manager_id=person.id))),
        "notices": list(session.scalars(select(Notice.id).filter_by(person_id=person.id))),
    }


# The table each kind's rows are deleted from.
MODELS: dict[str, Any] = {
    "records": Record,
    "prompts": Prompt,
    "digests": Digest,
    "local_messages": LocalMessage,
    "seen_events": SeenEvent,
    "commitments": Commitment,
    "memberships": TeamMembership,
    "conversations": ConversationRef,
    "cadences": CadenceRule,
    "dashboard_links": UsedDashboardLink,
    "barrier_summaries": BarrierSummary,
    "supports": Support,
    "notices": Notice,
}


def forget(session: Session, person: Person, *, now: datetime, by: str) -> ForgetResult:
    """Take a person out of Follow-Through: delete their records (notes and barriers with
    them), prompts, commitments, team memberships, conversation references, personal cadence
    and local chat transcript; take their name, email and ids out of the audit trail, the
    stored team digests (their shared notes, streaks and mentions) and other local chat
    messages; empty every identifying field of their row and replace their platform user id
    with a tombstone, so no message or command finds them again. The row itself stays, as
    "a forgotten person", for the audit events they made. One audit event says that someone
    was forgotten, and nothing about whom."""
    needles = _identity(person)
    owned = _owned(session, person)
    for key, ids in owned.items():
        _delete_ids(session, MODELS[key], ids)
    scrub = _scrubber(needles)
    exact = {needle.lower() for needle in needles}
    audit_changed = 0
    for event in session.scalars(select(AuditEvent).filter_by(workspace_id=person.workspace_id)):
        if event.target.lower() in exact or event.target == f"user:{person.id}":
            target = FORGOTTEN_NAME
        else:
            target = scrub(event.target)
        detail = scrub(event.detail)
        if (target, detail) != (event.target, event.detail):
            event.target, event.detail = target, detail
            audit_changed += 1
    digests_changed = 0
    for digest in session.scalars(
        select(Digest)
        .join(Team, Digest.team_id == Team.id)
        .where(Team.workspace_id == person.workspace_id)
    ):
        if digest.requested_by_id == person.id:
            digest.requested_by_id = None
        body = scrub(_without_person(digest.body, exact))
        if body != digest.body:
            digest.body = body
            digests_changed += 1
    summaries_changed = 0
    for summary in session.scalars(
        select(BarrierSummary)
        .join(Person, BarrierSummary.person_id == Person.id)
        .where(Person.workspace_id == person.workspace_id)
    ):
        body = scrub(_without_report(summary.body, person.id))
        if body != summary.body:
            summary.body = body
            summaries_changed += 1
    for notice in session.scalars(
        select(Notice)
        .join(Person, Notice.person_id == Person.id)
        .where(Person.workspace_id == person.workspace_id)
    ):
        body = scrub(notice.body)
        if body != notice.body:
            notice.body = body
    for reference in session.scalars(
        select(ConversationRef).filter_by(workspace_id=person.workspace_id)
    ):
        # A channel's or the tenant's reference names whoever wrote there last; a message to
        # the channel needs only the conversation, so the sender goes.
        sender = reference.reference.get("user")
        if isinstance(sender, dict) and sender.get("id") == person.platform_user_id:
            reference.reference = {k: v for k, v in reference.reference.items() if k != "user"}
    messages_changed = 0
    for message in session.scalars(
        select(LocalMessage).where(
            LocalMessage.conversation.in_(_conversations(session, person.workspace_id))
        )
    ):
        body = scrub(message.body)
        if body != message.body:
            message.body = body
            messages_changed += 1
    # Whom they reported to and who reported to them go too: nobody reports to a tombstone.
    session.execute(update(Person).where(Person.manager_id == person.id).values(manager_id=None))
    _tombstone(person)
    session.add(
        AuditEvent(
            workspace_id=person.workspace_id,
            actor_id=None,
            action=FORGET_ACTION,
            target="",
            detail={"by": by},
            created_at=now,
        )
    )
    session.flush()
    return ForgetResult(
        deleted={key: len(ids) for key, ids in owned.items()},
        scrubbed_audit_events=audit_changed,
        scrubbed_digests=digests_changed,
        scrubbed_local_messages=messages_changed,
        scrubbed_summaries=summaries_changed,
    )


def _identity(person: Person) -> set[str]:
    """Every text that names this person: names, email, platform user id."""
    texts = {
        person.display_name,
        person.preferred_name,
        person.email,
        person.platform_user_id,
        person.name,
    }
    return {text.strip() for text in texts if text and text.strip()}


def _scrubber(needles: Iterable[str]) -> Any:
    """A function that replaces, in a text or anywhere inside a JSON value, every mention of
    these names (whole words, any case) with "a forgotten person"."""
    ordered = sorted(needles, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)", re.IGNORECASE
    )

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(FORGOTTEN_NAME, value)
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    return scrub


def _without_person(value: Any, names: set[str]) -> Any:
    """A stored digest without what belongs to the person: entries whose `leader` is them
    (their shared notes, streaks, quiet spells) and their name in lists of names."""
    if isinstance(value, list):
        return [
            _without_person(item, names)
            for item in value
            if not (isinstance(item, str) and item.lower() in names)
            and not (
                isinstance(item, dict)
                and isinstance(item.get("leader"), str)
                and item["leader"].lower() in names
            )
        ]
    if isinstance(value, dict):
        return {key: _without_person(item, names) for key, item in value.items()}
    return value


def _without_report(body: dict[str, Any], person_id: int) -> dict[str, Any]:
    """A manager's stored summary without the barriers the person raised. A theme left empty
    stays (empty), so that the summary's Follow up buttons still point at their themes."""
    if "themes" not in body:
        return body
    themes = [
        {**theme, "barriers": [e for e in theme["barriers"] if e.get("person_id") != person_id]}
        for theme in body["themes"]
    ]
    return {**body, "themes": themes}


def _conversations(session: Session, workspace_id: int) -> list[str]:
    """The local chat conversations of one workspace: its people's and its teams'."""
    people = session.scalars(select(Person.id).filter_by(workspace_id=workspace_id))
    teams = session.scalars(select(Team.id).filter_by(workspace_id=workspace_id))
    return [f"dm:{p}" for p in people] + [f"team:{t}" for t in teams]


def _tombstone(person: Person) -> None:
    person.platform_user_id = f"{FORGOTTEN_PREFIX}{person.id}"
    person.display_name = ""
    person.preferred_name = None
    person.pronouns = None
    person.title = None
    person.email = None
    person.role = None
    person.timezone = "UTC"
    person.is_admin = False
    person.is_leader = False
    person.paused_until = None
    person.manager_id = None
    person.undeliverable_reason = None
