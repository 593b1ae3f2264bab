"""The data model: workspaces, people, teams, commitments, cadences, prompts, records, audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.core.states import DigestStatus, PromptStatus, check
from bot.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Workspace(Base):
    """A tenant: one Slack workspace, one Microsoft 365 tenant, or the local chat."""

    __tablename__ = "workspace"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    reminder_hours: Mapped[int | None] = mapped_column(Integer, default=24)
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    # `sun,mon,tue,wed,thu`: the days prompts go out (None: Monday to Friday).
    working_days: Mapped[str | None] = mapped_column(String(27))
    # How long the Snooze button waits, and how long a prompt stays open after its reminder
    # (None: the built-in 4 hours; as long as before the reminder, or 3 days without one).
    snooze_minutes: Mapped[int | None] = mapped_column(Integer)
    expiry_hours: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()

    people: Mapped[list[Person]] = relationship(back_populates="workspace")


class Person(Base):
    """Someone the bot knows: a leader (has a role), an admin, or both."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("role IN ('supervisor', 'manager', 'director')", name="role"),
        UniqueConstraint("workspace_id", "platform_user_id"),
        Index("ix_person_workspace_email", "workspace_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    pronouns: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[date | None] = mapped_column(Date)
    # The leader this one reports to (reports and barriers go up the chain to them).
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    undeliverable_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()

    workspace: Mapped[Workspace] = relationship(back_populates="people")

    @property
    def name(self) -> str:
        """How the bot addresses this person: the name they asked for, else their display name."""
        return address_name(
            self.preferred_name, self.display_name, self.email, self.platform_user_id
        )

    @property
    def listed_name(self) -> str:
        """How lists show this person: their name, then their pronouns and title if given."""
        about = pronouns_and_title(self.pronouns, self.title)
        if not about:
            return self.name
        return f"{self.name} {about}" if self.pronouns else f"{self.name}, {about}"

    @property
    def forgotten(self) -> bool:
        """Whether `followthrough forget` took this person's identity away."""
        return self.platform_user_id.startswith(FORGOTTEN_PREFIX)


def pronouns_and_title(pronouns: str | None, title: str | None) -> str:
    """`(she/her), Intake Supervisor`: what a person gave of the two ("" for neither)."""
    return ", ".join(part for part in (f"({pronouns})" if pronouns else "", title or "") if part)


# A forgotten person's row stays (the audit trail points at it) with every identifying field
# emptied and the platform user id replaced by this prefix and the row's id: unique in the
# workspace, and never a platform's id, so no message or command can find them again.
FORGOTTEN_PREFIX = "forgotten:"
FORGOTTEN_NAME = "a forgotten person"


def address_name(
    preferred_name: str | None, display_name: str, email: str | None, platform_user_id: str
) -> str:
    """The name the bot uses for someone (CPM 1.b: the name they request)."""
    if platform_user_id.startswith(FORGOTTEN_PREFIX):
        return FORGOTTEN_NAME
    return preferred_name or display_name or email or platform_user_id


class Team(Base):
    """An implementation team: a channel that receives the weekly digest."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    channel_ref: Mapped[str] = mapped_column(String(200))
    channel_name: Mapped[str] = mapped_column(String(200), default="")
    digest_cadence: Mapped[str] = mapped_column(String(64), default="weekly fri 15:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column()


class TeamMembership(Base):
    """A leader's membership of a team over time; `ended_at` is set when they leave."""

    __tablename__ = "team_membership"
    __table_args__ = (
        # A leader's teams now (ended_at) and at any moment (team, started_at): reports ask
        # which team each record was made in.
        Index(
            "ix_team_membership_person_covering", "person_id", "ended_at", "team_id", "started_at"
        ),
        # One open membership per person and team, even if two admins add them at once.
        Index(
            "uq_team_membership_open",
            "team_id",
            "person_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship()
    person: Mapped[Person] = relationship()


class Commitment(Base):
    """A behavior a leader chose to practice, with their own goal; `ended_at` when dropped."""

    __tablename__ = "commitment"
    __table_args__ = (
        Index("ix_commitment_person_active", "person_id", "ended_at"),
        # A leader holds one active commitment per behavior.
        Index(
            "uq_commitment_active",
            "person_id",
            "behavior_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    behavior_id: Mapped[str] = mapped_column(String(32))
    goal: Mapped[str | None] = mapped_column(Text)
    # The admin who assigned it (an agency-wide rollout, say); None when the leader chose it.
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class CadenceRule(Base):
    """When prompts go out for one scope: default, role:R, team:T, behavior:ID or a user."""

    __tablename__ = "cadence_rule"
    __table_args__ = (UniqueConstraint("workspace_id", "scope_kind", "scope_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    scope_kind: Mapped[str] = mapped_column(String(16))
    scope_value: Mapped[str] = mapped_column(String(128), default="")
    spec: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column()


class Holiday(Base):
    """A day on which no prompt is sent in this workspace."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("workspace_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)


class Prompt(Base):
    """One prompt to one leader about one commitment; `delivery_key` makes it happen once."""

    __tablename__ = "prompt"
    __table_args__ = (
        Index("ix_prompt_status_scheduled", "status", "scheduled_for"),
        Index("ix_prompt_person_scheduled", "person_id", "scheduled_for"),
        # Reports count each leader's prompts, and those answered, by the week they were
        # sent, from the index alone.
        Index("ix_prompt_person_sent", "person_id", "sent_at", "status"),
        CheckConstraint(check("status", PromptStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitment.id", ondelete="SET NULL")
    )
    behavior_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    phrasing: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    scheduled_for: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=PromptStatus.PENDING)
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    reminded_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    # Failed attempts to ask the platform whether a stale send landed (bounded, then resent).
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A note (and a wish to share) given before the leader picked an outcome: kept here, not
    # as a record, until they choose Done, Partly or Not this week.
    draft_note: Mapped[str | None] = mapped_column(Text)
    draft_shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column()

    person: Mapped[Person] = relationship()


class Record(Base):
    """An accountability record: what a leader did (or did not) about one behavior."""

    __tablename__ = "record"
    __table_args__ = (
        # Each leader's records by time, carrying what reports count (outcome and behavior)
        # so that a year of records is read from the index alone.
        Index(
            "ix_record_person_created_covering", "person_id", "created_at", "outcome", "behavior_id"
        ),
        # The few records with a barrier or a note, for the digest's and dashboard's lists.
        Index(
            "ix_record_person_created_barrier",
            "person_id",
            "created_at",
            sqlite_where=text("barrier IS NOT NULL"),
            postgresql_where=text("barrier IS NOT NULL"),
        ),
        Index(
            "ix_record_person_created_note",
            "person_id",
            "created_at",
            sqlite_where=text("note IS NOT NULL"),
            postgresql_where=text("note IS NOT NULL"),
        ),
        CheckConstraint(
            "outcome IN ('done', 'partly', 'not_this_week', 'skipped')", name="outcome"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    behavior_id: Mapped[str] = mapped_column(String(32))
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompt.id", ondelete="SET NULL"), unique=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    barrier: Mapped[str | None] = mapped_column(Text)
    # A barrier the leader kept to themselves: no manager, digest or dashboard shows it.
    barrier_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the barrier was last written or changed (None before migration 0012: then the
    # record's own moment). A manager's weekly summary takes a barrier in the week it says
    # this, so one typed days after its "Not this week" is in a summary all the same.
    barrier_at: Mapped[datetime | None]
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()
    edited_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class Digest(Base):
    """A digest for one team and one period; the unique pair makes it go out once."""

    __tablename__ = "digest"
    __table_args__ = (
        UniqueConstraint("team_id", "period_start"),
        CheckConstraint(check("status", DigestStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    body: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default=DigestStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    claimed_at: Mapped[datetime | None]
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column()

    team: Mapped[Team] = relationship()


class BarrierSummary(Base):
    """A manager's weekly summary of what got in their direct reports' way, grouped by
    theme; the unique pair makes it go out once."""

    __tablename__ = "barrier_summary"
    __table_args__ = (
        UniqueConstraint("person_id", "period_start"),
        CheckConstraint(check("status", DigestStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    body: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default=DigestStatus.PENDING)
    claimed_at: Mapped[datetime | None]
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column()


class Notice(Base):
    """A message to one person outside any conversation they started (a commitment an admin
    assigned them, say); `key` makes it go out once."""

    __tablename__ = "notice"
    __table_args__ = (
        Index("ix_notice_status", "status"),
        CheckConstraint(check("status", DigestStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default=DigestStatus.PENDING)
    claimed_at: Mapped[datetime | None]
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column()


class Support(Base):
    """A manager's follow-up on a barrier one of their people met: they acted to help."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("record_id", "manager_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()


class ConversationRef(Base):
    """How to reach a person or a channel on their platform (opaque to the core)."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    reference: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column()


class AuditEvent(Base):
    """Who changed what, and when: one row per admin change."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()


class SchedulerState(Base):
    """How far the scheduling passes have planned, so a restart catches up from there; the
    row named `retention` holds when the last daily purge ran instead."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    planned_until: Mapped[datetime]


class LocalMessage(Base):
    """The local chat's transcript: what was said in a direct conversation or a team channel."""

    __tablename__ = "local_message"
    __table_args__ = (Index("ix_local_message_conversation", "conversation", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]]
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompt.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None]


class SeenEvent(Base):
    """An inbound platform event already handled: a retried delivery of it is ignored."""

    __tablename__ = "seen_event"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(index=True)


class UsedDashboardLink(Base):
    """A dashboard link already exchanged for a session: each link opens the dashboard once.
    Only a digest of the link is kept; rows older than a link's life are purged."""

    __tablename__ = "used_dashboard_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(index=True)
