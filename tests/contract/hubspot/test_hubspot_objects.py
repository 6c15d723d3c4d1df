"""CRM v3 objects through the real SDK: paging, properties, associations, archived, CRUD,
modified dates and HubSpot's validation errors."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects import ApiException as ObjectsApiException
from hubspot.crm.objects import SimplePublicObjectInputForCreate as ObjectInputForCreate

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalogue import CONTACTS

LIST = "GET /crm/v3/objects/contacts"


def live_contacts(sandbox: HubSpotSandbox) -> int:
    return sandbox.store.table(CONTACTS).live


def test_get_all_pages_to_the_end_with_one_list_call_per_hundred(
    sandbox: HubSpotSandbox, client: HubSpot
) -> None:
    contacts = client.crm.contacts.get_all()

    total = live_contacts(sandbox)
    assert len(contacts) == total
    assert len({contact.id for contact in contacts}) == total
    assert sandbox.log.calls(LIST) == math.ceil(total / 100)
    assert sandbox.log.records_read(LIST) == total


def test_paging_next_link_is_absolute_and_can_be_followed(sandbox, client, http) -> None:
    page = client.crm.contacts.basic_api.get_page(limit=7, properties=["email"])

    assert len(page.results) == 7
    link = page.paging.next.link
    assert link.startswith(sandbox.url + "/crm/v3/objects/contacts?")
    assert f"after={page.paging.next.after}" in link
    followed = http.get(link).json()
    assert followed["results"][0]["id"] == page.paging.next.after
    # The query was kept: only email plus the id and dates HubSpot always adds.
    assert set(followed["results"][0]["properties"]) == {
        "email",
        "createdate",
        "hs_object_id",
        "lastmodifieddate",
    }


def test_after_is_the_id_of_the_next_record(client: HubSpot) -> None:
    first = client.crm.contacts.basic_api.get_page(limit=5)
    second = client.crm.contacts.basic_api.get_page(limit=5, after=first.paging.next.after)

    assert second.results[0].id == first.paging.next.after
    assert int(second.results[0].id) > int(first.results[-1].id)


def test_the_last_page_has_no_paging(sandbox: HubSpotSandbox, client: HubSpot) -> None:
    total = live_contacts(sandbox)
    pages = [client.crm.contacts.basic_api.get_page(limit=100)]
    while pages[-1].paging is not None:
        following = pages[-1].paging.next.after
        pages.append(client.crm.contacts.basic_api.get_page(limit=100, after=following))

    assert len(pages) == math.ceil(total / 100)
    assert len(pages[-1].results) == total - 100 * (len(pages) - 1)


def test_default_properties_when_none_are_requested(client: HubSpot) -> None:
    contact = client.crm.contacts.basic_api.get_page(limit=1).results[0]
    company = client.crm.companies.basic_api.get_page(limit=1).results[0]

    assert set(contact.properties) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    assert set(company.properties) == {
        "createdate",
        "domain",
        "hs_lastmodifieddate",
        "hs_object_id",
        "name",
    }
    assert contact.properties["hs_object_id"] == contact.id


def test_requested_properties_empty_is_null_and_unknown_is_left_out(client: HubSpot) -> None:
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "nobody@example.org"})
    )

    read = client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["email", "jobtitle", "no_such_property"]
    )

    assert read.properties == {
        "email": "nobody@example.org",
        "jobtitle": None,
        "createdate": created.properties["createdate"],
        "hs_object_id": created.id,
        "lastmodifieddate": created.properties["lastmodifieddate"],
    }


def test_properties_accept_comma_separated_values(sandbox, http) -> None:
    body = http.get(
        f"{sandbox.url}/crm/v3/objects/contacts",
        params={"limit": 1, "properties": "email,lifecyclestage"},
    ).json()

    assert set(body["results"][0]["properties"]) >= {"email", "lifecyclestage"}


def test_associations_parameter_lists_associated_ids_and_types(client: HubSpot) -> None:
    contacts = client.crm.contacts.basic_api.get_page(limit=50, associations=["companies"]).results
    linked = [contact for contact in contacts if contact.associations]

    assert linked, "the seed associates most contacts with a company"
    results = linked[0].associations["companies"].results
    assert {result.type for result in results} == {
        "contact_to_company",
        "contact_to_company_unlabeled",
    }
    company = client.crm.companies.basic_api.get_by_id(results[0].id, associations=["contacts"])
    assert linked[0].id in {item.id for item in company.associations["contacts"].results}


def test_archive_hides_a_record_unless_archived_is_asked_for(client: HubSpot) -> None:
    contact = client.crm.contacts.basic_api.get_page(limit=1).results[0]

    client.crm.contacts.basic_api.archive(contact.id)

    with pytest.raises(ApiException) as missing:
        client.crm.contacts.basic_api.get_by_id(contact.id)
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["category"] == "OBJECT_NOT_FOUND"
    archived = client.crm.contacts.basic_api.get_by_id(contact.id, archived=True)
    assert archived.archived is True and archived.archived_at is not None
    listed = client.crm.contacts.basic_api.get_page(limit=100, archived=True).results
    assert [item.id for item in listed] == [contact.id]


def test_create_sets_created_and_modified_dates(client: HubSpot) -> None:
    before = datetime.now(UTC)
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "new@example.org", "firstname": "Ada", "lifecyclestage": "lead"}
        )
    )

    assert created.created_at >= before.replace(microsecond=0)
    assert created.updated_at == created.created_at
    assert created.properties["createdate"] == created.properties["lastmodifieddate"]
    assert created.properties["lifecyclestage"] == "lead"


def test_every_write_moves_lastmodifieddate_and_updated_at(client: HubSpot) -> None:
    contact = client.crm.contacts.basic_api.get_page(limit=1, properties=["lastmodifieddate"])
    original = contact.results[0]

    updated = client.crm.contacts.basic_api.update(
        original.id, SimplePublicObjectInput(properties={"jobtitle": "Chief Tester"})
    )

    assert updated.updated_at > original.updated_at
    assert updated.properties["lastmodifieddate"] > original.properties["lastmodifieddate"]
    assert updated.created_at == original.created_at
    company = client.crm.companies.basic_api.get_page(limit=1).results[0]
    touched = client.crm.companies.basic_api.update(
        company.id, SimplePublicObjectInput(properties={"city": "Lyon"})
    )
    assert touched.properties["hs_lastmodifieddate"] > company.properties["hs_lastmodifieddate"]


def test_a_write_that_changes_nothing_leaves_the_modified_date(client: HubSpot) -> None:
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "same@example.org"})
    )

    again = client.crm.contacts.basic_api.update(
        created.id, SimplePublicObjectInput(properties={"email": "same@example.org"})
    )

    assert again.updated_at == created.updated_at


def test_unknown_property_is_hubspots_property_doesnt_exist_error(client: HubSpot) -> None:
    contact = client.crm.contacts.basic_api.get_page(limit=1).results[0]

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.update(
            contact.id, SimplePublicObjectInput(properties={"testproperty": "x"})
        )

    assert failure.value.status == 400
    body = json.loads(failure.value.body)
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    assert body["correlationId"]
    assert body["message"].startswith("Property values were not valid: ")
    details = json.loads(body["message"].removeprefix("Property values were not valid: "))
    assert details[0]["error"] == "PROPERTY_DOESNT_EXIST"
    assert details[0]["name"] == "testproperty"
    assert body["errors"] == [
        {
            "message": 'Property "testproperty" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["testproperty"]},
        }
    ]


def test_invalid_enumeration_value_and_datetime_are_rejected(client: HubSpot) -> None:
    contact = client.crm.contacts.basic_api.get_page(limit=1).results[0]

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.update(
            contact.id,
            SimplePublicObjectInput(
                properties={"hs_lead_status": "MAYBE", "recent_conversion_date": "tomorrow"}
            ),
        )

    codes = {item["code"] for item in json.loads(failure.value.body)["errors"]}
    assert codes == {"INVALID_OPTION", "INVALID_LONG"}


def test_duplicate_email_is_a_conflict(client: HubSpot) -> None:
    contact = client.crm.contacts.basic_api.get_page(limit=1, properties=["email"]).results[0]

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": contact.properties["email"]})
        )

    assert failure.value.status == 409
    body = json.loads(failure.value.body)
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {contact.id}"


def test_tasks_need_hs_timestamp_and_accept_epoch_milliseconds(client: HubSpot) -> None:
    with pytest.raises(ObjectsApiException) as failure:
        client.crm.objects.basic_api.create(
            "tasks", ObjectInputForCreate(properties={"hs_task_subject": "Call back"})
        )
    assert json.loads(failure.value.body)["errors"][0]["message"] == (
        'Property "hs_timestamp" is required'
    )

    task = client.crm.objects.basic_api.create(
        "tasks",
        ObjectInputForCreate(
            properties={"hs_task_subject": "Call back", "hs_timestamp": "1798761600000"}
        ),
    )
    read = client.crm.objects.basic_api.get_by_id("tasks", task.id, properties=["hs_timestamp"])
    assert read.properties["hs_timestamp"] == "2027-01-01T00:00:00.000Z"


def test_object_type_by_id_and_by_name_reach_the_same_records(client: HubSpot) -> None:
    by_name = client.crm.objects.basic_api.get_page("contacts", limit=3)
    by_id = client.crm.objects.basic_api.get_page("0-1", limit=3)

    assert [item.id for item in by_name.results] == [item.id for item in by_id.results]


def test_unknown_object_type_is_a_validation_error(client: HubSpot) -> None:
    with pytest.raises(ObjectsApiException) as failure:
        client.crm.objects.basic_api.get_page("widgets")

    assert failure.value.status == 400
    assert json.loads(failure.value.body)["message"] == "Unable to infer object type from: widgets"
