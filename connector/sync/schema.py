"""The state store's tables (SQLAlchemy Core). Changes go through a new Alembic revision in
connector/sync/migrations/versions, never by editing an applied one, so an old state file
opens with a new release."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes stored as ISO-8601 text, identical on SQLite and PostgreSQL."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("state timestamps must be timezone-aware")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(200), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("outcome", String(40)),
    Column("counts", JSON),
    Column("api_calls", JSON),
    # A killed run: the run that took its lock over and finished its journal, and what it did.
    Column("finished_by_run", Integer),
    Column("note", Text),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("object", String(100), primary_key=True),
    Column("value", UtcDateTime, nullable=False),
    Column("run_id", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("job", String(100), primary_key=True),
    Column("cursor", Text),
    Column("pages_done", Integer, nullable=False, default=0),
    Column("records_done", Integer, nullable=False, default=0),
    Column("total", Integer),
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

routing_states = Table(
    "routing_states",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

task_keys = Table(
    "task_keys",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("crm_id", String(100), nullable=False),
    Column("contact_id", String(100), nullable=False),
    Column("run_id", Integer),
    Column("created_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, index=True),
    Column("account", String(200), nullable=False),
    Column("contact_id", String(100), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("field", String(100)),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("rule", Text),
    Column("at", UtcDateTime, nullable=False),
    # Who made the write: "user@host connector/VERSION".
    Column("actor", String(200)),
)

locks = Table(
    "locks",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("heartbeat_at", UtcDateTime, nullable=False),
)

# Added by revision 0002 as one row per account, made one row per page by 0003 (a row per slice
# of a page's people since, in the payload alone: `PendingWrite.page_end`): the writes a run
# is about to make, recorded before it makes them, so a run killed mid-write is finished by the
# next one exactly as planned (see SyncEngine).
write_journal = Table(
    "write_journal",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("job", String(20), nullable=False),
    # False while a sync's change-limit guard has not yet judged the run's plan.
    Column("approved", Boolean, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Added by revision 0004 (speed to lead). When each decided person's decision next changes with
# no new input, so a sync re-reads exactly the people that are due; and when a score that only
# cooled was last written, so decay refreshes it at most once per `scoring.refresh` interval.
contact_due = Table(
    "contact_due",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("contact_id", String(100), primary_key=True),
    Column("due_at", UtcDateTime, index=True),
    Column("reason", Text),
    Column("score_refreshed_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Added by revision 0004: the follow-up tasks whose stage escalates, when each is escalated if
# still open, and what became of it (waiting, escalated, closed: done by the rep or gone).
task_escalations = Table(
    "task_escalations",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("crm_id", String(100), nullable=False),
    Column("contact_id", String(100), nullable=False),
    Column("stage", String(40), nullable=False),
    Column("owner_id", String(100)),
    Column("task_due_at", UtcDateTime, nullable=False),
    Column("escalate_at", UtcDateTime, nullable=False, index=True),
    Column("state", String(20), nullable=False),
    Column("to_owner_id", String(100)),
    Column("outcome", Text),
    Column("run_id", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Added by revision 0005: the inputs the last runs decided on (one row per person: the Contact
# and its Engagement as JSON), so `connector whatif` can decide everyone again without reading
# the CRM. Written by sync and backfill as pages are decided; see connector/sync/snapshot.py.
snapshot_people = Table(
    "snapshot_people",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("contact_id", String(100), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("read_at", UtcDateTime, nullable=False),
)

#: Per person and shared field, the value the connector last wrote (or first saw): a CRM value
#: that differs from it was set by someone else, and a shared field is then left alone.
field_marks = Table(
    "field_marks",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("contact_id", String(64), primary_key=True),
    Column("field", String(40), primary_key=True),
    Column("value", Text),
    Column("run_id", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
)
