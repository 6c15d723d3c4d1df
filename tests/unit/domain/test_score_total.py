"""`score_total` (the due search's score, no explanation lines) is the explained card's total,
and that total is the sum of the card's lines: on generated people and histories under the
shipped rules (engagement with caps and decay, source weights, intent, e-mail domains, property
rules plain and per unit) and on the sandbox's seeded population at many moments."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import IntentLevel, LeadSource
from connector.domain.scoring import score_contact, score_total
from connector.sandbox.seed import SeedData, SeedSpec
from tests.factories import NOW, contact, engagement_lists, shipped_policy

events_strategy = engagement_lists(newest_days_ago=-30, oldest_days_ago=400, most=60, max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    events=events_strategy,
    source=st.none() | st.sampled_from(list(LeadSource)),
    intent=st.none() | st.sampled_from(list(IntentLevel)),
    email=st.sampled_from(
        ["dana@acme.example", "dana@rivalcrm.io", "kim@uni.edu", "no-at-sign", None]
    ),
    seconds=st.none() | st.floats(min_value=-100, max_value=10_000, allow_nan=False),
    origin=st.sampled_from([None, "Lead Add Form", "quick add form", "API"]),
    days_later=st.floats(min_value=0, max_value=200, allow_nan=False),
)
def test_the_total_alone_is_the_sum_of_the_explained_lines(
    events, source, intent, email, seconds, origin, days_later
):
    properties = {
        name: value
        for name, value in (("time_on_site", seconds), ("lead_origin", origin))
        if value is not None
    }
    person = contact(source=source, intent=intent, email=email, properties=properties)
    scoring = shipped_policy().scoring
    at = NOW + timedelta(days=days_later)
    card = score_contact(person, events, scoring, at)
    assert card.total == sum(line.points for line in card.lines)
    assert score_total(person, events, scoring, at) == card.total


def test_the_seeded_population_scores_the_same_total_with_and_without_lines():
    """300 seeded people (the benchmarks' data) at their reference time and as they decay over
    the following year: a total differs from the card's nowhere."""
    data = SeedData(SeedSpec(contacts=300, seed=7))
    scoring = shipped_policy().scoring
    compared = nonzero = 0
    for item in data.contacts():
        for days in (0, 3, 17, 60, 365):
            at = data.spec.now + timedelta(days=days)
            card = score_contact(item.contact, item.engagements, scoring, at)
            assert card.total == sum(line.points for line in card.lines)
            assert score_total(item.contact, item.engagements, scoring, at) == card.total
            compared += 1
            nonzero += card.total != 0
    assert compared == 1500
    assert nonzero > 500  # the rules fire: the comparison is not between zeros
