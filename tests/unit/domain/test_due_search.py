"""The guided search for due times returns exactly what the plain bisection returned, with fewer
decisions. The plain bisection (`plain_bisection`) is the search as it was first written, kept
here as the reference: every probe scored in full (`score_total`) and decided by
`decide_stage`, bisected over time alone, with none of the search's shortcuts (the factored
decay sums, the decisions kept per total, the guide); every comparison is old answer against
new answer, instant for instant."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import connector.domain.due as due
from connector.domain.contact import Contact
from connector.domain.due import RESOLUTION, DueTime, as_written, next_due
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.engine import assess, evaluate
from connector.domain.fit import grade_contact
from connector.domain.history import EngagementHistory
from connector.domain.lifecycle import decide_stage
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingState
from connector.domain.scoring import DecayingScore, score_contact, score_total
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.seed import SeedData, SeedSpec
from connector.sync.plan import plan_update
from tests.factories import (
    NOW,
    contact,
    engagement_lists,
    event,
    owners,
    policy_with,
    shipped_policy,
)


@contextmanager
def counting_decisions() -> Iterator[list[int]]:
    """Counts the stage decisions `next_due` derives (`decide_move`, one per moment and total
    it has not decided yet)."""
    count = [0]
    real = due.decide_move

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return real(*args, **kwargs)

    with mock.patch.object(due, "decide_move", counted):
        yield count


def decision_signature(
    person: Contact, events: list[Engagement], policy: RulesPolicy, at: datetime
) -> tuple:
    """What a due time watches, decided in full at `at`: the stage transition and whether the
    score has drifted from the CRM's."""
    fit = grade_contact(person, policy.fit)
    total = score_total(person, events, policy.scoring, at)
    transition = decide_stage(person, events, total, fit, policy, at).transition
    drifted = person.score is not None and policy.scoring.refresh.drifted(person.score, total)
    return (transition.kind, transition.to_stage) if transition else (None, None), drifted


def plain_bisection(
    person: Contact,
    events: list[Engagement],
    now: datetime,
    policy: RulesPolicy | None = None,
    count: list[int] | None = None,
) -> DueTime:
    """The due time as the first due search found it: the decision (stage transition and score
    drift) at `now`, then at each window boundary and just before it, and a bisection over time
    to `RESOLUTION` in the first stretch whose end differs. `count` gets one per decision."""
    policy = policy or shipped_policy()

    def signature(at: datetime) -> tuple:
        if count is not None:
            count[0] += 1
        return decision_signature(person, events, policy, at)

    start = signature(now)
    end = now + due.HORIZON
    low = now
    for moment in [*due._boundaries(events, policy, now, end), end]:
        last_decayed = max(low, moment - timedelta(microseconds=1))
        if signature(last_decayed) != start:
            high = last_decayed
            while high - low > RESOLUTION:
                middle = low + (high - low) / 2
                if signature(middle) != start:
                    high = middle
                else:
                    low = middle
            return DueTime(at=high, reason=due._why(start[0] + (start[1],)))
        if signature(moment) != start:
            return DueTime(at=moment, reason=due._why(start[0] + (start[1],)))
        low = moment
    return DueTime(at=None, reason="no change expected without new input")


def decided(person: Contact, events: list[Engagement], now: datetime = NOW) -> Contact:
    evaluation, _ = evaluate(person, events, shipped_policy(), owners(), RoutingState(), now)
    update = plan_update(person, evaluation)
    return as_written(person, update.changes if update else {})


events_strategy = engagement_lists(newest_days_ago=-20, oldest_days_ago=200, most=40, max_size=16)
stages = st.sampled_from(
    [None, LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.MQL, LifecycleStage.SQL]
)


@settings(max_examples=150, deadline=None)
@example(  # a stale score decays through the CRM's 46 and on below it, inside one stretch
    stage=LifecycleStage.MQL,
    status=None,
    events=[
        event(EngagementKind.FORM_SUBMISSION, days_ago=0.0, quantity=29),
        event(EngagementKind.CONTENT_DOWNLOAD, days_ago=0.0, quantity=6),
    ],
    stored=46,
    redecided=False,
)
@example(  # the same, where the search's stretch ends past a stage change: 21 stored, 45 now
    stage=None,
    status=None,
    events=[event(EngagementKind.EVENT_ATTENDED, days_ago=0.0, quantity=21)],
    stored=21,
    redecided=False,
)
@example(  # one change bisected from two brackets: the guided search lands 3 s after the plain
    stage=None,
    status=None,
    events=[event(EngagementKind.WEBINAR_ATTENDED, days_ago=0.0, quantity=6)],
    stored=2,
    redecided=False,
)
@given(
    stage=stages,
    status=st.none() | st.sampled_from(list(SalesStatus)),
    events=events_strategy,
    stored=st.none() | st.integers(min_value=0, max_value=400),
    redecided=st.booleans(),
)
def test_the_guided_search_finds_the_plain_bisections_instant(
    stage, status, events, stored, redecided
):
    person = contact(lifecycle_stage=stage, sales_status=status, owner_id="100", score=stored)
    # as a sync leaves it (redecided), or as found in the CRM (a stale score: drift at once)
    person = decided(person, events) if redecided else person
    found = next_due(person, events, shipped_policy(), NOW)
    plain = plain_bisection(person, events, NOW)
    if found == plain:
        return
    # The plain bisection samples each stretch at its end only, so it misses a decision that
    # changes and changes back inside one stretch (a stale score decaying through the CRM's
    # value and on below it). The guided search must then find an earlier instant: one where
    # the decision differs, with the same decision as now at every sampled moment before it.
    # Both bisect to RESOLUTION (at most that late, never early), each from its own bracket, so
    # where both find the same change the guided one may land up to RESOLUTION after the plain.
    assert found.at is not None, (found, plain)
    assert plain.at is None or found.at < plain.at + RESOLUTION, (found, plain)
    assert found.reason == plain.reason or plain.at is None
    policy = shipped_policy()
    start = decision_signature(person, events, policy, NOW)
    assert decision_signature(person, events, policy, found.at) != start
    before = found.at - RESOLUTION - NOW
    assert all(
        decision_signature(person, events, policy, NOW + before * step / 64) == start
        for step in range(65)
    )


def test_a_seeded_population_keeps_every_due_time_at_under_two_thirds_of_the_decisions():
    """400 people of the sandbox's seed (the benchmarks' data) decided with the shipped rules:
    every due time is the plain bisection's, and the decisions drop by more than a third."""
    data = SeedData(SeedSpec(contacts=400, seed=42))
    policy = shipped_policy()
    routing = RoutingState()
    people: list[tuple[Contact, list[Engagement]]] = []
    now = data.spec.now
    for item in data.contacts():
        evaluation, routing = evaluate(
            item.contact, item.engagements, policy, data.owners, routing, now
        )
        update = plan_update(item.contact, evaluation)
        written = as_written(item.contact, update.changes if update else {})
        people.append((written, list(item.engagements)))
    with counting_decisions() as guided:
        found = [next_due(person, events, policy, now) for person, events in people]
    plain = [0]
    before = [plain_bisection(person, events, now, policy, plain) for person, events in people]
    assert found == before
    assert sum(1 for item in found if item.at is not None) > 200  # the search is exercised
    assert guided[0] < plain[0] * 2 / 3


def step_at(change: datetime, calls: list[datetime]) -> Callable[[datetime], tuple]:
    """A signature that turns different at `change` and stays so (decay's premise)."""

    def signature(at: datetime) -> tuple:
        calls.append(at)
        return (None, None, at >= change)

    return signature


START = (None, None, False)


@settings(max_examples=300, deadline=None)
@given(
    change_minutes=st.floats(min_value=0.001, max_value=400 * 1440, allow_nan=False),
    guide_minutes=st.lists(
        st.floats(min_value=0.0001, max_value=400 * 1440, allow_nan=False), max_size=40
    ),
)
def test_any_guide_even_a_wrong_one_yields_the_bisections_instant(change_minutes, guide_minutes):
    low = NOW
    high = NOW + timedelta(days=400)
    change = low + timedelta(minutes=change_minutes)
    plain_calls: list[datetime] = []
    plain = due._first_change(step_at(change, plain_calls), START, low, high)
    guide = sorted(low + timedelta(minutes=m) for m in guide_minutes)
    guided_calls: list[datetime] = []
    guided = due._first_change(step_at(change, guided_calls), START, low, high, guide)
    assert guided == plain
    assert change <= guided <= change + RESOLUTION


def test_a_guide_around_the_change_saves_most_of_the_bisection():
    low, high = NOW, NOW + timedelta(days=400)
    change = low + timedelta(days=37, seconds=1234.5)
    steps = [change + timedelta(days=day) for day in range(-30, 30)]
    guide = sorted(t + d for t in steps for d in (timedelta(seconds=-2), timedelta(seconds=2)))
    plain_calls: list[datetime] = []
    guided_calls: list[datetime] = []
    plain = due._first_change(step_at(change, plain_calls), START, low, high)
    guided = due._first_change(step_at(change, guided_calls), START, low, high, guide)
    assert guided == plain
    assert len(plain_calls) >= 19
    assert len(guided_calls) <= 9  # log2 of 120 probes, then the replay


def test_step_instants_are_where_a_kinds_points_step_down():
    """A webinar's 15 points with a 30-day half-life (the shipped rules): its points step from
    15 to 14 when 15 · 0.5 ** (d / 30) crosses 14.5; the computed instant is bracketed by two
    probes under a minute apart (a second either side), and the score does step between
    them."""
    policy = shipped_policy()
    events = [event(EngagementKind.WEBINAR_ATTENDED, days_ago=0)]
    person = contact()
    steps = due._step_instants(
        sums_at_now(person, events, policy), 30, NOW, NOW + timedelta(days=400)
    )
    assert steps == sorted(steps) and len(steps) == 15  # 15 points: 14.5, 13.5, ... 0.5
    moment, margin = steps[0]
    first_before, first_after = moment - margin, moment + margin
    assert first_after - first_before < RESOLUTION
    total = score_contact(person, events, policy.scoring, first_before).total
    assert score_contact(person, events, policy.scoring, first_after).total == total - 1


def test_an_uncapped_sum_of_thousands_of_points_gets_a_bounded_guide_and_the_same_instant():
    """A rule without a total cap and a history worth thousands of points: the step instants
    are thinned (a few hundred probes, not thousands), and the due time is still exactly the
    plain bisection's."""
    policy = policy_with(
        scoring={
            "engagement": [
                {"kind": "page_view", "points": 1},
                *shipped_policy().scoring.model_dump(by_alias=True)["engagement"][1:],
            ]
        }
    )
    events = [event(EngagementKind.PAGE_VIEW, days_ago=day / 10, quantity=40) for day in range(80)]
    person = contact(lifecycle_stage=LifecycleStage.MQL, owner_id="100", score=5000)
    total = score_total(person, events, policy.scoring, NOW)
    assert total > 2000
    steps = due._step_instants(
        sums_at_now(person, events, policy), 30, NOW, NOW + timedelta(days=400)
    )
    assert 100 < len(steps) < total / 2  # one per half-integer would be the total
    with counting_decisions() as guided:
        found = next_due(person, events, policy, NOW)
    plain = [0]
    before = plain_bisection(person, events, NOW, policy, plain)
    assert found == before and found.at is not None
    assert guided[0] < plain[0]


def sums_at_now(
    person: Contact, events: list[Engagement], policy: RulesPolicy
) -> list[tuple[float, float | None]]:
    history = EngagementHistory.of(person.id, events, NOW)
    return DecayingScore(person, history, policy.scoring, NOW).sums(NOW)


def test_evaluates_assessment_handed_to_the_search_gives_the_same_due_times():
    """The engine hands `next_due` the history and fit `evaluate` built for the same person
    (`assessed`): 400 seeded people get exactly the due times they get without it."""
    data = SeedData(SeedSpec(contacts=400, seed=42))
    policy = shipped_policy()
    routing = RoutingState()
    now = data.spec.now
    with_it, without = [], []
    for item in data.contacts():
        events = list(item.engagements)
        assessed = assess(item.contact, events, policy, now)
        evaluation, routing = evaluate(
            item.contact, events, policy, data.owners, routing, now, assessed=assessed
        )
        update = plan_update(item.contact, evaluation)
        written = as_written(item.contact, update.changes if update else {})
        with_it.append(next_due(written, events, policy, now, assessed=assessed))
        without.append(next_due(written, events, policy, now))
    assert with_it == without
    assert sum(1 for item in with_it if item.at is not None) > 200


def test_a_fit_rule_that_reads_a_date_is_graded_again_by_the_search():
    """`evaluate` grades at its `now`, the due search without one (a recency test never holds
    there): with a fit criterion on a date, the assessment's fit is not the search's, and the
    due time is the one found without the assessment."""
    fit = shipped_policy().fit.model_dump(by_alias=True)
    fit["criteria"] = [
        *fit["criteria"],
        {"name": "recent demo", "property": "demo_at", "within_days": 30, "points": 60},
    ]
    policy = policy_with(fit=fit)
    events = [event(EngagementKind.FORM_SUBMISSION, days_ago=2, quantity=3)]
    person = contact(
        lifecycle_stage=LifecycleStage.LEAD,
        owner_id="100",
        job_title="Analyst",
        company=None,
        properties={"demo_at": NOW - timedelta(days=5)},
    )
    assessed = assess(person, events, policy, NOW)
    assert assessed.fit.grade != grade_contact(person, policy.fit, explain=False).grade
    found = next_due(person, events, policy, NOW, assessed=assessed)
    assert found == next_due(person, events, policy, NOW)


def test_an_assessment_of_another_person_is_refused():
    events = [event(EngagementKind.FORM_SUBMISSION, days_ago=2)]
    other = assess(contact(id="someone-else"), events, shipped_policy(), NOW)
    with pytest.raises(ValueError, match="another contact"):
        next_due(contact(), events, shipped_policy(), NOW, assessed=other)
