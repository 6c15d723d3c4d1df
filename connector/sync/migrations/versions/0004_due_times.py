"""Due times and SLA escalation (issue #13, speed to lead).

`contact_due`: per decided person, when the decision next changes with no new input (decay,
idle timer, closing windows) and when a cooled score was last refreshed, so every sync re-reads
exactly the people that are due. `task_escalations`: per follow-up task whose stage escalates,
when it is escalated if still open and what became of it, so each task is escalated once.

Both start empty on upgrade: people decided by an older release get their due time at their
next decision (any change or a backfill), which is what that release would have done anyway.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from connector.sync.schema import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_due",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("contact_id", sa.String(100), primary_key=True),
        sa.Column("due_at", UtcDateTime),
        sa.Column("reason", sa.Text),
        sa.Column("score_refreshed_at", UtcDateTime),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_contact_due_due_at", "contact_due", ["due_at"])
    op.create_table(
        "task_escalations",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("crm_id", sa.String(100), nullable=False),
        sa.Column("contact_id", sa.String(100), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("owner_id", sa.String(100)),
        sa.Column("task_due_at", UtcDateTime, nullable=False),
        sa.Column("escalate_at", UtcDateTime, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("to_owner_id", sa.String(100)),
        sa.Column("outcome", sa.Text),
        sa.Column("run_id", sa.Integer),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_task_escalations_escalate_at", "task_escalations", ["escalate_at"])


def downgrade() -> None:
    """Drop both tables: an older release neither reads nor needs them (it re-decides people
    only when they change, and never escalates)."""
    op.drop_index("ix_task_escalations_escalate_at", table_name="task_escalations")
    op.drop_table("task_escalations")
    op.drop_index("ix_contact_due_due_at", table_name="contact_due")
    op.drop_table("contact_due")
