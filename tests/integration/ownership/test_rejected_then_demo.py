"""A lead sales already rejected who then asks for a demo gets one decision that the next syncs
keep (a fixed point), with the shipped rules, on both CRMs: no SQL with a "book a meeting" task
that the next sync recycles, leaving the task behind (issue #19)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.domain.stages import LifecycleStage
from tests.ownership_crms import Crm


def test_a_rejected_lead_asking_for_a_demo_is_decided_once(crm: Crm):
    crm.clock = lambda: datetime.now(UTC) + timedelta(minutes=1)
    first = crm.sync()
    assert first.exit_code == 0, first.message
    leads = [
        e["contact_id"]
        for e in crm.store.audit_entries(crm.name)
        if e["kind"] == "write" and e["field"] == "score"
    ]
    people = crm.people(sorted(set(leads)))
    person = next(
        p.id
        for p in people.values()
        if p.lifecycle_stage == LifecycleStage.LEAD
        and not p.deals
        and (crm.name == "hubspot" or p.id.startswith("00Q"))
    )
    crm.reject_then_request_demo(person)

    stages = []
    for _ in range(3):
        summary = crm.sync()
        assert summary.exit_code == 0, summary.message
        stages.append(crm.people([person])[person].lifecycle_stage)
    assert stages[0] == stages[1] == stages[2]  # decided once, kept
    moves = [
        e
        for e in crm.store.audit_entries(crm.name, person)
        if e["kind"] == "transition" and e["old_value"] is not None
    ]
    assert len(moves) <= 1
    tasks = [e for e in crm.store.audit_entries(crm.name, person) if e["kind"] == "task"]
    if stages[-1] != LifecycleStage.SQL:
        assert not tasks, "no follow-up task left behind for a lead that is not an SQL"
    assert moves and "but sales set the lead status to rejected" in moves[-1]["rule"]
