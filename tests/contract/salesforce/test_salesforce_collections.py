"""sObject Collections through simple-salesforce's `restful` helper."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.common.faults import Fault
from connector.sandbox.salesforce import SalesforceSandbox

ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}


def _leads(count: int, company: str) -> list[dict[str, Any]]:
    return [
        {"attributes": {"type": "Lead"}, "LastName": f"Coll {n}", "Company": company}
        for n in range(count)
    ]


def _post(sf: Salesforce, records: list[dict[str, Any]], all_or_none: bool) -> list[Any]:
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": all_or_none, "records": records}
    )
    assert isinstance(results, list)
    return results


def test_create_200_records_in_one_call(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.reset_counters()
    results = _post(sf, _leads(200, "Two Hundred Co"), all_or_none=False)
    assert len(results) == 200
    assert all(r["success"] and r["errors"] == [] and r["id"].startswith("00Q") for r in results)
    names = sf.query_all("SELECT LastName FROM Lead WHERE Company = 'Two Hundred Co' ORDER BY Id")
    assert [r["LastName"] for r in names["records"]] == [f"Coll {n}" for n in range(200)]
    assert sandbox.log.calls("collections.create") == 1
    assert sandbox.log.records_written("collections.create") == 200


def test_more_than_200_records_is_refused(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    before = len(sandbox.ids_of("Lead"))
    with pytest.raises(SalesforceMalformedRequest) as failure:
        _post(sf, _leads(201, "Too Many Co"), all_or_none=False)
    assert failure.value.status == 400
    assert failure.value.content == [  # type: ignore[comparison-overlap]
        {
            "message": "record limit reached. cannot submit more than 200 records into this call",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]
    assert len(sandbox.ids_of("Lead")) == before


def test_partial_success_keeps_input_order(sf: Salesforce) -> None:
    records = _leads(3, "Order Co")
    records[1] = {"attributes": {"type": "Lead"}, "LastName": "No company"}
    records.append({"attributes": {"type": "Contact"}, "LastName": "Mixed types"})
    results = _post(sf, records, all_or_none=False)
    assert [r["success"] for r in results] == [True, False, True, True]
    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [Company]",
                "fields": ["Company"],
            }
        ],
    }
    assert results[3]["id"].startswith("003")
    assert sf.query("SELECT COUNT() FROM Lead WHERE Company = 'Order Co'")["totalSize"] == 2


def test_all_or_none_rolls_everything_back(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    records = _leads(3, "Atomic Co")
    records[2]["Lifecycle_Stage__c"] = "Nonsense"
    results = _post(sf, records, all_or_none=True)
    assert results[0] == {"success": False, "errors": [ROLLED_BACK]}
    assert results[1] == {"success": False, "errors": [ROLLED_BACK]}
    assert results[2]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert sf.query("SELECT COUNT() FROM Lead WHERE Company = 'Atomic Co'")["totalSize"] == 0
    ok = _post(sf, _leads(3, "Atomic Co"), all_or_none=True)
    assert all(r["success"] for r in ok)


def test_update_reports_each_record(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    ids = [r["id"] for r in _post(sf, _leads(3, "Update Co"), all_or_none=True)]
    updates: list[dict[str, Any]] = [
        {"attributes": {"type": "Lead"}, "id": ids[0], "Connector_Score__c": 10},
        {"attributes": {"type": "Lead"}, "id": "00QbogusId", "Connector_Score__c": 20},
        {"attributes": {"type": "Lead"}, "id": ids[2], "Connector_Grade__c": "B2"},
    ]
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": updates}
    )
    assert results == [
        {"id": ids[0], "success": True, "errors": []},
        {
            "success": False,
            "errors": [
                {"statusCode": "MALFORMED_ID", "message": "malformed id 00QbogusId", "fields": []}
            ],
        },
        {"id": ids[2], "success": True, "errors": []},
    ]
    fetched = sf.query(
        "SELECT Id, Connector_Score__c, Connector_Grade__c FROM Lead "
        f"WHERE Id IN ('{ids[0]}', '{ids[2]}') ORDER BY Connector_Grade__c"
    )["records"]
    assert [(r["Id"], r["Connector_Score__c"], r["Connector_Grade__c"]) for r in fetched] == [
        (ids[0], 10.0, None),
        (ids[2], None, "B2"),
    ]


def test_partial_batch_fault_is_unable_to_lock_row(
    sandbox: SalesforceSandbox, sf: Salesforce
) -> None:
    sandbox.reset_counters()
    sandbox.faults.force(Fault.PARTIAL_BATCH, endpoint="collections.create")
    results = _post(sf, _leads(20, "Locked Co"), all_or_none=False)
    failed = [r for r in results if not r["success"]]
    assert len(failed) == 2  # 10 % of the batch
    for result in failed:
        [error] = result["errors"]
        assert error["statusCode"] == "UNABLE_TO_LOCK_ROW"
        assert error["message"].startswith(
            "unable to obtain exclusive access to this record or 1 records:"
        )
    assert sf.query("SELECT COUNT() FROM Lead WHERE Company = 'Locked Co'")["totalSize"] == 18
    assert sandbox.log.faults() == {Fault.PARTIAL_BATCH: 1}
    assert sandbox.log.records_written("collections.create") == 18
    sandbox.faults.force(Fault.PARTIAL_BATCH, endpoint="collections.create")
    atomic = _post(sf, _leads(5, "Locked Atomic Co"), all_or_none=True)
    codes = sorted(r["errors"][0]["statusCode"] for r in atomic)
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK"] * 4 + ["UNABLE_TO_LOCK_ROW"]


def test_locked_record_in_a_collection_update(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    ids = [r["id"] for r in _post(sf, _leads(2, "Lock Update Co"), all_or_none=True)]
    sandbox.lock_records([ids[1]])
    try:
        results = sf.restful(
            "composite/sobjects",
            method="PATCH",
            json={
                "allOrNone": False,
                "records": [
                    {"attributes": {"type": "Lead"}, "id": record_id, "Title": "T"}
                    for record_id in ids
                ],
            },
        )
    finally:
        sandbox.unlock_records()
    assert results is not None
    assert results[0]["success"] is True
    assert results[1]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"


@pytest.mark.parametrize("all_or_none", [True, False])
def test_a_unique_value_twice_in_one_request(
    sandbox: SalesforceSandbox, sf: Salesforce, all_or_none: bool
) -> None:
    """The second record claiming a unique value is a DUPLICATE_VALUE: of the first's id once it
    was written, of "(pending)" while allOrNone holds every write back (then rolled back)."""
    who = sandbox.ids_of("Lead")[2]
    key = f"dup-in-request-{all_or_none}"
    task = {"attributes": {"type": "Task"}, "Subject": "Call", "WhoId": who}
    first, second = _post(
        sf,
        [{**task, "Connector_Task_Key__c": key}, {**task, "Connector_Task_Key__c": key.upper()}],
        all_or_none,
    )
    holder = "(pending)" if all_or_none else first["id"]
    assert second["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert second["errors"][0]["message"].endswith(f"on record with id: {holder}")
    assert first["success"] is not all_or_none
    if all_or_none:
        assert first["errors"] == [ROLLED_BACK]
