"""What the report reads after a real backfill: each follow-up task joined with the stage move
that made it and its state in the CRM (task_states through the adapter), and escalations
counted from the audit log exactly as the SLA escalation writes them."""

from sqlalchemy import select

from connector.insight.sources import stage_moves, task_records
from connector.sync.engine import RunOptions
from connector.sync.schema import task_keys
from connector.sync.state import AuditEntry


def test_tasks_join_their_stage_move_and_crm_state_and_escalations(sandbox, store, make_engine):
    engine = make_engine(sandbox, store)
    engine.backfill(RunOptions())
    with store.engine.connect() as connection:
        rows = list(connection.execute(select(task_keys)))
    assert len(rows) >= 2
    first, second = rows[0], rows[1]
    store.audit(
        "portal",
        None,
        [
            AuditEntry(
                contact_id=first.contact_id,
                kind="escalation",
                field="owner_id",
                rule=f"reassign task {first.crm_id}: not done 2 business hours after due",
            ),
            AuditEntry(
                contact_id=second.contact_id,
                kind="escalation_skip",
                field="task",
                rule=f"reassign task {second.crm_id}: already done",
            ),
        ],
    )
    moves = stage_moves(store.engine, "portal", None)
    records = {r.key: r for r in task_records(store.engine, "portal", None, moves, engine.adapter)}
    assert set(records) == {row.key for row in rows}
    assert [key for key, r in records.items() if r.escalated] == [first.key]
    moved_to = {(m.contact_id, m.run_id): m.to_stage for m in moves}
    for row in rows:
        record = records[row.key]
        assert record.stage == moved_to[(row.contact_id, row.run_id)]
        assert record.decided_at <= row.created_at
        # fresh from the backfill: open in the CRM (or not yet in HubSpot's search index)
        assert record.status in ("open", None)
