"""What the report reads, turned into the figures' plain inputs — read-only everywhere.

From the state store: the audit log's stage moves and escalations, the task keys the connector
created. From the CRM, through the adapter verbs only: people as they are now
(`iter_contacts`), owners (`list_owners`) and the tasks' current state (`task_states`, in bulk).
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Engine, select

from connector.adapters.base import CrmAdapter, TaskState
from connector.domain.contact import Contact
from connector.domain.policy import RulesPolicy
from connector.insight.figures import PersonNow, StageMove, TaskRecord
from connector.sync.schema import audit_log, task_keys

TASK_STATE_CHUNK = 500
ESCALATION = "escalation"


def person_now(contact: Contact) -> PersonNow:
    return PersonNow(
        contact_id=contact.id,
        stage=contact.lifecycle_stage.value if contact.lifecycle_stage else None,
        source=contact.source.value if contact.source else None,
        intent=contact.intent.value if contact.intent else None,
        grade=contact.grade,
        score=contact.score,
        owner_id=contact.owner_id,
    )


def people_now(adapter: CrmAdapter) -> Iterator[PersonNow]:
    """Everyone the CRM holds, streamed page by page."""
    for contact in adapter.iter_contacts(None):
        yield person_now(contact)


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
    """The audit rule text of every SLA escalation, by contact. The escalation audits each
    escalated task as kind "escalation" with a rule naming the task ("reassign task <CRM id>:
    why"); "escalation_skip" entries are tasks it left alone and do not count."""
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
    """The connector's tasks created in the period, each joined with the stage move of the same
    contact and run that made it, and its state in the CRM now."""
    query = select(task_keys).where(task_keys.c.account == account)
    if since is not None:
        query = query.where(task_keys.c.created_at >= since)
    with engine.connect() as connection:
        rows = list(connection.execute(query.order_by(task_keys.c.created_at)))
    move_of = {(move.contact_id, move.run_id): move for move in moves}
    keys = [row.key for row in rows]
    states: dict[str, TaskState] = {}
    for start in range(0, len(keys), TASK_STATE_CHUNK):
        states.update(adapter.task_states(keys[start : start + TASK_STATE_CHUNK]))
    escalated = _escalations(engine, account)
    records = []
    for row in rows:
        move = move_of.get((row.contact_id, row.run_id))
        state = states.get(row.key)
        decided = move.at if move is not None else row.created_at
        records.append(
            TaskRecord(
                key=row.key,
                contact_id=row.contact_id,
                stage=move.to_stage if move is not None else None,
                decided_at=min(decided, row.created_at),
                status=state.status if state else None,
                owner_id=state.owner_id if state else None,
                due_at=state.due_at if state else None,
                completed_at=state.completed_at if state else None,
                escalated=any(
                    f"task {row.crm_id}" in rule for rule in escalated.get(row.contact_id, [])
                ),
            )
        )
    return records


def capacities(policy: RulesPolicy) -> dict[str, int | None]:
    """Each pool member's capacity by e-mail (the first pool that names them wins)."""
    found: dict[str, int | None] = {}
    for rule in policy.routing.rules:
        for member in rule.pool:
            found.setdefault(member.owner.casefold(), member.capacity)
    return found
