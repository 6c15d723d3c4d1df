"""Pushing updates through sObject Collections: 200 per call, only the given fields, per-record
errors reported while the rest lands, lock errors and 5xx retried so that every update lands
exactly once, and the assignment-rule header."""

from __future__ import annotations

from datetime import UTC, datetime

from simple_salesforce import Salesforce

from connector.adapters.salesforce import endpoints as sf
from connector.adapters.salesforce.auth import TOKEN_ENDPOINT
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.sandbox.common.faults import Fault

FIELDS = (
    "Id, Connector_Score__c, Connector_Grade__c, Lifecycle_Stage__c, Connector_Stage__c, OwnerId"
)


def _rows(sandbox, object_name, ids):
    api = Salesforce(**sandbox.salesforce_kwargs())
    quoted = ",".join(f"'{i}'" for i in ids)
    records = api.query_all(f"SELECT {FIELDS} FROM {object_name} WHERE Id IN ({quoted})")
    return {r["Id"]: r for r in records["records"]}


def _score(person_id, score):
    return ContactUpdate(contact_id=person_id, changes={UpdatableField.SCORE: score})


def test_updates_go_in_collections_of_200(make_sandbox, make_adapter, counts):
    sandbox = make_sandbox(contacts=500)
    adapter = make_adapter(sandbox)
    people = (sandbox.ids_of("Lead") + sandbox.ids_of("Contact"))[:450]
    before = _rows(sandbox, "Lead", people[:5])
    sandbox.log.reset()

    result = adapter.apply_updates([_score(p, 70 + n % 20) for n, p in enumerate(people)])

    assert sorted(result.applied) == sorted(people) and result.rejected == []
    assert counts.calls(adapter) == {sf.COLLECTIONS_UPDATE: 3, TOKEN_ENDPOINT: 1}
    assert sandbox.log.records_written("collections.update") == 450
    counts.assert_exact(adapter, sandbox)
    after = _rows(sandbox, "Lead", people[:5])
    for n, person in enumerate(people[:5]):
        assert after[person]["Connector_Score__c"] == 70 + n % 20
        # Only the given field was sent: the grade stays what it was.
        assert after[person]["Connector_Grade__c"] == before[person]["Connector_Grade__c"]


def test_leads_and_contacts_in_one_call_with_stage_marker(sandbox, adapter):
    lead, contact = sandbox.ids_of("Lead")[1], sandbox.ids_of("Contact")[1]
    stamp = datetime(2026, 11, 3, 10, 30, 15, 250000, tzinfo=UTC)
    updates = [
        ContactUpdate(
            contact_id=contact,
            changes={UpdatableField.LIFECYCLE_STAGE: "mql", UpdatableField.GRADE: "A"},
        ),
        ContactUpdate(
            contact_id=lead,
            changes={UpdatableField.LIFECYCLE_STAGE: "sql", UpdatableField.RECYCLED_AT: stamp},
        ),
    ]

    result = adapter.apply_updates(updates)

    assert sorted(result.applied) == sorted([lead, contact])
    assert adapter.usage.calls(sf.COLLECTIONS_UPDATE) == 1
    row = _rows(sandbox, "Contact", [contact])[contact]
    assert (row["Lifecycle_Stage__c"], row["Connector_Stage__c"], row["Connector_Grade__c"]) == (
        "MQL",
        "mql",
        "A",
    )
    api = Salesforce(**sandbox.salesforce_kwargs())
    recycled = api.Lead.get(lead)["Connector_Recycled_At__c"]
    assert recycled.startswith("2026-11-03T10:30:15.250")


def test_a_rejected_record_does_not_hold_back_the_rest(sandbox, adapter):
    good, bad = sandbox.ids_of("Lead")[:2]
    updates = [
        _score(good, 55),
        ContactUpdate(contact_id=bad, changes={UpdatableField.GRADE: "far too long a grade"}),
        ContactUpdate(contact_id="001gK000000000JQAQ", changes={UpdatableField.SCORE: 1}),
    ]

    result = adapter.apply_updates(updates)

    assert result.applied == [good]
    rejected = {error.record_id: error for error in result.rejected}
    assert rejected[bad].code == "STRING_TOO_LONG"
    assert "data value too large" in rejected[bad].message  # Salesforce's own words
    assert rejected[bad].field == "Connector_Grade__c"
    assert rejected["001gK000000000JQAQ"].code == "UNKNOWN_OBJECT"
    assert _rows(sandbox, "Lead", [good])[good]["Connector_Score__c"] == 55


def test_locked_rows_are_retried_until_every_update_landed_once(sandbox, adapter, counts):
    people = sandbox.ids_of("Lead")[:150]
    sandbox.faults.force(Fault.PARTIAL_BATCH, count=1, endpoint="collections.update")

    result = adapter.apply_updates([_score(p, 91) for p in people])

    assert sorted(result.applied) == sorted(people) and result.rejected == []
    # 15 of 150 records (10 %) came back UNABLE_TO_LOCK_ROW and went again in a second call.
    assert adapter.usage.calls(sf.COLLECTIONS_UPDATE) == 2
    assert adapter.usage.by_endpoint()[sf.COLLECTIONS_UPDATE].records == 150 + 15
    assert sandbox.log.records_written("collections.update") == 150
    counts.assert_exact(adapter, sandbox)


def test_a_row_that_stays_locked_is_reported(sandbox, adapter):
    free, held = sandbox.ids_of("Lead")[:2]
    sandbox.lock_records([held])

    result = adapter.apply_updates([_score(free, 12), _score(held, 13)])

    assert result.applied == [free]
    assert [(e.record_id, e.code) for e in result.rejected] == [(held, "UNABLE_TO_LOCK_ROW")]
    assert adapter.usage.calls(sf.COLLECTIONS_UPDATE) == 4  # the policy's 4 attempts


def test_server_errors_are_retried_and_updates_land_once(sandbox, adapter, counts):
    people = sandbox.ids_of("Contact")[:40]
    sandbox.faults.force(Fault.SERVER_ERROR_500, count=1, endpoint="collections.update")
    sandbox.faults.force(Fault.UNAVAILABLE_503, count=1, endpoint="collections.update")
    sandbox.faults.force(Fault.DROP, count=1, endpoint="collections.update")

    result = adapter.apply_updates([_score(p, 33) for p in people])

    assert sorted(result.applied) == sorted(people)
    assert adapter.usage.calls(sf.COLLECTIONS_UPDATE) == 4
    assert sandbox.log.records_written("collections.update") == 40
    counts.assert_exact(adapter, sandbox)


def _auto_assign_headers(adapter):
    seen: list[tuple[str, str | None, int]] = []

    def hook(response, *args, **kwargs):
        request = response.request
        if request.method == "PATCH":
            body = request.body or b""
            seen.append(
                (request.method, request.headers.get("Sforce-Auto-Assign"), body.count(b'"id"'))
            )

    adapter.client.session.hooks["response"].append(hook)
    return seen


def test_assignment_rules_are_not_fired_by_default(sandbox, adapter):
    lead, other = sandbox.ids_of("Lead")[:2]
    owner = sandbox.seed_summary.owner_ids["seed-owner-02"]
    seen = _auto_assign_headers(adapter)

    adapter.apply_updates(
        [ContactUpdate(contact_id=lead, changes={UpdatableField.OWNER_ID: owner}), _score(other, 5)]
    )

    assert seen == [("PATCH", "FALSE", 2)]
    assert _rows(sandbox, "Lead", [lead])[lead]["OwnerId"] == owner


def test_owner_changes_fire_assignment_rules_when_the_mapping_says_so(
    sandbox, make_adapter, mapping
):
    firing = make_adapter(sandbox, mapping.model_copy(update={"fire_assignment_rules": True}))
    lead, other = sandbox.ids_of("Lead")[:2]
    owner = sandbox.seed_summary.owner_ids["seed-owner-03"]
    seen = _auto_assign_headers(firing)

    firing.apply_updates(
        [ContactUpdate(contact_id=lead, changes={UpdatableField.OWNER_ID: owner}), _score(other, 5)]
    )

    # Score-only updates never fire them; owner changes travel in their own call with TRUE.
    assert seen == [("PATCH", "FALSE", 1), ("PATCH", "TRUE", 1)]


def test_two_updates_of_one_record_travel_as_one(sandbox, adapter):
    lead = sandbox.ids_of("Lead")[3]
    updates = [
        _score(lead, 10),
        ContactUpdate(contact_id=lead, changes={UpdatableField.GRADE: "B"}),
        _score(lead, 11),
    ]

    result = adapter.apply_updates(updates)

    assert result.applied == [lead] and result.rejected == []
    row = _rows(sandbox, "Lead", [lead])[lead]
    assert (row["Connector_Score__c"], row["Connector_Grade__c"]) == (11, "B")
