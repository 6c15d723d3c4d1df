"""SLA escalation: what to do with a follow-up task still open past its SLA plus a margin.

Speed to lead fails quietly when the owner is away: the task sits open and the lead cools. A
stage's task template may therefore name a margin (`escalate_after_business_minutes`, counted
in business hours after the task's due time) and an action: `reassign` gives the person and the
open task to the next available owner of the same routing pool (capacity and out-of-office
respected, never the owner who let it lapse), `notify` writes one task to a named owner.

Pure, like the rest of the domain: the sync engine reads the task's state from the CRM, calls
these functions, journals the outcome and writes it. Each task is escalated once.
"""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from connector.domain import Value
from connector.domain.business_hours import add_business_minutes
from connector.domain.contact import Owner
from connector.domain.outcomes import TaskPriority, TaskSpec
from connector.domain.policy import EscalationAction, RoutingRules, TaskRules, TaskTemplate
from connector.domain.routing import RoutingState, normalise_email, reroute_in_pool
from connector.domain.stages import LifecycleStage


class EscalationPlan(Value):
    """One escalation decided: who, from whom, to whom, why. `to_owner_id` is None when
    nobody could take it (then nothing is written and the reason says why)."""

    task_key: str
    task_crm_id: str
    contact_id: str
    action: EscalationAction
    from_owner_id: str | None
    to_owner_id: str | None
    reason: str
    notify_task: TaskSpec | None = None
    closed: bool = False  # the task needs no escalation any more (done, gone, moved by hand)


def escalation_template(stage: LifecycleStage, rules: TaskRules) -> TaskTemplate | None:
    """The stage's task template when it escalates, else None."""
    template = rules.on_stage.get(stage)
    if template is None or template.escalate_after_business_minutes is None:
        return None
    return template


def escalate_at(task: TaskSpec, rules: TaskRules) -> datetime | None:
    """When `task` is escalated if still open: its due time plus the stage's margin in business
    minutes; None when the stage does not escalate."""
    template = rules.on_stage.get(task.stage)
    minutes = template.escalate_after_business_minutes if template else None
    if minutes is None:
        return None
    return add_business_minutes(task.due_at, minutes, rules.business_hours)


def escalation_key(task_key: str) -> str:
    """The idempotency key of the `notify` task of an escalated task: one per task, ever."""
    return "ce-" + hashlib.sha256(f"escalate|{task_key}".encode()).hexdigest()[:24]


def reassign(
    task_key: str,
    task_crm_id: str,
    contact_id: str,
    from_owner_id: str | None,
    owners: Sequence[Owner],
    rules: RoutingRules,
    state: RoutingState,
    now: datetime,
) -> tuple[EscalationPlan, RoutingState]:
    """The next available owner of the pool the current owner belongs to, never that owner;
    the load moves with the lead. The routing state comes back for the caller to commit."""
    plan = partial(
        EscalationPlan,
        task_key=task_key,
        task_crm_id=task_crm_id,
        contact_id=contact_id,
        action=EscalationAction.REASSIGN,
        from_owner_id=from_owner_id,
    )
    previous = next((o for o in owners if o.id == from_owner_id), None)
    found = None
    if previous is not None and previous.email:
        found = reroute_in_pool(previous.email, owners, rules, state)
    if found is None:
        why = f"owner {from_owner_id} is in no routing pool: nobody to take it"
        return plan(to_owner_id=None, reason=why), state
    owner_id, why, moved = found  # nobody available: the state as it was
    if owner_id is not None:
        why = f"follow-up still open at {now.isoformat()} past its SLA; {why}"
    return plan(to_owner_id=owner_id, reason=why), moved


def notify(
    task_key: str,
    task_crm_id: str,
    contact_id: str,
    from_owner_id: str | None,
    stage: LifecycleStage,
    task_due_at: datetime,
    template: TaskTemplate,
    owners: Sequence[Owner],
    rules: TaskRules,
    now: datetime,
) -> EscalationPlan:
    """One task for the template's `notify_owner`, keyed so it is never created twice."""
    email = normalise_email(template.notify_owner or "")
    owner = next((o for o in owners if o.email and normalise_email(o.email) == email), None)
    plan = partial(
        EscalationPlan,
        task_key=task_key,
        task_crm_id=task_crm_id,
        contact_id=contact_id,
        action=EscalationAction.NOTIFY,
        from_owner_id=from_owner_id,
    )
    if owner is None or not owner.active:
        return plan(to_owner_id=None, reason=f"notify_owner {email} is not an active CRM owner")
    reason = (
        f"follow-up task {task_crm_id} ({stage.value}) was due {task_due_at.isoformat()} "
        f"and is still open at {now.isoformat()}"
    )
    task = TaskSpec(
        key=escalation_key(task_key),
        contact_id=contact_id,
        owner_id=owner.id,
        subject=f"Escalation: overdue {stage.value} follow-up (task {task_crm_id})",
        body=f"Escalated because the {reason}. Owner of the task: {from_owner_id or 'none'}.",
        priority=TaskPriority.HIGH,
        due_at=add_business_minutes(now, template.sla_business_minutes, rules.business_hours),
        stage=stage,
    )
    return plan(to_owner_id=owner.id, reason=reason, notify_task=task)
