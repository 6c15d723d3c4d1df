"""HubSpot's lifecycle stage only moves forward: a backward write is silently ignored unless the
property is cleared first (then set in a separate request)."""

from __future__ import annotations

from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    SimplePublicObjectBatchInput,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)


def new_contact(client: HubSpot, stage: str) -> str:
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"lifecyclestage": stage})
    )
    return created.id


def stage_of(client: HubSpot, contact_id: str) -> str | None:
    read = client.crm.contacts.basic_api.get_by_id(contact_id, properties=["lifecyclestage"])
    return read.properties["lifecyclestage"]


def set_stage(client: HubSpot, contact_id: str, stage: str):
    return client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties={"lifecyclestage": stage})
    )


def test_forward_moves_are_applied(client: HubSpot) -> None:
    contact = new_contact(client, "subscriber")

    for stage in ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity"):
        set_stage(client, contact, stage)
        assert stage_of(client, contact) == stage


def test_a_backward_write_is_ignored_without_error(client: HubSpot) -> None:
    contact = new_contact(client, "salesqualifiedlead")
    before = client.crm.contacts.basic_api.get_by_id(contact)

    answer = set_stage(client, contact, "lead")

    assert answer.properties["lifecyclestage"] == "salesqualifiedlead"
    assert stage_of(client, contact) == "salesqualifiedlead"
    assert answer.updated_at == before.updated_at  # nothing changed, nothing modified


def test_other_properties_of_a_backward_write_still_land(client: HubSpot) -> None:
    contact = new_contact(client, "customer")

    client.crm.contacts.basic_api.update(
        contact, SimplePublicObjectInput(properties={"lifecyclestage": "lead", "jobtitle": "CTO"})
    )

    read = client.crm.contacts.basic_api.get_by_id(
        contact, properties=["lifecyclestage", "jobtitle"]
    )
    assert (read.properties["lifecyclestage"], read.properties["jobtitle"]) == ("customer", "CTO")


def test_clear_then_set_moves_backward(client: HubSpot) -> None:
    contact = new_contact(client, "marketingqualifiedlead")

    cleared = set_stage(client, contact, "")
    assert cleared.properties["lifecyclestage"] is None
    set_stage(client, contact, "lead")

    assert stage_of(client, contact) == "lead"


def test_other_is_last_so_leaving_it_needs_a_clear(client: HubSpot) -> None:
    contact = new_contact(client, "lead")

    set_stage(client, contact, "other")
    assert stage_of(client, contact) == "other"
    set_stage(client, contact, "lead")
    assert stage_of(client, contact) == "other"


def test_batch_update_follows_the_same_rule(client: HubSpot) -> None:
    forward, backward = new_contact(client, "lead"), new_contact(client, "opportunity")

    client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=forward, properties={"lifecyclestage": "customer"}),
                SimplePublicObjectBatchInput(id=backward, properties={"lifecyclestage": "lead"}),
            ]
        )
    )

    assert stage_of(client, forward) == "customer"
    assert stage_of(client, backward) == "opportunity"
