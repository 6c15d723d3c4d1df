"""Owners, properties and property groups, and the seeded portal's property conventions."""

from __future__ import annotations

import json

import pytest
import requests
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInput
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyGroupCreate

from connector.sandbox.hubspot import HubSpotSandbox
from tests.factories import DATASET

CONNECTOR_CONTACT_PROPERTIES = {
    "connector_score": ("number", "number"),
    "connector_grade": ("string", "text"),
    "connector_score_reasons": ("string", "textarea"),
    "connector_stage": ("string", "text"),
    "connector_recycled_at": ("datetime", "date"),
    "connector_fingerprint": ("string", "text"),
}
STANDARD_CONTACT_PROPERTIES = {
    "email", "firstname", "lastname", "jobtitle", "hs_buying_role", "country", "state", "city",
    "phone", "company", "industry", "lifecyclestage", "hs_lead_status", "hubspot_owner_id",
    "hs_analytics_source", "createdate", "lastmodifieddate", "hs_object_id",
    "hs_analytics_num_page_views", "hs_analytics_num_visits", "hs_analytics_last_visit_timestamp",
    "hs_email_open", "hs_email_last_open_date", "hs_email_click", "hs_email_last_click_date",
    "hs_email_bounce", "hs_email_optout", "num_conversion_events", "recent_conversion_date",
    "recent_conversion_event_name", "first_conversion_event_name", "first_conversion_date",
    "bant_budget", "bant_authority", "bant_need", "bant_timeline",
}  # fmt: skip


def test_owners_page_and_skip_the_archived(sandbox: HubSpotSandbox, client: HubSpot) -> None:
    first = client.crm.owners.owners_api.get_page(limit=3)
    rest = client.crm.owners.owners_api.get_page(limit=100, after=first.paging.next.after)
    archived = client.crm.owners.owners_api.get_page(archived=True)

    active = [*first.results, *rest.results]
    assert len(active) + len(archived.results) == len(sandbox.owners)
    assert all(owner.archived is False and owner.type == "PERSON" for owner in active)
    assert [owner.archived for owner in archived.results] == [True]
    assert rest.paging is None
    assert active[0].id.isdigit() and isinstance(active[0].user_id, int)


def test_owners_by_email_ignore_case(client: HubSpot) -> None:
    """`email` narrows the owners list to that address, in any case (HubSpot's owners API)."""
    owners = client.crm.owners.owners_api.get_page(limit=100).results
    wanted = owners[1]
    found = client.crm.owners.owners_api.get_page(email=wanted.email.upper()).results
    assert [owner.id for owner in found] == [wanted.id]
    assert client.crm.owners.owners_api.get_page(email="nobody@example.invalid").results == []


@pytest.mark.parametrize("option", ["idProperty=email", "propertiesWithHistory=email"])
def test_read_options_the_sandbox_does_not_emulate_are_refused(
    sandbox: HubSpotSandbox, http: requests.Session, option: str
) -> None:
    """A read option left out of the emulation is a 400 naming it, not a record read as if the
    option were absent (or a 404 for an id that is really an e-mail address)."""
    listed = http.get(sandbox.url + "/crm/v3/objects/contacts?limit=1", timeout=10).json()
    contact = listed["results"][0]["id"]
    for path in (
        f"/crm/v3/objects/contacts/{contact}?{option}",
        f"/crm/v3/objects/contacts?{option}",
    ):
        answer = http.get(sandbox.url + path, timeout=10)
        assert answer.status_code == 400, path
        assert answer.json()["category"] == "VALIDATION_ERROR"
        assert option.split("=")[0] in answer.json()["message"]
    batch = http.post(
        sandbox.url + "/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": "x@example.com"}], "idProperty": "email"},
        timeout=10,
    )
    assert batch.status_code == 400 and "idProperty" in batch.json()["message"]


def test_seeded_owner_ids_are_what_records_point_to(client: HubSpot) -> None:
    owners = {owner.id for owner in client.crm.owners.owners_api.get_page(limit=100).results}
    owners |= {owner.id for owner in client.crm.owners.owners_api.get_page(archived=True).results}
    contacts = client.crm.contacts.basic_api.get_page(limit=100, properties=["hubspot_owner_id"])

    assigned = {c.properties["hubspot_owner_id"] for c in contacts.results} - {None}
    assert assigned and assigned <= owners


def test_contact_properties_follow_the_portal_conventions(client: HubSpot) -> None:
    listed = {
        item.name: item for item in client.crm.properties.core_api.get_all("contacts").results
    }

    assert set(listed) >= STANDARD_CONTACT_PROPERTIES
    for name, (kind, field_type) in CONNECTOR_CONTACT_PROPERTIES.items():
        assert (listed[name].type, listed[name].field_type) == (kind, field_type)
        assert listed[name].group_name == "connector"
    stage = listed["lifecyclestage"]
    assert stage.type == "enumeration"
    assert [option.value for option in stage.options] == [
        "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
        "opportunity", "customer", "evangelist", "other",
    ]  # fmt: skip
    assert {o.value for o in listed["hs_lead_status"].options} == {
        "NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT",
        "CONNECTED", "BAD_TIMING",
    }  # fmt: skip
    assert (listed["bant_need"].type, listed["bant_need"].field_type) == ("bool", "booleancheckbox")
    assert listed["hubspot_owner_id"].referenced_object_type == "OWNER"
    tasks = {item.name for item in client.crm.properties.core_api.get_all("tasks").results}
    assert "connector_task_key" in tasks


def test_connector_properties_absent_unless_provisioned(make_sandbox) -> None:
    sandbox = make_sandbox(contacts=5, provision_connector_fields=False)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url)

    contacts = {item.name for item in client.crm.properties.core_api.get_all("contacts").results}
    groups = {item.name for item in client.crm.properties.groups_api.get_all("contacts").results}

    assert not {name for name in contacts if name.startswith("connector_")}
    assert {"bant_budget", "bant_authority", "bant_need", "bant_timeline"} <= contacts
    assert "connector" not in groups


def test_provision_a_group_and_a_property_then_write_it(make_sandbox) -> None:
    sandbox = make_sandbox(contacts=5, provision_connector_fields=False)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url)

    group = client.crm.properties.groups_api.create(
        "contacts", PropertyGroupCreate(name="connector", label="Connector")
    )
    created = client.crm.properties.core_api.create(
        "contacts",
        PropertyCreate(
            name="connector_grade",
            label="Connector fit grade",
            type="enumeration",
            field_type="select",
            group_name="connector",
            options=[
                OptionInput(label="A", value="A", hidden=False, display_order=0),
                OptionInput(label="B", value="B", hidden=False, display_order=1),
            ],
        ),
    )

    assert group.name == "connector" and group.archived is False
    assert created.name == "connector_grade" and [o.value for o in created.options] == ["A", "B"]
    assert created.hubspot_defined is None
    contact = client.crm.contacts.basic_api.get_page(limit=1).results[0]
    updated = client.crm.contacts.basic_api.update(
        contact.id, SimplePublicObjectInput(properties={"connector_grade": "B"})
    )
    assert updated.properties["connector_grade"] == "B"
    read = client.crm.properties.core_api.get_by_name("contacts", "connector_grade")
    assert read.group_name == "connector"


def test_creating_an_existing_property_is_a_conflict(client: HubSpot) -> None:
    with pytest.raises(PropertiesApiException) as failure:
        client.crm.properties.core_api.create(
            "contacts",
            PropertyCreate(
                name="connector_score",
                label="x",
                type="number",
                field_type="number",
                group_name="connector",
            ),
        )

    assert failure.value.status == 409
    assert json.loads(failure.value.body)["category"] == "OBJECT_ALREADY_EXISTS"


def test_deal_stages_and_company_industries_are_enumerations(client: HubSpot) -> None:
    deal_stage = client.crm.properties.core_api.get_by_name("deals", "dealstage")
    industry = client.crm.properties.core_api.get_by_name("companies", "industry")

    assert [option.value for option in deal_stage.options] == [
        "appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
        "decisionmakerboughtin", "contractsent", "closedwon", "closedlost",
    ]  # fmt: skip
    assert "COMPUTER_SOFTWARE" in {option.value for option in industry.options}
    companies = client.crm.companies.basic_api.get_page(limit=100, properties=["industry"]).results
    values = {item.properties["industry"] for item in companies} - {None}
    assert values and values <= {option.value for option in industry.options}


@pytest.mark.skipif(not DATASET.exists(), reason="the X Education dataset is not available")
def test_the_lead_dataset_seeds_contacts_without_the_outcome(make_sandbox) -> None:
    sandbox = make_sandbox(contacts=300, dataset=DATASET)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url)

    contacts = client.crm.contacts.get_all(
        properties=["hs_analytics_source", "hs_analytics_num_page_views", "lifecyclestage"]
    )

    assert len(contacts) == 300
    assert {c.properties["hs_analytics_source"] for c in contacts} - {None}
    names = {item.name for item in client.crm.properties.core_api.get_all("contacts").results}
    assert not {name for name in names if "convert" in name and "conversion" not in name}
