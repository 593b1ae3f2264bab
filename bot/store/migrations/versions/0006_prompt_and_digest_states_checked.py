"""prompt and digest states checked

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Written out rather than imported, so this migration stays what it was when states change.
PROMPT_STATES = (
    "'pending', 'sending', 'sent', 'snoozed', 'answered', "
    "'expired', 'missed', 'skipped', 'failed', 'cancelled'"
)
DIGEST_STATES = "'pending', 'sending', 'sent', 'missed'"


def upgrade() -> None:
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.create_check_constraint("status", f"status IN ({PROMPT_STATES})")
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.create_check_constraint("status", f"status IN ({DIGEST_STATES})")


def downgrade() -> None:
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_digest_status"), type_="check")
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_prompt_status"), type_="check")
