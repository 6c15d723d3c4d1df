"""Snapshot: the Contact + Engagement inputs the last runs decided on, one row per person.

`connector whatif` decides every person again from it (live rules vs proposed) without a CRM
read. The payload is one JSON text per person (pydantic's own JSON of the Contact and its
Engagement), read back streamed, so a million people never sit in memory at once.

Revision ID: 0005
Revises: 0003 (the lead re-chains it after the due-engine's 0004 at merge time)
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from connector.sync.schema import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_people",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("contact_id", sa.String(100), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("read_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshot_people")
