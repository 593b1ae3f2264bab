"""snooze and expiry lengths

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snooze_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("expiry_hours", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("expiry_hours")
        batch_op.drop_column("snooze_minutes")
