from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import Bant, Deal, DealStatus
from connector.domain.engagement import EngagementKind
from connector.domain.fit import grade_contact
from connector.domain.lifecycle import decide_stage
from connector.domain.outcomes import TransitionKind
from connector.domain.scoring import score_contact
from connector.domain.stages import LifecycleStage, SalesStatus
from tests.factories import NOW, contact, event, policy_with, shipped_policy

Stage = LifecycleStage


def decide(person, events=(), policy=None, now=NOW):
    policy = policy or shipped_policy()
    score = score_contact(person, events, policy.scoring, now)
    fit = grade_contact(person, policy.fit)
    return decide_stage(person, list(events), score.total, fit, policy, now)


def hot_events():
    """Enough fresh behaviour for an MQL without any SQL trigger (about 110 points)."""
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


def test_a_new_contact_without_activity_is_a_subscriber():
    decision = decide(contact(lifecycle_stage=None))
    assert decision.transition.to_stage == Stage.SUBSCRIBER
    assert decision.transition.from_stage is None


def test_a_form_submission_makes_a_subscriber_a_lead():
    decision = decide(contact(lifecycle_stage=Stage.SUBSCRIBER), [event("form_submission")])
    assert decision.transition.to_stage == Stage.LEAD
    assert decision.transition.reasons == ("form_submission",)


def test_score_and_fit_over_threshold_make_an_mql():
    decision = decide(contact(lifecycle_stage=Stage.LEAD), hot_events())
    transition = decision.transition
    assert transition.to_stage == Stage.MQL
    assert transition.kind == TransitionKind.ADVANCE
    assert transition.at == NOW
    assert transition.reasons[0].startswith("score ")
    assert "fit grade A" in transition.reasons[1]


def test_poor_fit_blocks_mql_and_says_so():
    weak = contact(lifecycle_stage=Stage.LEAD, job_title="Analyst", company=None, country="Narnia")
    decision = decide(weak, hot_events())
    assert decision.transition is None
    assert "below C" in decision.notes[0]


def test_score_alone_never_makes_an_sql():
    huge = hot_events() * 5
    decision = decide(contact(lifecycle_stage=Stage.MQL), huge)
    assert decision.transition is None


def test_a_demo_request_makes_an_sql():
    decision = decide(contact(lifecycle_stage=Stage.MQL), [event("demo_request", days_ago=2)])
    assert decision.transition.to_stage == Stage.SQL
    assert decision.transition.reasons[0].startswith("demo_request on ")


def test_an_old_demo_request_is_not_an_sql_trigger():
    decision = decide(contact(lifecycle_stage=Stage.MQL), [event("demo_request", days_ago=40)])
    assert decision.transition is None


def test_complete_bant_makes_an_sql():
    bant = Bant(budget=True, authority=True, need=True, timeline=True)
    decision = decide(contact(lifecycle_stage=Stage.MQL, bant=bant))
    assert decision.transition.to_stage == Stage.SQL
    assert "BANT complete" in decision.transition.reasons[0]


def test_incomplete_bant_does_not():
    bant = Bant(budget=True, authority=True, need=True, timeline=None)
    active = [event("page_view", days_ago=1)]
    assert decide(contact(lifecycle_stage=Stage.MQL, bant=bant), active).transition is None


def test_sales_qualified_status_makes_an_sql():
    person = contact(lifecycle_stage=Stage.LEAD, sales_status=SalesStatus.QUALIFIED)
    assert decide(person).transition.to_stage == Stage.SQL


def test_open_and_won_deals_make_opportunity_and_customer():
    open_deal = Deal(id="d1", status=DealStatus.OPEN)
    won_deal = Deal(id="d2", status=DealStatus.WON)
    assert decide(contact(lifecycle_stage=Stage.SQL, deals=(open_deal,))).transition.to_stage == (
        Stage.OPPORTUNITY
    )
    won = decide(contact(lifecycle_stage=Stage.OPPORTUNITY, deals=(open_deal, won_deal)))
    assert won.transition.to_stage == Stage.CUSTOMER
    assert won.transition.reasons == ("a deal is closed-won",)


def test_a_lost_deal_changes_nothing():
    lost = Deal(id="d1", status=DealStatus.LOST)
    assert decide(contact(lifecycle_stage=Stage.SQL, deals=(lost,))).transition is None


def test_a_stage_set_by_a_person_is_respected():
    person = contact(lifecycle_stage=Stage.LEAD, stage_set_manually=True)
    decision = decide(person, hot_events())
    assert decision.transition is None
    assert "set by a person" in decision.notes[0]


def test_deals_override_a_manual_stage_only_when_the_rules_say_so():
    person = contact(
        lifecycle_stage=Stage.LEAD,
        stage_set_manually=True,
        deals=(Deal(id="d", status=DealStatus.WON),),
    )
    assert decide(person).transition.to_stage == Stage.CUSTOMER
    strict = policy_with(lifecycle={"deals_override_manual_stage": False})
    assert decide(person, policy=strict).transition is None


def test_outside_the_icp_is_disqualified_with_reasons():
    decision = decide(contact(lifecycle_stage=Stage.LEAD, job_title="Student"), hot_events())
    transition = decision.transition
    assert transition.to_stage == Stage.OTHER
    assert transition.kind == TransitionKind.DISQUALIFY
    assert transition.reasons[0] == "outside the ideal customer profile"
    assert transition.reasons[1].startswith("student:")


def test_sales_rejection_recycles_an_mql_to_nurture():
    person = contact(lifecycle_stage=Stage.MQL, sales_status=SalesStatus.REJECTED)
    transition = decide(person, hot_events()).transition
    assert transition.to_stage == Stage.LEAD
    assert transition.kind == TransitionKind.RECYCLE
    assert transition.reasons == ("sales set the lead status to rejected",)


def test_an_idle_mql_whose_score_decayed_is_recycled():
    old = [event("webinar_attended", days_ago=120), event("content_download", days_ago=100)]
    transition = decide(contact(lifecycle_stage=Stage.MQL), old).transition
    assert transition.kind == TransitionKind.RECYCLE
    assert "no engagement for more than 45 days" in transition.reasons[0]


def test_a_recently_active_mql_is_not_recycled_even_with_a_low_score():
    assert (
        decide(contact(lifecycle_stage=Stage.MQL), [event("page_view", days_ago=3)]).transition
        is None
    )


def test_after_a_recycle_only_fresh_engagement_re_qualifies():
    events = hot_events()
    recycled = contact(lifecycle_stage=Stage.LEAD, recycled_at=NOW - timedelta(hours=1))
    stale = decide(recycled, events)
    assert stale.transition is None
    assert "waiting for new engagement" in stale.notes[0]
    fresh = decide(recycled, [*events, event("page_view", days_ago=0)])
    assert fresh.transition.to_stage == Stage.MQL


def test_customers_and_other_stay_put():
    for stage in (Stage.CUSTOMER, Stage.EVANGELIST, Stage.OTHER):
        assert decide(contact(lifecycle_stage=stage), hot_events()).transition is None


# --- properties ----------------------------------------------------------------------------

stage_values = st.none() | st.sampled_from(list(LifecycleStage))
statuses = st.none() | st.sampled_from(list(SalesStatus))
bants = st.builds(
    Bant,
    budget=st.none() | st.booleans(),
    authority=st.none() | st.booleans(),
    need=st.none() | st.booleans(),
    timeline=st.none() | st.booleans(),
)
deals = st.lists(
    st.builds(Deal, id=st.just("d"), status=st.sampled_from(list(DealStatus))), max_size=2
).map(tuple)
events_strategy = st.lists(
    st.builds(
        lambda kind, age: event(kind, days_ago=age),
        st.sampled_from(list(EngagementKind)),
        st.floats(min_value=0, max_value=200, allow_nan=False),
    ),
    max_size=25,
)
titles = st.sampled_from(["VP Sales", "Student", "Engineer", None])


@settings(max_examples=200, deadline=None)
@given(
    stage=stage_values,
    status=statuses,
    bant=bants,
    deal_list=deals,
    events=events_strategy,
    title=titles,
    manual=st.booleans(),
)
def test_stages_only_move_backwards_through_recycle_or_disqualify(
    stage, status, bant, deal_list, events, title, manual
):
    person = contact(
        lifecycle_stage=stage,
        sales_status=status,
        bant=bant,
        deals=deal_list,
        job_title=title,
        stage_set_manually=manual,
    )
    transition = decide(person, events).transition
    if transition is None:
        return
    forward = stage is None or stage.is_before(transition.to_stage)
    assert (
        forward
        or transition.kind in (TransitionKind.RECYCLE, TransitionKind.DISQUALIFY)
        or (stage == Stage.OTHER and transition.to_stage in (Stage.OPPORTUNITY, Stage.CUSTOMER))
    )
    if transition.kind == TransitionKind.ADVANCE and transition.to_stage == Stage.SQL:
        triggers = {"meeting_booked", "demo_request", "pricing_request"}
        assert (
            status == SalesStatus.QUALIFIED
            or bant.complete
            or any(e.kind in triggers for e in events)
        ), "score alone made an SQL"
    assert decide(person, events).transition == transition  # deterministic


def test_a_lead_sales_already_rejected_is_recycled_rather_than_made_an_mql():
    """As an MQL it would be recycled on the next run anyway (rejected MQLs are); deciding it
    now makes one run settle it, instead of an MQL write and a recycle write one run apart."""
    person = contact(lifecycle_stage=Stage.LEAD, sales_status=SalesStatus.REJECTED)
    transition = decide(person, hot_events()).transition
    assert transition.kind == TransitionKind.RECYCLE
    assert transition.to_stage == Stage.LEAD
    assert transition.reasons[0].startswith("score ")
    assert transition.reasons[-1] == "but sales set the lead status to rejected"
