"""The whole decision for sample contacts: score, grade, stage, owner, task, desired fields."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.business_hours import is_within_business_hours
from connector.domain.contact import Company, LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.engine import evaluate
from connector.domain.outcomes import TaskPriority, UpdatableField
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage, SalesStatus
from tests.factories import NOW, contact, event, owners, policy_with, shipped_policy

F = UpdatableField


def run(person, events, state=None, now=NOW):
    return evaluate(person, events, shipped_policy(), owners(), state or RoutingState(), now)


def mql_events():
    return [
        event("webinar_attended", days_ago=1),
        event("webinar_attended", days_ago=2),
        event("content_download", days_ago=1),
        event("content_download", days_ago=3),
        event("website_visit", days_ago=1, quantity=2),
        event("email_click", days_ago=2, quantity=3),
        event("form_submission", days_ago=2),
        event("event_attended", days_ago=1),
    ]


def test_an_mql_gets_an_owner_and_a_follow_up_task_within_the_sla():
    evaluation, state = run(contact(lifecycle_stage=LifecycleStage.LEAD), mql_events())
    assert evaluation.final_stage == LifecycleStage.MQL
    assignment = evaluation.routing.assignment
    assert assignment.rule == "inbound round robin"
    assert assignment.owner_id == "100"  # alex.kim has weight 2, so the first pick
    assert state.load_of("alex.kim@sandbox.example") == 1
    task = evaluation.task
    assert task.owner_id == "100"
    assert task.priority == TaskPriority.HIGH
    assert task.subject.startswith("Follow up: Dana Reyes (Acme Analytics) is marketing-qualified")
    assert is_within_business_hours(task.due_at, shipped_policy().tasks.business_hours)
    assert task.due_at == NOW + timedelta(hours=1)  # Wednesday 10:00 in New York + 1 hour
    assert evaluation.score.explain() in task.body
    assert evaluation.desired[F.LIFECYCLE_STAGE] == "mql"
    assert evaluation.desired[F.OWNER_ID] == "100"
    assert evaluation.desired[F.SCORE] == evaluation.score.total
    assert evaluation.desired[F.GRADE] == "A"


def test_account_owner_wins_over_round_robin():
    person = contact(lifecycle_stage=LifecycleStage.LEAD, company=Company(id="co", owner_id="103"))
    evaluation, _ = run(person, mql_events())
    assert evaluation.routing.assignment.owner_id == "103"


def test_an_existing_owner_is_kept():
    person = contact(lifecycle_stage=LifecycleStage.LEAD, owner_id="104")
    evaluation, state = run(person, mql_events())
    assert evaluation.desired[F.OWNER_ID] == "104"
    assert evaluation.task.owner_id == "104"
    assert state == RoutingState()


def test_a_lead_below_mql_gets_no_owner_and_no_task():
    evaluation, state = run(contact(lifecycle_stage=LifecycleStage.LEAD), [event("page_view")])
    assert evaluation.stage.transition is None
    assert evaluation.routing is None
    assert state == RoutingState()
    assert evaluation.task is None
    assert F.OWNER_ID not in evaluation.desired
    assert evaluation.desired[F.LIFECYCLE_STAGE] == "lead"


def test_recycle_sets_nurture_status_and_the_recycle_marker_without_a_task():
    person = contact(
        lifecycle_stage=LifecycleStage.MQL, sales_status=SalesStatus.REJECTED, owner_id="100"
    )
    evaluation, _ = run(person, mql_events())
    assert evaluation.final_stage == LifecycleStage.LEAD
    assert evaluation.desired[F.SALES_STATUS] == "nurture"
    assert evaluation.desired[F.RECYCLED_AT] == NOW
    assert evaluation.task is None


def test_disqualified_contacts_are_parked_with_their_status():
    student = contact(job_title="Student", lifecycle_stage=LifecycleStage.LEAD)
    evaluation, _ = run(student, [])
    assert evaluation.final_stage == LifecycleStage.OTHER
    assert F.SALES_STATUS not in evaluation.desired  # shipped rules write no status on disqualify
    assert evaluation.desired[F.GRADE] == "X"
    writes_status = policy_with(
        lifecycle={
            **shipped_policy().lifecycle.model_dump(),
            "disqualify": {"set_sales_status": "disqualified"},
        }
    )
    evaluation, _ = evaluate(student, [], writes_status, owners(), RoutingState(), NOW)
    assert evaluation.desired[F.SALES_STATUS] == "disqualified"


def test_an_sql_gets_the_qualify_task():
    person = contact(lifecycle_stage=LifecycleStage.MQL, owner_id="101")
    evaluation, _ = run(person, [event("demo_request", days_ago=0)])
    assert evaluation.final_stage == LifecycleStage.SQL
    assert evaluation.task.subject == "Qualify and book a meeting: Dana Reyes (Acme Analytics)"


def test_round_robin_state_carries_across_contacts():
    state = RoutingState()
    picked = []
    for index in range(8):
        person = contact(id=f"c{index}", lifecycle_stage=LifecycleStage.LEAD)
        events = [e.model_copy(update={"contact_id": f"c{index}"}) for e in mql_events()]
        evaluation, state = run(person, events, state)
        picked.append(evaluation.routing.assignment.owner_id)
    assert picked.count("100") == 4  # weight 2 of 4
    assert picked.count("101") == 2
    assert picked.count("102") == 2


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(list(EngagementKind)), max_size=15),
    stage=st.none() | st.sampled_from(list(LifecycleStage)),
    source=st.none() | st.sampled_from(list(LeadSource)),
)
def test_same_input_and_now_give_the_same_evaluation(kinds, stage, source):
    person = contact(lifecycle_stage=stage, source=source)
    events = [event(kind, days_ago=index) for index, kind in enumerate(kinds)]
    first = run(person, events)
    second = run(person, events)
    assert first == second
    evaluation, _ = first
    if evaluation.task is not None:
        assert is_within_business_hours(
            evaluation.task.due_at, shipped_policy().tasks.business_hours
        )
