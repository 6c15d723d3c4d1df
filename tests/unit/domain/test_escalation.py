"""SLA escalation decisions: when a task escalates, who takes it over (same pool, available,
never the owner who let it lapse), and the one notify task."""

from datetime import timedelta

from connector.domain.contact import Owner
from connector.domain.escalation import escalate_at, escalation_key, notify, reassign
from connector.domain.outcomes import TaskPriority, TaskSpec
from connector.domain.policy import EscalationAction
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage
from tests.factories import NOW, owners, policy_with, shipped_policy

ALEX, JORDAN, RILEY, MORGAN = "100", "101", "102", "103"


def task(stage: LifecycleStage = LifecycleStage.MQL) -> TaskSpec:
    return TaskSpec(
        key="cl-1",
        contact_id="c-1",
        owner_id=ALEX,
        subject="Follow up",
        body="",
        priority=TaskPriority.HIGH,
        due_at=NOW + timedelta(hours=1),
        stage=stage,
    )


def routing_with(**changes: object):
    data = shipped_policy().routing.model_dump(mode="json")
    data.update(changes)
    return policy_with(routing=data).routing


def test_the_escalation_time_is_the_margin_in_business_minutes_after_the_sla():
    policy = shipped_policy()
    # Wednesday 11:00 New York: +60 business minutes = 12:00 (17:00 UTC)
    assert escalate_at(task(), policy.tasks) == NOW + timedelta(hours=2)
    # a Friday 16:30 due time escalates on Monday morning, not in the night
    friday = task().model_copy(update={"due_at": NOW + timedelta(days=2, hours=6, minutes=30)})
    at = escalate_at(friday, policy.tasks)
    assert at is not None and at.weekday() == 0
    quiet = policy_with(tasks={"on_stage": {"mql": {"subject": "x"}}}).tasks
    assert escalate_at(task(), quiet) is None


def test_reassign_picks_the_next_available_owner_of_the_pool_never_the_previous_one():
    rules = shipped_policy().routing
    seen = set()
    state = RoutingState()
    for _ in range(6):
        plan, state = reassign("cl-1", "t-1", "c-1", ALEX, owners(), rules, state, NOW)
        assert plan.action == EscalationAction.REASSIGN
        assert plan.to_owner_id in (JORDAN, RILEY)
        seen.add(plan.to_owner_id)
    assert seen == {JORDAN, RILEY}  # round robin within the pool, alex never
    assert state.load_of("jordan.diaz@sandbox.example") == 3


def test_reassign_respects_out_of_office_and_capacity():
    rules = routing_with(out_of_office=["jordan.diaz@sandbox.example"])
    plan, _ = reassign("cl-1", "t-1", "c-1", ALEX, owners(), rules, RoutingState(), NOW)
    assert plan.to_owner_id == RILEY
    full = RoutingState(load={"riley.chen@sandbox.example": 300})
    plan, state = reassign("cl-1", "t-1", "c-1", ALEX, owners(), rules, full, NOW)
    assert plan.to_owner_id is None and "no available owner" in plan.reason
    assert state == full  # nothing moved


def test_the_lead_and_its_load_move_from_the_previous_owner():
    start = RoutingState(load={"alex.kim@sandbox.example": 2})
    plan, state = reassign(
        "cl-1", "t-1", "c-1", ALEX, owners(), shipped_policy().routing, start, NOW
    )
    assert state.load_of("alex.kim@sandbox.example") == 1
    assert state.load_of(next(o.email for o in owners() if o.id == plan.to_owner_id) or "") == 1


def test_an_owner_in_no_pool_has_nobody_to_pass_the_lead_to():
    stranger = [*owners(), Owner(id="900", email="someone@else.example")]
    plan, _ = reassign(
        "cl-1", "t-1", "c-1", "900", stranger, shipped_policy().routing, RoutingState(), NOW
    )
    assert plan.to_owner_id is None and "no routing pool" in plan.reason


def test_notify_creates_one_keyed_task_for_the_named_owner():
    policy = shipped_policy()
    template = policy.tasks.on_stage[LifecycleStage.SQL]
    assert template.action == EscalationAction.NOTIFY
    team = [*owners(), Owner(id="105", email="taylor.brooks@sandbox.example")]
    spec = task(LifecycleStage.SQL)
    plan = notify(
        "cl-1", "t-1", "c-1", ALEX, spec.stage, spec.due_at, template, team, policy.tasks, NOW
    )
    assert plan.to_owner_id == "105" and plan.notify_task is not None
    assert plan.notify_task.key == escalation_key("cl-1") != "cl-1"
    assert plan.notify_task.owner_id == "105" and plan.notify_task.contact_id == "c-1"
    missing = notify(
        "cl-1", "t-1", "c-1", ALEX, spec.stage, spec.due_at, template, owners(), policy.tasks, NOW
    )
    assert missing.to_owner_id is None and missing.notify_task is None
