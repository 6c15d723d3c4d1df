"""Associations v4 with HubSpot's type ids (task→contact 204, contact→task 203, ...)."""

from __future__ import annotations

from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    BatchResponsePublicAssociationMultiWithLabel,
    BatchResponsePublicAssociationMultiWithLabelWithErrors,
    PublicDefaultAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.objects import SimplePublicObjectInputForCreate


def new_task(client: HubSpot, subject: str = "Follow up") -> str:
    created = client.crm.objects.basic_api.create(
        "tasks",
        SimplePublicObjectInputForCreate(
            properties={"hs_task_subject": subject, "hs_timestamp": "2026-12-01T09:00:00Z"}
        ),
    )
    return created.id


def first_contact(client: HubSpot, index: int = 0) -> str:
    return client.crm.contacts.basic_api.get_page(limit=index + 1).results[index].id


def test_default_association_task_to_contact_uses_204_and_203(client: HubSpot) -> None:
    task, contact = new_task(client), first_contact(client)

    answer = client.crm.associations.v4.basic_api.create_default("tasks", task, "contacts", contact)

    assert answer.status == "COMPLETE"
    specs = {
        (item._from.id, item.to.id): item.association_spec.association_type_id
        for item in answer.results
    }
    assert specs == {(task, contact): 204, (contact, task): 203}
    assert {item.association_spec.association_category for item in answer.results} == {
        "HUBSPOT_DEFINED"
    }


def test_associations_are_visible_from_both_sides(client: HubSpot) -> None:
    task, contact = new_task(client), first_contact(client)
    client.crm.associations.v4.basic_api.create_default("task", task, "contact", contact)

    from_task = client.crm.associations.v4.basic_api.get_page("tasks", task, "contacts")
    from_contact = client.crm.associations.v4.basic_api.get_page("contacts", contact, "tasks")

    assert [
        (item.to_object_id, [t.type_id for t in item.association_types])
        for item in from_task.results
    ] == [(contact, [204])]
    assert task in {item.to_object_id for item in from_contact.results}
    read = client.crm.objects.basic_api.get_by_id("tasks", task, associations=["contacts"])
    assert [(r.id, r.type) for r in read.associations["contacts"].results] == [
        (contact, "task_to_contact")
    ]


def test_batch_associate_default_and_batch_read(client: HubSpot) -> None:
    tasks = [new_task(client, f"t{n}") for n in range(3)]
    contact = first_contact(client)

    client.crm.associations.v4.batch_api.create_default(
        "tasks",
        "contacts",
        BatchInputPublicDefaultAssociationMultiPost(
            inputs=[
                PublicDefaultAssociationMultiPost(
                    _from=PublicObjectId(id=t), to=PublicObjectId(id=contact)
                )
                for t in tasks
            ]
        ),
    )
    answer = client.crm.associations.v4.batch_api.get_page(
        "contacts",
        "tasks",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=contact)]
        ),
    )

    assert isinstance(answer, BatchResponsePublicAssociationMultiWithLabel)
    result = answer.results[0]
    assert result._from.id == contact
    assert {item.to_object_id for item in result.to} == set(tasks)
    assert {spec.type_id for item in result.to for spec in item.association_types} == {203}


def test_batch_read_of_a_record_without_associations_is_207(client: HubSpot) -> None:
    lonely = new_task(client)

    answer = client.crm.associations.v4.batch_api.get_page(
        "tasks",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=lonely)]
        ),
    )

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


def test_association_labels_between_tasks_and_contacts(client: HubSpot) -> None:
    labels = client.crm.associations.v4.schema.definitions_api.get_all("tasks", "contacts")
    assert [(item.type_id, item.category) for item in labels.results] == [(204, "HUBSPOT_DEFINED")]


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
