"""draft notes on prompts and counted delivery checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("check_failures", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("draft_note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("draft_shared", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("check_failures", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_column("check_failures")
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.drop_column("draft_shared")
        batch_op.drop_column("draft_note")
        batch_op.drop_column("check_failures")
