"""assigned commitments and notices

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Written out rather than imported, so this migration stays what it was when states change.
NOTICE_STATES = "'pending', 'sending', 'sent', 'missed'"


def upgrade() -> None:
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_commitment_assigned_by_id_person"),
            "person",
            ["assigned_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("check_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("platform_message_id", sa.String(length=200), nullable=True),
        sa.Column("sent_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({NOTICE_STATES})", name=op.f("ck_notice_status")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_notice_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_notice_key")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index("ix_notice_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_status")
    op.drop_table("notice")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_commitment_assigned_by_id_person"), type_="foreignkey"
        )
        batch_op.drop_column("assigned_by_id")
