"""Speed to lead in a sync: the refresh rule for cooled scores and the planning of SLA
escalations, kept out of engine.py so the run's frame stays readable.

Both are decided from the state store and the CRM's current answers, journaled like every
other write (see SyncEngine) and so idempotent across re-runs and crashes: a reassignment is
"give task K to owner O" (the same again is no change) and a notify task has its own key.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from connector.adapters.base import CrmAdapter, TaskReassignment, TaskState
from connector.adapters.kit.chunks import chunks
from connector.domain.contact import Contact, Owner
from connector.domain.escalation import (
    EscalationPlan,
    escalate_at,
    escalation_template,
    notify,
    reassign,
)
from connector.domain.outcomes import ContactUpdate, TaskSpec, UpdatableField
from connector.domain.policy import EscalationAction, RulesPolicy
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage
from connector.sync.report import RunSummary
from connector.sync.state import AuditEntry, EscalationRow, EscalationWatch, PendingWrite

DUE_READ_BATCH = 1000
"""Due people asked of the adapter per `read_contacts` call; the adapter splits them into
the CRM's full batches (HubSpot 100, Salesforce 200 per call)."""

TASK_STATE_BATCH = 1000
"""Escalation keys asked of the adapter per `task_states` call (it batches them itself)."""

_SCORE_ONLY = frozenset({UpdatableField.SCORE, UpdatableField.SCORE_REASONS})


def is_refresh(update: ContactUpdate) -> bool:
    """Whether an update only rewrites the score (and its explanation)."""
    return UpdatableField.SCORE in update.changes and not set(update.changes) - _SCORE_ONLY


def only_cools(contact: Contact, update: ContactUpdate | None) -> bool:
    """Whether `update` does nothing but lower the stored score (and rewrite its reasons).

    Decay only ever lowers a score and a new positive engagement only ever raises it, so such
    an update is what time did since the score was written — whatever made the run read the
    person again: a change the rules do not read (the connector's own escalation moving the
    owner, anyone editing a phone number) as much as a due time. It then falls under the same
    refresh rule as a due read; without that, the decision would depend on why the person was
    read, and a sync after a sync would write cooled scores one at a time (issue #16 item 4).
    """
    if update is None or not is_refresh(update):
        return False
    new = update.changes[UpdatableField.SCORE]
    return isinstance(new, int) and contact.score is not None and new < contact.score


def apply_refresh_rule(
    contact: Contact,
    update: ContactUpdate | None,
    policy: RulesPolicy,
    refreshed_at: datetime | None,
    now: datetime,
) -> tuple[ContactUpdate | None, datetime | None]:
    """For a person re-decided only because time passed: an update that merely cools the
    score is written when the stored score drifted beyond `scoring.refresh` and was not
    refreshed within its interval. Returns the update to make (or None) and, when the refresh
    waits for the interval, the moment it may be written."""
    if update is None or set(update.changes) - _SCORE_ONLY:
        return update, None  # nothing to write, or a real decision that carries the score
    refresh = policy.scoring.refresh
    true_score = update.changes.get(UpdatableField.SCORE, contact.score)
    if not isinstance(true_score, int) or not refresh.drifted(contact.score, true_score):
        return None, None
    interval = timedelta(hours=refresh.min_interval_hours)
    if refreshed_at is not None and now - refreshed_at < interval:
        return None, refreshed_at + interval
    return update, None


def escalation_watch(task: TaskSpec, policy: RulesPolicy) -> EscalationWatch | None:
    """What to remember about a new follow-up task whose stage escalates."""
    at = escalate_at(task, policy.tasks)
    if at is None:
        return None
    return EscalationWatch(
        key=task.key,
        contact_id=task.contact_id,
        stage=task.stage.value,
        owner_id=task.owner_id,
        task_due_at=task.due_at,
        escalate_at=at,
    )


def _closed(row: EscalationRow, action: EscalationAction, reason: str) -> EscalationPlan:
    return EscalationPlan(
        task_key=row.key,
        task_crm_id=row.crm_id,
        contact_id=row.contact_id,
        action=action,
        from_owner_id=row.owner_id,
        to_owner_id=None,
        reason=reason,
        closed=True,
    )


def plan_escalation(
    row: EscalationRow,
    state: TaskState | None,
    policy: RulesPolicy,
    owners: Sequence[Owner],
    routing: RoutingState,
    now: datetime,
) -> tuple[EscalationPlan, RoutingState]:
    """What to do with one task past its escalation time, given its state in the CRM."""
    template = escalation_template(LifecycleStage(row.stage), policy.tasks)
    action = template.action if template is not None else EscalationAction.REASSIGN
    if state is None:
        # Absent means deleted: escalation comes at least the SLA plus the margin (minutes to
        # hours) after the task was created, far beyond HubSpot's search-index lag (seconds).
        return _closed(row, action, "the task is no longer in the CRM"), routing
    if state.status == "done":
        return _closed(row, action, "the rep completed the task: nothing to escalate"), routing
    if template is None:
        return _closed(row, action, f"stage {row.stage} no longer escalates"), routing
    if state.owner_id and row.owner_id and state.owner_id != row.owner_id:
        reason = f"a person already moved the task to {state.owner_id}"
        return _closed(row, action, reason), routing
    if action == EscalationAction.NOTIFY:
        plan = notify(
            row.key,
            row.crm_id,
            row.contact_id,
            row.owner_id,
            LifecycleStage(row.stage),
            row.task_due_at,
            template,
            owners,
            policy.tasks,
            now,
        )
        return plan, routing
    return reassign(
        row.key, row.crm_id, row.contact_id, row.owner_id, owners, policy.routing, routing, now
    )


def escalation_part(
    rows: Sequence[EscalationRow],
    adapter: CrmAdapter,
    policy: RulesPolicy,
    owners: Sequence[Owner],
    routing: RoutingState,
    now: datetime,
    run_id: int | None,
    summary: RunSummary,
) -> PendingWrite:
    """The journal entry of this run's escalations: the tasks' states read in bulk, one plan
    per task, the owner moves as contact updates (so the change-limit guard counts them),
    the task moves and the notify tasks; every plan audited with who, from, to and why."""
    states: dict[str, TaskState] = {}
    for batch in chunks([row.key for row in rows], TASK_STATE_BATCH):
        states.update(adapter.task_states(batch))
    plans: list[EscalationPlan] = []
    updates: list[ContactUpdate] = []
    moves: list[TaskReassignment] = []
    tasks: list[TaskSpec] = []
    audit: list[AuditEntry] = []
    for row in rows:
        plan, routing = plan_escalation(row, states.get(row.key), policy, owners, routing, now)
        plans.append(plan)
        if plan.to_owner_id is None:
            summary.escalations_closed += plan.closed
            summary.escalations_unassignable += not plan.closed
            audit.append(
                AuditEntry(
                    contact_id=plan.contact_id,
                    kind="escalation_skip",
                    field="task",
                    old_value=plan.task_crm_id,
                    rule=f"{plan.action.value}: {plan.reason}",
                )
            )
            continue
        summary.escalations_planned += 1
        if plan.action == EscalationAction.REASSIGN:
            updates.append(
                ContactUpdate(
                    contact_id=plan.contact_id,
                    changes={UpdatableField.OWNER_ID: plan.to_owner_id},
                    previous={UpdatableField.OWNER_ID: plan.from_owner_id},
                    reasons=(f"SLA escalation of task {plan.task_crm_id}",),
                )
            )
            moves.append(
                TaskReassignment(
                    key=plan.task_key, crm_id=plan.task_crm_id, owner_id=plan.to_owner_id
                )
            )
        elif plan.notify_task is not None:
            tasks.append(plan.notify_task)
        audit.append(
            AuditEntry(
                contact_id=plan.contact_id,
                kind="escalation",
                field="owner_id" if plan.action == EscalationAction.REASSIGN else "task",
                old_value=plan.from_owner_id,
                new_value=plan.to_owner_id,
                rule=f"{plan.action.value} task {plan.task_crm_id}: {plan.reason}",
            )
        )
    if summary.dry_run:
        summary.escalations.extend(plans)
    return PendingWrite(
        job="sync",
        updates=updates,
        tasks=tasks,
        audit=audit,
        routing=routing,
        run_id=run_id,
        escalations=plans,
        reassignments=moves,
    )
