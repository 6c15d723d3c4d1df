"""Absurd values are skipped with their reason, as README promises, on both CRMs: a company
claiming a quadrillion in revenue is a data-entry error, not a fit grade to write."""

from __future__ import annotations

from tests.ownership_crms import Crm


def test_a_person_whose_company_reports_absurd_revenue_is_skipped_with_the_reason(crm: Crm):
    first = crm.sync()
    assert first.exit_code == 0, first.message
    scored = sorted(
        {
            e["contact_id"]
            for e in crm.store.audit_entries(crm.name)
            if e["kind"] == "write" and e["field"] == "score"
        }
    )
    people = crm.people(scored)
    person = next(
        p.id
        for p in people.values()
        if p.company is not None and (crm.name == "hubspot" or p.id.startswith("00Q"))
    )
    crm.set_company_number(person, "annual_revenue", 1e15)

    summary = crm.sync()
    assert summary.exit_code == 0, summary.message  # skipped records alone do not fail a run
    [skip] = [s for s in summary.skipped if s.record_id == person]
    assert "implausibly large" in skip.message and "annual_revenue" in skip.message
    audited = [e for e in crm.store.audit_entries(crm.name, person) if e["kind"] == "skip"]
    assert audited and "implausibly large" in audited[-1]["rule"]
