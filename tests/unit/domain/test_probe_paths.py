"""The due search's cheaper readings of the rules agree with the full ones: `decide_move` with
`decide_stage`'s transition, `grade_contact(explain=False)` with the explained card,
`DecayingScore` (a history's decay factored from one moment) and `fixed_points` with
`score_total` — on generated people and histories and on the sandbox's seeded population, at
moments over the following year."""

import math
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import Contact, LeadSource
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.fit import grade_contact
from connector.domain.history import EngagementHistory
from connector.domain.lifecycle import decide_move, decide_stage
from connector.domain.outcomes import FitCard
from connector.domain.policy import RulesPolicy
from connector.domain.scoring import DecayingScore, fixed_points, score_total
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.seed import SeedData, SeedSpec
from tests.factories import NOW, contact, engagement_lists, event, shipped_policy

LATER = [timedelta(days=days) for days in (0, 0.5, 3, 17, 45, 120, 365)]


def compare(person: Contact, events: list[Engagement], policy: RulesPolicy) -> tuple[int, int]:
    """Asserts agreement at NOW and later; returns how many totals came from the factored
    decay and how many moves were made (so a test can tell it compared something)."""
    full_fit = grade_contact(person, policy.fit)
    bare_fit = grade_contact(person, policy.fit, explain=False)
    assert bare_fit == FitCard(
        grade=full_fit.grade,
        points=full_fit.points,
        lines=(),
        disqualified_reasons=full_fit.disqualified_reasons,
    )
    anchor = EngagementHistory.of(person.id, events, NOW)
    decaying = DecayingScore(person, anchor, policy.scoring, NOW)
    factored = moved = 0
    for later in LATER:
        at = NOW + later
        history = EngagementHistory.of(person.id, events, at)
        total = score_total(person, history, policy.scoring, at)
        others = fixed_points(person, history, policy.scoring, at)
        assert others is not None  # the shipped property rules read no date
        assert score_total(person, history, policy.scoring, at, others) == total
        if len(history.events) == len(anchor.events):  # the same engagements as at NOW
            quick = decaying.total(at, others)
            if quick is not None:
                assert quick == total
                factored += 1
        for score in (total, total - 40, total + 40):
            transition = decide_stage(person, history, score, full_fit, policy, at)
            expected = transition.transition
            move = decide_move(person, history, score, bare_fit, policy, at)
            found = None if isinstance(move, list) else (move[1], move[0])
            assert found == (None if expected is None else (expected.kind, expected.to_stage))
            moved += found is not None
    return factored, moved


@settings(max_examples=200, deadline=None)
@given(
    events=engagement_lists(newest_days_ago=-30, oldest_days_ago=300, most=40, max_size=20),
    stage=st.sampled_from([None, *LifecycleStage]),
    status=st.none() | st.sampled_from(list(SalesStatus)),
    source=st.none() | st.sampled_from(list(LeadSource)),
    recycled_days_ago=st.none() | st.floats(min_value=0, max_value=200, allow_nan=False),
    stored=st.none() | st.integers(min_value=0, max_value=300),
)
def test_generated_people_read_the_same_by_either_path(
    events, stage, status, source, recycled_days_ago, stored
):
    recycled_at = None if recycled_days_ago is None else NOW - timedelta(days=recycled_days_ago)
    person = contact(
        lifecycle_stage=stage,
        sales_status=status,
        source=source,
        recycled_at=recycled_at,
        score=stored,
    )
    compare(person, events, shipped_policy())


def test_the_seeded_population_reads_the_same_by_either_path():
    data = SeedData(SeedSpec(contacts=300, seed=11))
    policy = shipped_policy()
    factored = moved = 0
    for item in data.contacts():
        more_factored, more_moved = compare(item.contact, list(item.engagements), policy)
        factored += more_factored
        moved += more_moved
    assert factored > 1000  # most later moments see the same engagements: the shortcut is used
    assert moved > 1000  # and the stage rules do move people: not a comparison of Nones


def test_a_factored_sum_at_a_rounding_edge_is_left_to_the_full_score():
    """A webinar's 15 points cross 14.5 after 30 · log2(15 / 14.5) days: there the factored
    sum is within float error of the edge, and `total` declines to answer."""
    policy = shipped_policy()
    person = contact()
    events = [event(EngagementKind.WEBINAR_ATTENDED, days_ago=0)]
    history = EngagementHistory.of(person.id, events, NOW)
    decaying = DecayingScore(person, history, policy.scoring, NOW)
    others = fixed_points(person, history, policy.scoring, NOW)
    assert others is not None
    edge = NOW + timedelta(days=30 * math.log2(15 / 14.5))
    assert decaying.total(edge, others) is None
    for moment, points in ((edge - timedelta(minutes=1), 15), (edge + timedelta(minutes=1), 14)):
        full = score_total(person, history.seen_at(moment), policy.scoring, moment)
        assert decaying.total(moment, others) == full
        assert full - others == points
