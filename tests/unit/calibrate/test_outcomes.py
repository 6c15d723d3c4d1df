"""Which people count as converted, not converted, or unknown (left out of the fit)."""

from datetime import UTC, datetime, timedelta

import pytest

from connector.calibrate.outcomes import OutcomeRules
from connector.domain.contact import Contact, Deal, DealStatus
from connector.domain.stages import LifecycleStage, SalesStatus

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RECENT = NOW - timedelta(days=3)


def person(**values) -> Contact:
    return Contact(id="c1", email="a@b.example", created_at=NOW - timedelta(days=200), **values)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"lifecycle_stage": LifecycleStage.SQL}, True),
        ({"lifecycle_stage": LifecycleStage.CUSTOMER}, True),
        ({"sales_status": SalesStatus.QUALIFIED}, True),
        ({"deals": (Deal(id="d", status=DealStatus.WON),)}, True),
        ({"deals": (Deal(id="d", status=DealStatus.OPEN),)}, True),
        ({"lifecycle_stage": LifecycleStage.LEAD, "sales_status": SalesStatus.REJECTED}, False),
        ({"lifecycle_stage": LifecycleStage.OTHER}, False),
        ({"recycled_at": RECENT}, False),
        ({"lifecycle_stage": LifecycleStage.MQL}, None),  # still being worked
        ({"deals": (Deal(id="d", status=DealStatus.LOST),)}, None),  # a lost deal says nothing
    ],
)
def test_outcome_of_a_recently_active_person(values, expected):
    assert OutcomeRules().outcome(person(**values), RECENT, NOW) is expected


def test_idle_people_did_not_convert_and_the_window_is_configurable():
    lead = person(lifecycle_stage=LifecycleStage.LEAD)
    assert OutcomeRules(idle_days=90).outcome(lead, NOW - timedelta(days=91), NOW) is False
    assert OutcomeRules(idle_days=90).outcome(lead, NOW - timedelta(days=89), NOW) is None
    assert OutcomeRules(idle_days=None).outcome(lead, NOW - timedelta(days=400), NOW) is None
    assert OutcomeRules(idle_days=0).outcome(lead, NOW, NOW) is False


def test_success_can_start_further_down_the_funnel():
    sql = person(lifecycle_stage=LifecycleStage.SQL)
    later = OutcomeRules(success_from=LifecycleStage.OPPORTUNITY, idle_days=None)
    assert later.outcome(sql, RECENT, NOW) is None
    assert later.outcome(person(lifecycle_stage=LifecycleStage.CUSTOMER), RECENT, NOW) is True
