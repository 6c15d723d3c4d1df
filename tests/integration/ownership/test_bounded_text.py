"""Every text the connector writes fits the CRM field, cut on a character boundary with a
visible ellipsis: the longest company name each CRM holds, in multi-byte characters, makes a
task subject of at most the field's length and no failed run (issue #19), on both CRMs."""

from __future__ import annotations

from connector.domain.text import ELLIPSIS
from tests.ownership_crms import RULES, Crm

#: The shipped rules with a low MQL bar, so a small seed yields follow-up tasks.
EAGER = RULES.model_copy(
    update={
        "lifecycle": RULES.lifecycle.model_copy(
            update={"mql": RULES.lifecycle.mql.model_copy(update={"min_score": 15})}
        )
    }
)

#: 100 KB of UTF-8 on HubSpot (a string property holds 65,536 characters: 50,000 two-byte
#: characters fit); Salesforce refuses a Company or Account Name over 255 characters
#: (STRING_TOO_LONG), so there the longest it holds, in four-byte characters.
HUGE = {"hubspot": "Ä" * 49_999 + "🚀", "salesforce": "🚀" * 255}
SUBJECT_LIMIT = {"hubspot": 65_536, "salesforce": 255}


def test_a_huge_multi_byte_company_name_makes_a_bounded_task_subject(crm: Crm):
    plan = crm.sync(EAGER, dry_run=True).plan
    with_task = [p for p in plan if p.task is not None]
    assert with_task
    person = next(
        p.contact_id
        for p in with_task
        if crm.people([p.contact_id])[p.contact_id].company is not None
    )
    name = HUGE[crm.name]
    assert len(name.encode()) >= (100_000 if crm.name == "hubspot" else 1_000)
    crm.set_company_name(person, name)

    summary = crm.sync(EAGER)
    assert summary.exit_code == 0, (summary.message, summary.rejected[:3])
    [task] = [e for e in crm.store.audit_entries(crm.name, person) if e["kind"] == "task"]
    subject = crm.task_subject(task["new_value"])
    assert ELLIPSIS in subject  # cut visibly, not silently
    assert len(subject) <= min(SUBJECT_LIMIT[crm.name], 2 * 255 + 100)
    assert "ÄÄÄ" in subject or "🚀🚀🚀" in subject  # the name's start, whole characters
    subject.encode("utf-8")
    assert len(task["rule"]) <= 255  # the audit names the task without holding 100 KB
