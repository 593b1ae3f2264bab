"""barriers up the chain: private barriers, managers' weekly summaries, follow-ups

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Written out rather than imported, so this migration stays what it was when states change.
SUMMARY_STATES = "'pending', 'sending', 'sent', 'missed'"


def upgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("barrier_private", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "barrier_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("check_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("platform_message_id", sa.String(length=200), nullable=True),
        sa.Column("sent_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({SUMMARY_STATES})", name=op.f("ck_barrier_summary_status")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_barrier_summary_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_barrier_summary")),
        sa.UniqueConstraint(
            "person_id", "period_start", name=op.f("uq_barrier_summary_person_id_period_start")
        ),
    )
    op.create_table(
        "support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["person.id"],
            name=op.f("fk_support_manager_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["record.id"],
            name=op.f("fk_support_record_id_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support")),
        sa.UniqueConstraint(
            "record_id", "manager_id", name=op.f("uq_support_record_id_manager_id")
        ),
    )
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_manager_id"), ["manager_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_manager_id"))
    op.drop_table("support")
    op.drop_table("barrier_summary")
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_column("barrier_private")
