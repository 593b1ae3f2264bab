"""outbox claims and the local chat

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("planned_until", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_state")),
    )
    op.create_table(
        "local_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompt.id"],
            name=op.f("fk_local_message_prompt_id_prompt"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_message")),
    )
    with op.batch_alter_table("local_message", schema=None) as batch_op:
        batch_op.create_index("ix_local_message_conversation", ["conversation", "id"], unique=False)

    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_at", bot.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("platform_message_id", sa.String(length=200), nullable=True))

    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phrasing", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("claimed_at", bot.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("phrasing")

    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_column("platform_message_id")
        batch_op.drop_column("claimed_at")

    with op.batch_alter_table("local_message", schema=None) as batch_op:
        batch_op.drop_index("ix_local_message_conversation")

    op.drop_table("local_message")
    op.drop_table("scheduler_state")
