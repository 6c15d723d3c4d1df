from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import IntentLevel, LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.policy import ScoringRules
from connector.domain.scoring import decay_factor, score_contact
from tests.factories import NOW, contact, event, shipped_policy


def rules(**overrides) -> ScoringRules:
    base = {
        "half_life_days": 10,
        "engagement": [
            {"kind": "page_view", "points": 2, "cap_per_day": 6, "cap_total": 20},
            {"kind": "demo_request", "points": 50},
            {"kind": "unsubscribe", "points": -30},
            {"kind": "email_bounce", "points": -10, "cap_total": 15},
        ],
    }
    base.update(overrides)
    return ScoringRules.model_validate(base)


def line(card, rule):
    return next(item for item in card.lines if item.rule == rule)


def test_fresh_engagement_scores_its_points():
    card = score_contact(contact(), [event("demo_request")], rules(), NOW)
    assert card.total == 50
    assert line(card, "engagement: demo_request").points == 50


def test_points_halve_after_one_half_life():
    card = score_contact(contact(), [event("demo_request", days_ago=10)], rules(), NOW)
    assert card.total == 25
    demo = line(card, "engagement: demo_request")
    assert (demo.raw_points, demo.capped_points, demo.decayed_points) == (50, 50, 25)
    assert "half-life 10 d" in demo.note


def test_daily_cap_limits_a_burst_on_one_day():
    burst = [event("page_view") for _ in range(10)]  # 20 raw points on one day, cap 6
    card = score_contact(contact(), burst, rules(), NOW)
    views = line(card, "engagement: page_view")
    assert views.raw_points == 20
    assert views.capped_points == 6
    assert views.points == 6
    assert "daily cap 6" in views.note


def test_daily_cap_resets_on_the_next_day():
    events = [event("page_view", quantity=5), event("page_view", days_ago=1, quantity=5)]
    card = score_contact(contact(), events, rules(half_life_days=10_000), NOW)
    assert line(card, "engagement: page_view").capped_points == 12


def test_total_cap_applies_after_decay():
    events = [event("page_view", days_ago=day, quantity=3) for day in range(6)]
    card = score_contact(contact(), events, rules(half_life_days=10_000), NOW)
    views = line(card, "engagement: page_view")
    assert views.decayed_points == pytest.approx(36, abs=0.1)
    assert views.points == 20
    assert "total cap 20" in views.note


def test_negative_points_do_not_decay_and_cap_by_magnitude():
    events = [event("unsubscribe", days_ago=300)] + [event("email_bounce", days_ago=90)] * 3
    card = score_contact(contact(), events, rules(), NOW)
    assert line(card, "engagement: unsubscribe").points == -30
    assert line(card, "engagement: email_bounce").points == -15
    assert card.total == -45


def test_future_and_foreign_engagements_are_ignored():
    events = [
        event("demo_request", days_ago=-1),
        event("demo_request", contact_id="someone-else"),
    ]
    card = score_contact(contact(), events, rules(), NOW)
    assert card.total == 0
    assert card.lines == ()


def test_source_weight_multiplies_positive_behaviour_only():
    policy_rules = rules(source_weights={"referral": 1.5})
    events = [event("demo_request"), event("unsubscribe")]
    card = score_contact(contact(source=LeadSource.REFERRAL), events, policy_rules, NOW)
    source = line(card, "source: referral")
    assert source.points == 25  # half of the 50 positive points, not of the -30
    assert card.total == 50 - 30 + 25


def test_bought_list_weight_pulls_the_score_down():
    card = score_contact(
        contact(source=LeadSource.PURCHASED_LIST),
        [event("demo_request")],
        rules(source_weights={"purchased_list": 0.5}),
        NOW,
    )
    assert card.total == 25


def test_intent_comes_from_the_crm_when_present():
    policy_rules = rules(intent_points={"interest": 5, "decision": 25})
    card = score_contact(contact(intent=IntentLevel.INTEREST), [], policy_rules, NOW)
    assert line(card, "intent: interest").points == 5
    assert "from the CRM" in line(card, "intent: interest").note


def test_intent_is_inferred_from_recent_engagement():
    policy_rules = rules(
        intent_points={"awareness": 0, "decision": 25},
        intent_from_kinds={"awareness": ["page_view"], "decision": ["demo_request"]},
        intent_window_days=30,
    )
    recent = score_contact(contact(), [event("demo_request", days_ago=5)], policy_rules, NOW)
    old = score_contact(contact(), [event("demo_request", days_ago=60)], policy_rules, NOW)
    assert line(recent, "intent: decision").points == 25
    assert all(not item.rule.startswith("intent") for item in old.lines)


def test_competitor_and_student_domains_are_penalised():
    policy = shipped_policy()
    competitor = score_contact(contact(email="x@rivalcrm.io"), [], policy.scoring, NOW)
    student = score_contact(contact(email="kim@cs.stanford.edu"), [], policy.scoring, NOW)
    assert competitor.total == -100
    assert line(student, "e-mail domain: student").points == -30


def test_explanation_lists_each_rule_and_the_total():
    card = score_contact(contact(), [event("demo_request"), event("unsubscribe")], rules(), NOW)
    text = card.explain()
    assert "+50  engagement: demo_request (1 events)" in text
    assert "-30  engagement: unsubscribe" in text
    assert text.endswith("= 20")


def test_decay_factor_is_one_now_and_half_after_half_life():
    assert decay_factor(NOW, NOW, 30) == 1
    assert decay_factor(NOW - timedelta(days=30), NOW, 30) == pytest.approx(0.5)


def test_negative_decay_is_rejected_by_the_rules():
    with pytest.raises(ValueError, match="negative points cannot decay"):
        rules(engagement=[{"kind": "unsubscribe", "points": -5, "decays": True}])


# --- properties ----------------------------------------------------------------------------

kinds = st.sampled_from(list(EngagementKind))
events_strategy = st.lists(
    st.builds(
        lambda kind, age, quantity: event(kind, days_ago=age, quantity=quantity),
        kinds,
        st.floats(min_value=0, max_value=400, allow_nan=False),
        st.integers(min_value=1, max_value=20),
    ),
    max_size=40,
)
sources = st.none() | st.sampled_from(list(LeadSource))
emails = st.sampled_from(["a@acme.example", "b@rivalcrm.io", "c@uni.edu", "d@gmail.com", None])


@settings(max_examples=150, deadline=None)
@given(events=events_strategy, source=sources, email=emails)
def test_explanation_sums_exactly_to_the_total(events, source, email):
    card = score_contact(contact(source=source, email=email), events, shipped_policy().scoring, NOW)
    assert sum(item.points for item in card.lines) == card.total


@settings(max_examples=150, deadline=None)
@given(
    events=events_strategy,
    source=sources,
    later_days=st.floats(min_value=0, max_value=365, allow_nan=False),
)
def test_decay_never_increases_a_score(events, source, later_days):
    scoring = shipped_policy().scoring
    person = contact(source=source)
    now_score = score_contact(person, events, scoring, NOW).total
    later_score = score_contact(person, events, scoring, NOW + timedelta(days=later_days)).total
    assert later_score <= now_score


@settings(max_examples=75, deadline=None)
@given(events=events_strategy, source=sources)
def test_same_input_and_now_give_the_same_card(events, source):
    scoring = shipped_policy().scoring
    first = score_contact(contact(source=source), events, scoring, NOW)
    second = score_contact(contact(source=source), list(reversed(events)), scoring, NOW)
    assert first == second
