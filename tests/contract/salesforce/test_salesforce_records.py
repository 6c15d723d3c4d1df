"""Describe and single-record resources through simple-salesforce."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from connector.sandbox.salesforce import SalesforceSandbox

DESCRIBED = (
    "Lead",
    "Contact",
    "Account",
    "Opportunity",
    "Task",
    "Event",
    "CampaignMember",
    "Campaign",
    "User",
)


def test_global_describe_lists_the_objects(sf: Salesforce) -> None:
    described = sf.describe()
    assert described is not None
    assert described["maxBatchSize"] == 200
    by_name = {entry["name"]: entry for entry in described["sobjects"]}
    for name in DESCRIBED:
        assert by_name[name]["queryable"] is True
    assert by_name["Lead"]["keyPrefix"] == "00Q"
    assert by_name["Lead"]["urls"]["describe"] == "/services/data/v59.0/sobjects/Lead/describe"


@pytest.mark.parametrize("name", DESCRIBED)
def test_sobject_describe_shape(sf: Salesforce, name: str) -> None:
    described = getattr(sf, name).describe()
    assert described["name"] == name
    fields = {field["name"]: field for field in described["fields"]}
    assert fields["Id"]["type"] == "id"
    assert fields["Id"]["createable"] is False
    for field in described["fields"]:
        assert {
            "name",
            "type",
            "label",
            "length",
            "nillable",
            "createable",
            "updateable",
            "externalId",
            "picklistValues",
            "referenceTo",
            "relationshipName",
            "soapType",
            "precision",
            "scale",
            "unique",
            "restrictedPicklist",
        } <= set(field)
    assert described["recordTypeInfos"][0]["recordTypeId"] == "012000000000000AAA"


def test_lead_describe_details(sf: Salesforce) -> None:
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert fields["Email"]["type"] == "email" and fields["Email"]["length"] == 80
    statuses = [v["value"] for v in fields["Status"]["picklistValues"]]
    assert statuses == [
        "Open - Not Contacted",
        "Working - Contacted",
        "Closed - Converted",
        "Closed - Not Converted",
        "Nurturing",
    ]
    assert [v["value"] for v in fields["Status"]["picklistValues"] if v["defaultValue"]] == [
        "Open - Not Contacted"
    ]
    sources = [v["value"] for v in fields["LeadSource"]["picklistValues"]]
    assert {
        "Web",
        "Phone Inquiry",
        "Partner Referral",
        "Purchased List",
        "Other",
        "Organic Search",
        "Paid Search",
        "Social",
        "Email",
        "Event",
        "Chat",
        "Referral",
        "Partner",
        "Direct",
    } <= set(sources)
    assert fields["OwnerId"]["referenceTo"] == ["Group", "User"]
    assert fields["OwnerId"]["relationshipName"] == "Owner"
    assert fields["Budget_Confirmed__c"]["type"] == "boolean"
    assert fields["Buying_Role__c"]["restrictedPicklist"] is True
    assert fields["Connector_Score__c"]["type"] == "double"
    assert (fields["Connector_Score__c"]["precision"], fields["Connector_Score__c"]["scale"]) == (
        18,
        0,
    )
    assert fields["Connector_Grade__c"]["length"] == 10
    assert fields["Connector_Score_Reasons__c"]["type"] == "textarea"
    assert fields["Connector_Score_Reasons__c"]["filterable"] is False
    assert fields["Lifecycle_Stage__c"]["restrictedPicklist"] is True
    assert [v["value"] for v in fields["Lifecycle_Stage__c"]["picklistValues"]] == [
        "Subscriber",
        "Lead",
        "MQL",
        "SQL",
        "Opportunity",
        "Customer",
        "Evangelist",
        "Other",
    ]
    assert fields["Connector_Stage__c"]["length"] == 40
    assert fields["Connector_Recycled_At__c"]["type"] == "datetime"
    assert fields["IsConverted"]["updateable"] is False
    task = {f["name"]: f for f in sf.Task.describe()["fields"]}
    key = task["Connector_Task_Key__c"]
    assert (key["externalId"], key["unique"], key["length"]) == (True, True, 80)


def test_connector_fields_absent_unless_provisioned(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    running = make_sandbox(provision_connector_fields=False)
    sf = Salesforce(**running.salesforce_kwargs())
    names = {f["name"] for f in sf.Contact.describe()["fields"]}
    assert "Budget_Confirmed__c" in names
    assert not any(name.startswith("Connector_") for name in names)
    assert "Lifecycle_Stage__c" not in names
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Lead.create({"LastName": "X", "Company": "Y", "Connector_Score__c": 5})
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"  # type: ignore[index]


def test_create_get_update_delete(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    created = sf.Lead.create({"LastName": "Roundtrip", "Company": "RT Inc", "Email": "r@rt.io"})
    assert created["success"] is True and created["errors"] == []
    lead_id = created["id"]
    assert lead_id.startswith("00Q") and len(lead_id) == 18
    record = sf.Lead.get(lead_id)
    assert record["attributes"] == {
        "type": "Lead",
        "url": f"/services/data/v59.0/sobjects/Lead/{lead_id}",
    }
    assert record["Status"] == "Open - Not Contacted"  # the picklist default
    assert record["OwnerId"] == sandbox.integration_user_id
    assert record["IsDeleted"] is False
    assert record["CreatedDate"].endswith("+0000")
    assert sf.Lead.update(lead_id, {"Title": "CTO", "Connector_Score__c": 120}) == 204
    updated = sf.Lead.get(lead_id)
    assert (updated["Title"], updated["Connector_Score__c"]) == ("CTO", 120.0)
    assert updated["SystemModstamp"] >= record["SystemModstamp"]
    assert sf.Lead.delete(lead_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as gone:
        sf.Lead.get(lead_id)
    assert gone.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"  # type: ignore[index]


def _write_error(action: Callable[[], object]) -> dict[str, object]:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        action()
    [error] = failure.value.content  # type: ignore[misc]
    return error  # type: ignore[no-any-return]


def test_write_errors(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sandbox.ids_of("Lead")[0]
    assert _write_error(lambda: sf.Lead.update(lead_id, {"Shoe_Size__c": 42})) == {
        "message": "No such column 'Shoe_Size__c' on sobject of type Lead",
        "errorCode": "INVALID_FIELD",
        "fields": [],
    }
    assert _write_error(lambda: sf.Lead.update(lead_id, {"Lifecycle_Stage__c": "Hot"})) == {
        "message": "Lifecycle Stage: bad value for restricted picklist field: Hot",
        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "fields": ["Lifecycle_Stage__c"],
    }
    missing = _write_error(lambda: sf.Lead.create({"FirstName": "No"}))
    assert missing["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert missing["fields"] == ["LastName", "Company"]
    readonly = _write_error(lambda: sf.Lead.update(lead_id, {"IsConverted": True}))
    assert readonly["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    too_long = _write_error(lambda: sf.Lead.update(lead_id, {"Connector_Grade__c": "x" * 11}))
    assert too_long["errorCode"] == "STRING_TOO_LONG"
    bad_owner = _write_error(lambda: sf.Lead.update(lead_id, {"OwnerId": lead_id}))
    assert bad_owner["errorCode"] == "MALFORMED_ID"
    wrong_type = _write_error(lambda: sf.Lead.update(lead_id, {"NumberOfEmployees": "many"}))
    assert wrong_type["errorCode"] == "JSON_PARSER_ERROR"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.get("00QgK00000zzzzzAAA")


def test_unique_external_id_refuses_a_duplicate(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    """Connector_Task_Key__c is Unique (case-insensitive): a second task with the same key is
    refused, which is what makes the connector's task creation idempotent."""
    who = sandbox.ids_of("Lead")[1]
    body = {"Subject": "Follow up", "WhoId": who, "Connector_Task_Key__c": "key-001"}
    first = sf.Task.create(body)
    duplicate = _write_error(lambda: sf.Task.create({**body, "Connector_Task_Key__c": "KEY-001"}))
    assert duplicate["errorCode"] == "DUPLICATE_VALUE"
    assert duplicate["message"] == (
        "duplicate value found: Connector_Task_Key__c duplicates value on record with id: "
        f"{first['id']}"
    )
    assert len(sandbox.ids_of("Task")) == sandbox.seed_summary.tasks + 1  # type: ignore[union-attr]


def test_locked_record_is_unable_to_lock_row(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sandbox.ids_of("Lead")[2]
    sandbox.lock_records([lead_id])
    try:
        error = _write_error(lambda: sf.Lead.update(lead_id, {"Title": "Locked"}))
    finally:
        sandbox.unlock_records()
    assert error == {
        "message": f"unable to obtain exclusive access to this record or 1 records: {lead_id}",
        "errorCode": "UNABLE_TO_LOCK_ROW",
        "fields": [],
    }
    assert sf.Lead.update(lead_id, {"Title": "Unlocked"}) == 204


def test_unknown_versions_paths_and_methods(sandbox: SalesforceSandbox) -> None:
    session = sandbox.session()
    auth = {"Authorization": f"Bearer {sandbox.token}"}
    old = session.get(f"{sandbox.url}/services/data/v12.0/sobjects/Lead/describe", headers=auth)
    assert old.status_code == 404
    assert old.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]
    put = session.put(f"{sandbox.url}/services/data/v59.0/sobjects/Lead/describe", headers=auth)
    assert put.status_code == 405
    assert put.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert session.get(f"{sandbox.url}/services/data/v59.0/nope", headers=auth).status_code == 404
