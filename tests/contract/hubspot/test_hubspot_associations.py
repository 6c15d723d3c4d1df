"""Associations v4 with HubSpot's type ids (task→contact 204, contact→task 203, ...). Records
are associated at creation (v3 `associations`); v4 lists and batch-reads them."""

from __future__ import annotations

from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    BatchResponsePublicAssociationMultiWithLabel,
    BatchResponsePublicAssociationMultiWithLabelWithErrors,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.objects import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectInputForCreate,
)

TASK_TO_CONTACT = 204


def new_task(client: HubSpot, subject: str = "Follow up", contact: str | None = None) -> str:
    """A new task, associated with `contact` (type 204) when one is given."""
    links = [
        PublicAssociationsForObject(
            to=PublicObjectId(id=contact),
            types=[
                AssociationSpec(
                    association_category="HUBSPOT_DEFINED", association_type_id=TASK_TO_CONTACT
                )
            ],
        )
    ]
    created = client.crm.objects.basic_api.create(
        "tasks",
        SimplePublicObjectInputForCreate(
            properties={"hs_task_subject": subject, "hs_timestamp": "2026-12-01T09:00:00Z"},
            associations=links if contact is not None else None,
        ),
    )
    return created.id


def first_contact(client: HubSpot, index: int = 0) -> str:
    return client.crm.contacts.basic_api.get_page(limit=index + 1).results[index].id


def batch_read(client: HubSpot, from_type: str, to_type: str, ids: list[str]) -> object:
    return client.crm.associations.v4.batch_api.get_page(
        from_type,
        to_type,
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=one) for one in ids]
        ),
    )


def test_associations_are_visible_from_both_sides(client: HubSpot) -> None:
    contact = first_contact(client)
    task = new_task(client, contact=contact)

    from_task = client.crm.associations.v4.basic_api.get_page("tasks", task, "contacts")
    from_contact = client.crm.associations.v4.basic_api.get_page("contacts", contact, "tasks")

    assert [
        (item.to_object_id, [t.type_id for t in item.association_types])
        for item in from_task.results
    ] == [(contact, [204])]
    assert [
        [(t.type_id, t.category) for t in item.association_types]
        for item in from_contact.results
        if item.to_object_id == task
    ] == [[(203, "HUBSPOT_DEFINED")]]
    read = client.crm.objects.basic_api.get_by_id("tasks", task, associations=["contacts"])
    assert [(r.id, r.type) for r in read.associations["contacts"].results] == [
        (contact, "task_to_contact")
    ]


def test_batch_read(client: HubSpot) -> None:
    contact = first_contact(client)
    tasks = [new_task(client, f"t{n}", contact=contact) for n in range(3)]

    answer = batch_read(client, "contacts", "tasks", [contact])

    assert isinstance(answer, BatchResponsePublicAssociationMultiWithLabel)
    result = answer.results[0]
    assert result._from.id == contact
    assert {item.to_object_id for item in result.to} == set(tasks)
    assert {spec.type_id for item in result.to for spec in item.association_types} == {203}


def test_batch_read_of_a_record_without_associations_is_207(client: HubSpot) -> None:
    lonely = new_task(client)

    answer = batch_read(client, "tasks", "contacts", [lonely])

    assert isinstance(answer, BatchResponsePublicAssociationMultiWithLabelWithErrors)
    error = answer.errors[0]
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert error.message == f"No contact is associated with task {lonely}."
    assert answer.results == []


def test_contact_to_company_has_unlabeled_and_primary_types(client: HubSpot) -> None:
    contacts = client.crm.contacts.basic_api.get_page(limit=20, associations=["companies"]).results
    contact = next(item for item in contacts if item.associations)

    page = client.crm.associations.v4.basic_api.get_page("contacts", contact.id, "companies")

    types = {(spec.type_id, spec.label) for spec in page.results[0].association_types}
    assert types == {(1, "Primary"), (279, None)}


def test_deals_are_associated_with_contact_and_company(client: HubSpot) -> None:
    deals = client.crm.deals.basic_api.get_page(limit=100, associations=["contacts", "companies"])
    deal = next(
        item for item in deals.results if item.associations and "companies" in item.associations
    )

    assert [item.type for item in deal.associations["contacts"].results] == ["deal_to_contact"]
    assert {item.type for item in deal.associations["companies"].results} == {
        "deal_to_company",
        "deal_to_company_unlabeled",
    }
    assert deal.properties["pipeline"] == "default"
