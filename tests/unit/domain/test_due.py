"""Due times: the next moment a decision changes with no new input, checked against the
decision itself (`evaluate` at later moments), for hand-picked cases and generated ones."""

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import Contact
from connector.domain.due import RESOLUTION, as_written, next_due
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.engine import evaluate
from connector.domain.outcomes import TransitionKind
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sync.plan import plan_update
from tests.factories import NOW, contact, event, owners, shipped_policy


def decision(person: Contact, events: list[Engagement], at: datetime) -> tuple[object, ...]:
    """What a sync would do at `at`: the transition, and whether the stored score drifted
    beyond the refresh tolerance. Derived with `evaluate`, independently of `next_due`."""
    policy = shipped_policy()
    evaluation, _ = evaluate(person, events, policy, owners(), RoutingState(), at)
    transition = evaluation.stage.transition
    drift = person.score is not None and policy.scoring.refresh.drifted(
        person.score, evaluation.score.total
    )
    moved = (transition.kind, transition.to_stage) if transition else None
    return moved, drift


def decided(person: Contact, events: list[Engagement], now: datetime = NOW) -> Contact:
    """The person as the CRM holds it after a sync at `now` wrote its decision."""
    evaluation, _ = evaluate(person, events, shipped_policy(), owners(), RoutingState(), now)
    update = plan_update(person, evaluation)
    return as_written(person, update.changes if update else {})


def test_an_idle_mql_is_due_when_the_idle_timer_runs_out():
    # a webinar 40 days ago: an MQL whose score is under the recycle threshold already
    events = [event("webinar_attended", days_ago=40)]
    mql = contact(lifecycle_stage=LifecycleStage.MQL, score=10, owner_id="100")
    written = decided(mql, events)
    due = next_due(written, events, shipped_policy(), NOW)
    idle_ends = events[0].occurred_at + timedelta(days=45)
    assert due.at is not None and idle_ends <= due.at <= idle_ends + RESOLUTION
    later = decision(written, events, due.at)
    assert later[0] == (TransitionKind.RECYCLE, LifecycleStage.LEAD)
    assert decision(written, events, idle_ends - RESOLUTION)[0] is None


def test_a_cooling_score_is_due_when_it_drifts_past_the_tolerance():
    events = [event("demo_request", days_ago=0), event("pricing_request", days_ago=0)]
    person = contact(lifecycle_stage=LifecycleStage.SQL, owner_id="100")
    written = decided(person, events)
    assert written.score is not None and written.score > 100
    due = next_due(written, events, shipped_policy(), NOW)
    assert due.at is not None
    # tolerance max(5 points, 10 % of the true score)
    _, drifted = decision(written, events, due.at)
    assert drifted
    assert not decision(written, events, due.at - RESOLUTION)[1]


def test_a_trigger_window_closing_is_a_due_time_for_a_lead_waiting_on_it():
    # Sales rejected the lead long ago: a demo request would make it an SQL only while fresh
    events = [event("demo_request", days_ago=29)]
    person = contact(
        lifecycle_stage=LifecycleStage.SUBSCRIBER, sales_status=SalesStatus.NEW, score=None
    )
    written = decided(person, events)
    due = next_due(written, events, shipped_policy(), NOW)
    assert due.at is not None
    assert decision(written, events, due.at) != decision(written, events, NOW)


def test_a_decision_nothing_changes_has_no_due_time():
    customer = contact(lifecycle_stage=LifecycleStage.CUSTOMER, score=0)
    assert next_due(customer, [], shipped_policy(), NOW).at is None


kinds = st.sampled_from(list(EngagementKind))
events_strategy = st.lists(
    st.builds(
        lambda kind, age: event(kind, days_ago=age),
        kinds,
        st.floats(min_value=-20, max_value=120, allow_nan=False),  # some dated in the future
    ),
    max_size=12,
)
stages = st.sampled_from(
    [None, LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.MQL, LifecycleStage.SQL]
)
statuses = st.none() | st.sampled_from(list(SalesStatus))


@settings(max_examples=120, deadline=None)
@given(
    stage=stages,
    status=statuses,
    events=events_strategy,
    fraction=st.floats(min_value=0, max_value=1, allow_nan=False),
)
def test_redeciding_at_the_due_time_changes_the_decision_and_before_it_nothing_does(
    stage, status, events, fraction
):
    person = contact(lifecycle_stage=stage, sales_status=status, owner_id="100")
    written = decided(person, events)
    due = next_due(written, events, shipped_policy(), NOW)
    at_now = decision(written, events, NOW)
    if due.at is None:
        far = NOW + timedelta(days=399)
        assert decision(written, events, far) == at_now
        return
    assert due.at > NOW
    assert decision(written, events, due.at) != at_now
    before = NOW + (due.at - RESOLUTION - NOW) * fraction
    if before < due.at - RESOLUTION:
        assert decision(written, events, before) == at_now


def test_a_drift_undone_by_a_future_engagement_is_still_due_before_it():
    """Decay takes the stored 90 beyond the refresh tolerance on day 6.9; on day 7 a download
    dated in the future lifts the score back. The due time is the drift, not after the lift."""
    events = [
        event(EngagementKind.FORM_SUBMISSION, days_ago=0.0),
        event(EngagementKind.CONTENT_DOWNLOAD, days_ago=-7.0),
        event(EngagementKind.DEMO_REQUEST, days_ago=0.0),
    ]
    written = decided(contact(owner_id="100"), events)
    due = next_due(written, events, shipped_policy(), NOW)
    assert due.at is not None and due.at < NOW + timedelta(days=7)
    assert decision(written, events, due.at) != decision(written, events, NOW)
    assert decision(written, events, due.at - 2 * RESOLUTION) == decision(written, events, NOW)
