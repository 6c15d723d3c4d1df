"""A small seeded report and what-if with known chart sizes (shared by the HTML and browser
tests)."""

from datetime import UTC, datetime, timedelta

from connector.domain.routing import RoutingState
from connector.insight.figures import FunnelReport, PersonNow, StageMove, TaskRecord, build_report
from connector.insight.whatif import WhatIf, what_if
from tests.factories import NOW, owners, shipped_policy
from tests.unit.insight.test_whatif import _lowered, _people

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def seeded_report() -> FunnelReport:
    people = [
        PersonNow("a", "mql", "referral", "decision", "A", 120, "100"),
        PersonNow("b", "sql", "referral", "consideration", "A", 130, "101"),
        PersonNow("c", "lead", "purchased_list", "awareness", "C", 40, None),
        PersonNow("d", "lead", "event", None, "B", 20, "101"),
    ]
    moves = [
        StageMove("a", "lead", "mql", "score 120 >= 100", T0, 1),
        StageMove("b", "lead", "mql", "score 130 >= 100", T0, 1),
        StageMove("b", "mql", "sql", "BANT complete", T0 + timedelta(hours=2), 2),
        StageMove("d", "lead", "mql", "score 101", T0, 1),
        StageMove("d", "mql", "lead", f"sales rejected; {HOSTILE}", T0 + timedelta(days=2), 3),
    ]
    tasks = [
        TaskRecord(
            "k1", "mql", T0, "done", "100", T0 + timedelta(hours=1), T0 + timedelta(minutes=20)
        ),
        TaskRecord(
            "k2", "sql", T0, "done", "101", T0 + timedelta(hours=4), T0 + timedelta(hours=30)
        ),
        TaskRecord("k3", "mql", T0, "open", "101", T0 + timedelta(hours=1)),
    ]
    names = {owner.id: owner.email or owner.id for owner in owners()}
    return build_report(
        account="demo",
        crm="hubspot",
        people=people,
        moves=moves,
        tasks=tasks,
        policy=shipped_policy(),
        owner_name=names,
        now=T0 + timedelta(days=3),
        since=None,
        spend={"referral": 400.0},
    )


#: bars per chart in the seeded report: 8 stages; 2 recycle reasons; 5 speed buckets; the 5
#: owners the shipped rules name
REPORT_BARS = {"funnel": 8, "recycle": 2, "speed": 5, "load": 5}


def seeded_whatif() -> WhatIf:
    return what_if(_people(), shipped_policy(), _lowered(50), owners(), RoutingState(), NOW)


#: one stage change (lead -> mql); one owner gains an open lead
WHATIF_BARS = {"changes": 1, "load": 1}
