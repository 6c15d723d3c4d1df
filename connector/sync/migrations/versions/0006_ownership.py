"""Field ownership, truthful run history and audit actors.

- `field_marks`: per person and shared field, the value the connector last wrote (or first
  saw), so a value someone else set in the CRM is recognised and left alone;
- `runs.finished_by_run` and `runs.note`: a run whose lock was taken over is closed as `killed`
  by the run that finished its journal, saying what that run finished on its behalf;
- `audit_log.actor`: who made each write (user, host, connector version).

Revision ID: 0006
Revises: 0003 (the lead re-chains it after the revisions merged before it)
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from connector.sync.schema import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_marks",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("contact_id", sa.String(64), primary_key=True),
        sa.Column("field", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text),
        sa.Column("run_id", sa.Integer),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("finished_by_run", sa.Integer))
        runs.add_column(sa.Column("note", sa.Text))
    with op.batch_alter_table("audit_log") as audit:
        audit.add_column(sa.Column("actor", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as audit:
        audit.drop_column("actor")
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("note")
        runs.drop_column("finished_by_run")
    op.drop_table("field_marks")
