"""reports indexes and used dashboard links

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "used_dashboard_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("used_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_used_dashboard_link_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_used_dashboard_link")),
        sa.UniqueConstraint("digest", name=op.f("uq_used_dashboard_link_digest")),
    )
    with op.batch_alter_table("used_dashboard_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_dashboard_link_used_at"), ["used_at"], unique=False
        )

    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_prompt_person_sent", ["person_id", "sent_at", "status"], unique=False
        )

    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_person_created"))
        batch_op.create_index(
            "ix_record_person_created_barrier",
            ["person_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("barrier IS NOT NULL"),
            postgresql_where=sa.text("barrier IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_record_person_created_covering",
            ["person_id", "created_at", "outcome", "behavior_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_record_person_created_note",
            ["person_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("note IS NOT NULL"),
            postgresql_where=sa.text("note IS NOT NULL"),
        )

    with op.batch_alter_table("team_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_membership_person"))
        batch_op.create_index(
            "ix_team_membership_person_covering",
            ["person_id", "ended_at", "team_id", "started_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("team_membership", schema=None) as batch_op:
        batch_op.drop_index("ix_team_membership_person_covering")
        batch_op.create_index(
            batch_op.f("ix_team_membership_person"), ["person_id", "ended_at"], unique=False
        )

    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_record_person_created_note",
            sqlite_where=sa.text("note IS NOT NULL"),
            postgresql_where=sa.text("note IS NOT NULL"),
        )
        batch_op.drop_index("ix_record_person_created_covering")
        batch_op.drop_index(
            "ix_record_person_created_barrier",
            sqlite_where=sa.text("barrier IS NOT NULL"),
            postgresql_where=sa.text("barrier IS NOT NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_record_person_created"), ["person_id", "created_at"], unique=False
        )

    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.drop_index("ix_prompt_person_sent")

    with op.batch_alter_table("used_dashboard_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_dashboard_link_used_at"))

    op.drop_table("used_dashboard_link")
