"""The first state schema: runs, watermarks, checkpoints, routing state, task keys, audit, locks.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from connector.sync.schema import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(200), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("outcome", sa.String(40)),
        sa.Column("counts", sa.JSON),
        sa.Column("api_calls", sa.JSON),
    )
    op.create_table(
        "watermarks",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("object", sa.String(100), primary_key=True),
        sa.Column("value", UtcDateTime, nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("job", sa.String(100), primary_key=True),
        sa.Column("cursor", sa.Text),
        sa.Column("pages_done", sa.Integer, nullable=False),
        sa.Column("records_done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "routing_states",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "task_keys",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("crm_id", sa.String(100), nullable=False),
        sa.Column("contact_id", sa.String(100), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, index=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("contact_id", sa.String(100), nullable=False, index=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("field", sa.String(100)),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Column("rule", sa.Text),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "locks",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("acquired_at", UtcDateTime, nullable=False),
        sa.Column("heartbeat_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "locks",
        "audit_log",
        "task_keys",
        "routing_states",
        "checkpoints",
        "watermarks",
        "runs",
    ):
        op.drop_table(table)
