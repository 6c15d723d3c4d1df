"""Write journal: a run's planned CRM writes, one row per page, instead of one per account.

A backfill now journals every page as it is decided and writes the CRM once several pages
have gathered (full batches instead of a partial batch per page), so the journal must hold
several pages at once. A sync journals its pages before its change-limit guard has judged
them, unapproved: a killed run's unapproved rows are discarded, never replayed. A pending entry
left by a killed run of an older release is carried over, approved, as its account's first row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from connector.sync.schema import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: The list-valued parts of a journaled payload; the others come from the newest row.
_LISTS = ("updates", "tasks", "audit", "skipped")


def upgrade() -> None:
    journal = op.create_table(
        "write_journal",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("job", sa.String(20), nullable=False),
        sa.Column("approved", sa.Boolean, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    bind = op.get_bind()
    old = sa.table(
        "pending_writes",
        sa.column("account", sa.String),
        sa.column("job", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("created_at", UtcDateTime),
    )
    rows = bind.execute(sa.select(old)).mappings().all()
    if rows:
        op.bulk_insert(journal, [{**row, "seq": 0, "approved": True} for row in rows])
    op.drop_table("pending_writes")


def downgrade() -> None:
    pending = op.create_table(
        "pending_writes",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("job", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    bind = op.get_bind()
    journal = sa.table(
        "write_journal",
        sa.column("account", sa.String),
        sa.column("seq", sa.Integer),
        sa.column("job", sa.String),
        sa.column("approved", sa.Boolean),
        sa.column("payload", sa.JSON),
        sa.column("created_at", UtcDateTime),
    )
    merged: dict[str, dict[str, Any]] = {}
    ordered = (
        sa.select(journal.c.account, journal.c.job, journal.c.payload, journal.c.created_at)
        .where(journal.c.approved)
        .order_by(journal.c.account, journal.c.seq)
    )
    for row in bind.execute(ordered).mappings():
        entry = merged.get(row["account"])
        if entry is None:
            merged[row["account"]] = {**row, "payload": dict(row["payload"])}
            continue
        payload = entry["payload"]
        newer = row["payload"]
        for name in _LISTS:
            payload[name] = [*payload.get(name, []), *newer.get(name, [])]
        for name, value in newer.items():
            if name not in _LISTS and value is not None:
                payload[name] = value
    if merged:
        op.bulk_insert(
            pending,
            list(merged.values()),
        )
    op.drop_table("write_journal")
