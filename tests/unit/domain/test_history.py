"""A contact's history as the rules read it: filtered to the contact and to `now`, each kind
oldest first with ties by source id, and the same decisions whatever tzinfo class carries a
given offset (the rules compare instants, not zone objects).

Other zones are tried by giving every engagement its own offset in a tzinfo class of its own:
the offset is constant, so the decisions must agree exactly, down to each engagement's local
date.
"""

import struct
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import IntentLevel
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.engine import evaluate
from connector.domain.history import EngagementHistory
from connector.domain.policy import EngagementRule
from connector.domain.routing import RoutingState
from connector.domain.scoring import _capped, _decayed, score_contact
from connector.domain.stages import LifecycleStage, SalesStatus
from tests.factories import NOW, contact, owners, shipped_policy

ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
DAY_US = 86_400 * 10**6


class UnknownFixedZone(tzinfo):
    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self.offset

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


def in_unknown_zones(events: list[Engagement]) -> list[Engagement]:
    """The same engagements at the same offsets, in a tzinfo class the fast form does not
    know."""
    return [
        e.model_copy(
            update={
                "occurred_at": e.occurred_at.replace(
                    tzinfo=UnknownFixedZone(e.occurred_at.utcoffset() or timedelta(0))
                )
            }
        )
        for e in events
    ]


def bits(rule: EngagementRule, events: list[Engagement]) -> tuple:
    """The capped and decayed sums by their bytes: 0.0 and -0.0, or two neighbouring floats, are
    told apart."""
    kept = _capped(rule, events)
    sums = (kept.events, kept.raw, kept.capped, _decayed(rule, kept, NOW, 30.0))
    return (sums[0], *(struct.pack("<d", value) for value in sums[1:]))


ALL_KINDS = st.sampled_from(list(EngagementKind))


@st.composite
def histories(draw, kinds=ALL_KINDS, max_size=60):
    """Engagements of contact c-1 (and a few of someone else), with simultaneous ones (shared
    instants, sometimes in different zones), times around midnight and after `NOW`, large
    quantities and missing source ids; in any order."""
    pool = draw(
        st.lists(st.integers(min_value=-2 * DAY_US, max_value=400 * DAY_US), min_size=1, max_size=6)
    )
    pool += [0, NOW.hour * 3600 * 10**6, NOW.hour * 3600 * 10**6 + 1]  # now, midnight, before it
    events = []
    for _ in range(draw(st.integers(0, max_size))):
        age_us = draw(
            st.sampled_from(pool) | st.integers(min_value=-DAY_US, max_value=400 * DAY_US)
        )
        events.append(
            Engagement(
                contact_id=draw(st.sampled_from(["c-1"] * 9 + ["someone-else"])),
                kind=draw(kinds),
                occurred_at=(NOW - timedelta(microseconds=age_us)).astimezone(
                    draw(st.sampled_from(ZONES))
                ),
                quantity=draw(st.integers(1, 12) | st.sampled_from([65_534, 65_535, 70_000])),
                source_id=draw(st.none() | st.sampled_from(["a", "b", "c"])),
            )
        )
    return events


@st.composite
def rules(draw):
    points = draw(
        st.sampled_from([1.0, 3.0, 15.0, 50.0, -15.0, -30.0, 0.0, 0.1, 0.3, 0.7, 2.5, -0.3, 1e15])
    )
    decays = draw(st.none() | st.just(False) | (st.just(True) if points >= 0 else st.none()))
    return EngagementRule(
        kind=EngagementKind.PAGE_VIEW,
        points=points,
        cap_per_day=draw(st.none() | st.sampled_from([0.0, 0.3, 1.0, 2.1, 5.0, 9.0, 40.0])),
        cap_total=draw(st.none() | st.sampled_from([10.0, 45.0])),
        decays=decays,
    )


def test_simultaneous_engagements_go_by_source_id_not_by_quantity():
    # Under a daily cap, the order of simultaneous engagements moves the last bit of the sums:
    # 0.3 + 0.0 allowed, or 0.1 + 0.19999999999999998, each times the same decay factor.
    rule = EngagementRule(kind=EngagementKind.PAGE_VIEW, points=0.1, cap_per_day=0.3)
    at = NOW - timedelta(days=3.3)
    events = [
        Engagement(contact_id="c-1", kind="page_view", occurred_at=at, quantity=1, source_id="b"),
        Engagement(contact_id="c-1", kind="page_view", occurred_at=at, quantity=12, source_id="a"),
    ]
    history = EngagementHistory.of("c-1", events, NOW)
    ordered = history.by_kind[EngagementKind.PAGE_VIEW]
    assert [e.source_id for e in ordered] == ["a", "b"]
    assert bits(rule, ordered) != bits(rule, events)
    card = score_contact(contact(id="c-1"), history, shipped_policy().scoring, NOW)
    assert (
        card.model_dump()
        == score_contact(
            contact(id="c-1"), events[::-1], shipped_policy().scoring, NOW
        ).model_dump()
    )


def simultaneous(kinds: tuple[str, str], at: datetime) -> list[Engagement]:
    """Two engagements at one instant whose local dates differ (+10:00 and -08:00)."""
    zones = (timezone(timedelta(hours=10)), timezone(timedelta(hours=-8)))
    return [
        Engagement(contact_id="c-1", kind=kind, occurred_at=at.astimezone(zone))
        for kind, zone in zip(kinds, zones, strict=True)
    ]


@pytest.mark.parametrize("order", [1, -1])
def test_of_simultaneous_triggers_the_first_given_is_the_latest(order):
    events = simultaneous(("demo_request", "meeting_booked"), NOW - timedelta(days=2, hours=7))
    events = events[::order]
    first = events[0]
    expected = (f"{first.kind.value} on {first.occurred_at.date().isoformat()}",)
    for history in (events, in_unknown_zones(events)):
        decision, _ = evaluate(contact(), history, shipped_policy(), owners(), RoutingState(), NOW)
        assert decision.stage.transition is not None
        assert decision.stage.transition.reasons == expected


@pytest.mark.parametrize("order", [1, -1])
def test_of_simultaneous_last_engagements_the_first_given_dates_the_idle_recycle(order):
    events = simultaneous(("page_view", "email_open"), NOW - timedelta(days=50, hours=7))
    events = events[::order]
    since = f"since {events[0].occurred_at.date().isoformat()}"
    person = contact(lifecycle_stage=LifecycleStage.MQL)
    for history in (events, in_unknown_zones(events)):
        decision, _ = evaluate(person, history, shipped_policy(), owners(), RoutingState(), NOW)
        assert decision.stage.transition is not None
        assert since in decision.stage.transition.reasons[0]


contacts = st.builds(
    lambda stage, status, intent, recycled_days, manual: contact(
        lifecycle_stage=stage,
        sales_status=status,
        intent=intent,
        recycled_at=None if recycled_days is None else NOW - timedelta(days=recycled_days),
        stage_set_manually=manual,
    ),
    st.none() | st.sampled_from(list(LifecycleStage)),
    st.none() | st.sampled_from(list(SalesStatus)),
    st.none() | st.sampled_from(list(IntentLevel)),
    st.none() | st.floats(min_value=0, max_value=120, allow_nan=False),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(events=histories(), person=contacts)
def test_evaluate_gives_the_same_decision_whatever_tzinfo_class_holds_an_offset(events, person):
    policy = shipped_policy()
    fast, state = evaluate(person, events, policy, owners(), RoutingState(), NOW)
    general, general_state = evaluate(
        person, in_unknown_zones(events), policy, owners(), RoutingState(), NOW
    )
    assert fast.model_dump() == general.model_dump()
    assert state == general_state


@settings(max_examples=50, deadline=None)
@given(events=histories(), person=contacts)
def test_a_zoned_now_reads_the_same_as_utc(events, person):
    zoned_now = NOW.astimezone(ZoneInfo("America/New_York"))
    card = score_contact(person, events, shipped_policy().scoring, zoned_now)
    assert (
        card.model_dump()
        == score_contact(person, events, shipped_policy().scoring, NOW).model_dump()
    )


def test_engagements_after_now_and_of_other_contacts_are_left_out():
    events = [
        Engagement(contact_id="c-1", kind="call", occurred_at=NOW - timedelta(hours=1)),
        Engagement(contact_id="c-1", kind="call", occurred_at=NOW + timedelta(seconds=1)),
        Engagement(contact_id="c-2", kind="call", occurred_at=NOW - timedelta(hours=2)),
    ]
    history = EngagementHistory.of("c-1", events, NOW)
    assert history.events == [events[0]]
    assert history.by_kind == {EngagementKind.CALL: [events[0]]}


def test_a_naive_now_fails_as_before():
    event = Engagement(contact_id="c-1", kind="call", occurred_at=NOW)
    with pytest.raises(TypeError, match="can't compare offset-naive and offset-aware"):
        score_contact(contact(), [event], shipped_policy().scoring, NOW.replace(tzinfo=None))


def test_a_history_is_only_reused_for_its_own_contact_and_now():
    history = EngagementHistory.of("c-1", [], NOW)
    assert EngagementHistory.of("c-1", history, NOW) is history
    with pytest.raises(ValueError, match="another contact"):
        score_contact(contact(id="c-2"), history, shipped_policy().scoring, NOW)
