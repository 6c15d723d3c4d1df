"""Batch read/create/update/upsert/archive: the 100-input limit, 207 multi-status answers and
what lands when part of a batch is bad."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
    BatchResponseSimplePublicObject,
    BatchResponseSimplePublicObjectWithErrors,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectId,
)

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalogue import CONTACTS

TOO_MANY = (
    "The maximum number of inputs supported in a batch is 100. "
    "Please reduce the number of items and try again"
)


def some_ids(client: HubSpot, count: int) -> list[str]:
    return [item.id for item in client.crm.contacts.basic_api.get_page(limit=count).results]


def read_request(ids: list[str], properties: list[str] | None = None):
    return BatchReadInputSimplePublicObjectId(
        properties=properties or ["email"],
        properties_with_history=[],
        inputs=[SimplePublicObjectId(id=value) for value in ids],
    )


def test_batch_read_returns_the_records_asked_for(client: HubSpot) -> None:
    ids = some_ids(client, 100)

    answer = client.crm.contacts.batch_api.read(read_request(ids))

    assert isinstance(answer, BatchResponseSimplePublicObject)
    assert answer.status == "COMPLETE"
    assert sorted(item.id for item in answer.results) == sorted(ids)
    assert answer.completed_at >= answer.started_at


@pytest.mark.parametrize(
    "call",
    [
        lambda c, ids: c.crm.contacts.batch_api.read(read_request(ids)),
        lambda c, ids: c.crm.contacts.batch_api.update(
            BatchInputSimplePublicObjectBatchInput(
                inputs=[SimplePublicObjectBatchInput(id=i, properties={}) for i in ids]
            )
        ),
        lambda c, ids: c.crm.contacts.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(
                inputs=[SimplePublicObjectBatchInputForCreate(properties={}) for _ in ids]
            )
        ),
    ],
    ids=["read", "update", "create"],
)
def test_101_inputs_is_hubspots_400(sandbox: HubSpotSandbox, client: HubSpot, call) -> None:
    ids = [str(number) for number in range(1, 102)]
    before = sandbox.store.table(CONTACTS).version

    with pytest.raises(ApiException) as failure:
        call(client, ids)

    assert failure.value.status == 400
    body = json.loads(failure.value.body)
    assert body["message"] == TOO_MANY
    assert body["category"] == "VALIDATION_ERROR"
    assert body["status"] == "error"
    assert body["correlationId"]
    assert sandbox.store.table(CONTACTS).version == before  # nothing happened


def test_batch_read_with_missing_ids_is_207_and_names_them(client: HubSpot) -> None:
    ids = some_ids(client, 3)

    answer = client.crm.contacts.batch_api.read(read_request([*ids, "999999999", "abc"]))

    assert isinstance(answer, BatchResponseSimplePublicObjectWithErrors)
    assert answer.num_errors == 1
    error = answer.errors[0]
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.message == (
        "Could not get some CONTACT objects, they may be deleted or not exist. "
        "Check that ids are valid."
    )
    assert error.context == {"ids": ["999999999", "abc"]}
    assert sorted(item.id for item in answer.results) == sorted(ids)


def test_batch_update_applies_the_good_inputs_and_reports_missing_ids(client: HubSpot) -> None:
    ids = some_ids(client, 2)
    inputs = [
        SimplePublicObjectBatchInput(id=ids[0], properties={"jobtitle": "A"}),
        SimplePublicObjectBatchInput(id="424242424", properties={"jobtitle": "B"}),
        SimplePublicObjectBatchInput(id=ids[1], properties={"jobtitle": "C"}),
    ]

    answer = client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs))

    assert isinstance(answer, BatchResponseSimplePublicObjectWithErrors)
    assert [error.context for error in answer.errors] == [{"ids": ["424242424"]}]
    assert {item.id: item.properties["jobtitle"] for item in answer.results} == {
        ids[0]: "A",
        ids[1]: "C",
    }
    read = client.crm.contacts.basic_api.get_by_id(ids[1], properties=["jobtitle"])
    assert read.properties["jobtitle"] == "C"


def test_batch_update_with_an_invalid_property_changes_nothing(client: HubSpot) -> None:
    ids = some_ids(client, 2)
    inputs = [
        SimplePublicObjectBatchInput(id=ids[0], properties={"jobtitle": "Changed"}),
        SimplePublicObjectBatchInput(id=ids[1], properties={"not_a_property": "x"}),
    ]

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs))

    assert failure.value.status == 400
    assert json.loads(failure.value.body)["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    read = client.crm.contacts.basic_api.get_by_id(ids[0], properties=["jobtitle"])
    assert read.properties["jobtitle"] != "Changed"


def test_batch_update_rejects_duplicate_ids(client: HubSpot) -> None:
    ids = some_ids(client, 1)
    inputs = [SimplePublicObjectBatchInput(id=ids[0], properties={}) for _ in range(2)]

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs))

    body = json.loads(failure.value.body)
    assert failure.value.status == 400
    assert body["message"].startswith("Duplicate IDs found in batch input")
    assert body["context"] == {"ids": ids}


def test_batch_create_without_trace_ids_fails_whole(sandbox, client: HubSpot) -> None:
    before = sandbox.store.table(CONTACTS).live
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={"email": "one@example.org"}),
        SimplePublicObjectBatchInputForCreate(properties={"missing": "1"}),
    ]

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs)
        )

    assert failure.value.status == 400
    assert sandbox.store.table(CONTACTS).live == before


def test_batch_create_with_trace_ids_is_multi_status(sandbox, client: HubSpot) -> None:
    before = sandbox.store.table(CONTACTS).live
    inputs = [
        SimplePublicObjectBatchInputForCreate(
            properties={"email": "one@example.org"}, object_write_trace_id="549b1c2a9350"
        ),
        SimplePublicObjectBatchInputForCreate(
            properties={"missing": "1"}, object_write_trace_id="549b1c2a9351"
        ),
    ]

    answer = client.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs)
    )

    assert isinstance(answer, BatchResponseSimplePublicObjectWithErrors)
    assert answer.status == "COMPLETE"
    assert answer.num_errors == 1
    assert answer.errors[0].category == "VALIDATION_ERROR"
    assert answer.errors[0].context == {"objectWriteTraceId": ["549b1c2a9351"]}
    assert '\\"error\\":\\"PROPERTY_DOESNT_EXIST\\"' in json.dumps(answer.errors[0].message)
    assert [item.properties["email"] for item in answer.results] == ["one@example.org"]
    assert sandbox.store.table(CONTACTS).live == before + 1


def test_batch_create_returns_201_records(client: HubSpot) -> None:
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={"email": f"b{n}@example.org"})
        for n in range(100)
    ]

    answer = client.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs)
    )

    assert isinstance(answer, BatchResponseSimplePublicObject)
    assert len({item.id for item in answer.results}) == 100
