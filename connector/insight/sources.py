"""What the report reads, as the figures' plain inputs, read-only: stage moves, escalations and
task keys from the state store; people, owners and task states from the CRM's adapter."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Engine, select

from connector.adapters.base import CrmAdapter, TaskState
from connector.adapters.kit.chunks import chunks
from connector.insight.figures import PersonNow, StageMove, TaskRecord
from connector.sync.schema import audit_log, task_keys

TASK_STATE_CHUNK = 500
ESCALATION = "escalation"
CRM_STATE = {"status", "owner_id", "due_at", "completed_at"}  # what a TaskRecord takes


def people_now(adapter: CrmAdapter) -> Iterator[PersonNow]:
    """Everyone the CRM holds, streamed page by page."""
    for contact in adapter.iter_contacts(None):
        stage, source, intent = contact.lifecycle_stage, contact.source, contact.intent
        yield PersonNow(
            contact_id=contact.id,
            stage=stage.value if stage else None,
            source=source.value if source else None,
            intent=intent.value if intent else None,
            grade=contact.grade,
            score=contact.score,
            owner_id=contact.owner_id,
        )


def stage_moves(engine: Engine, account: str, since: datetime | None) -> list[StageMove]:
    """The audit log's transitions (in the period), oldest first."""
    query = (
        select(audit_log)
        .where(audit_log.c.account == account, audit_log.c.kind == "transition")
        .order_by(audit_log.c.id)
    )
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    with engine.connect() as connection:
        return [
            StageMove(
                contact_id=row.contact_id,
                from_stage=row.old_value,
                to_stage=row.new_value,
                reasons=row.rule or "",
                at=row.at,
                run_id=row.run_id,
            )
            for row in connection.execute(query)
            if row.new_value
        ]


def _escalations(engine: Engine, account: str) -> dict[str, list[str]]:
    """The audit rule text of every SLA escalation by contact ("reassign task <CRM id>: why";
    "escalation_skip" entries, tasks left alone, do not count)."""
    query = select(audit_log.c.contact_id, audit_log.c.rule).where(
        audit_log.c.account == account, audit_log.c.kind == ESCALATION
    )
    found: dict[str, list[str]] = defaultdict(list)
    with engine.connect() as connection:
        for row in connection.execute(query):
            found[row.contact_id].append(row.rule or "")
    return found


def task_records(
    engine: Engine,
    account: str,
    since: datetime | None,
    moves: Sequence[StageMove],
    adapter: CrmAdapter,
) -> list[TaskRecord]:
    """The connector's tasks created in the period, with the stage move (same contact and run)
    that made it and its state in the CRM now."""
    query = select(task_keys).where(task_keys.c.account == account)
    if since is not None:
        query = query.where(task_keys.c.created_at >= since)
    with engine.connect() as connection:
        rows = list(connection.execute(query.order_by(task_keys.c.created_at)))
    move_of = {(move.contact_id, move.run_id): move for move in moves}
    states: dict[str, TaskState] = {}
    for keys in chunks([row.key for row in rows], TASK_STATE_CHUNK):
        states.update(adapter.task_states(keys))
    escalated = _escalations(engine, account)
    records = []
    for row in rows:
        move = move_of.get((row.contact_id, row.run_id))
        state = states.get(row.key)
        in_crm = {} if state is None else state.model_dump(include=CRM_STATE)
        escalations = escalated.get(row.contact_id, [])
        records.append(
            TaskRecord(
                key=row.key,
                stage=move.to_stage if move is not None else None,
                decided_at=min(move.at if move is not None else row.created_at, row.created_at),
                escalated=any(f"task {row.crm_id}" in rule for rule in escalations),
                **in_crm,
            )
        )
    return records
