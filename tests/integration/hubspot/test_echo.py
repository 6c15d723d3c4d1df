"""The adapter leaves its own writes out of the next incremental read, and degrades to reading
them again when the portal lacks the fingerprint property (through the SDK into the sandbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from connector.domain.outcomes import ContactUpdate, UpdatableField

PROPERTY = "GET /crm/v3/properties/{object_type}/{property_name}"


def score_updates(contacts, score: int) -> list[ContactUpdate]:
    return [ContactUpdate(contact_id=c.id, changes={UpdatableField.SCORE: score}) for c in contacts]


def test_the_adapter_s_own_writes_are_left_out_of_the_next_read(sandbox, make_adapter):
    writer = make_adapter(sandbox)
    written = list(writer.iter_contacts(None))[:5]
    since = datetime.now(UTC) - timedelta(seconds=1)
    assert sorted(writer.apply_updates(score_updates(written, 61)).applied) == sorted(
        c.id for c in written
    )
    reader = make_adapter(sandbox, incremental_overlap_seconds=0)
    assert list(reader.iter_contacts(since)) == []
    assert reader.echo is not None and reader.echo.dropped == len(written)


def test_a_portal_without_the_property_gets_no_fingerprint_and_rereads(sandbox, make_adapter):
    writer = make_adapter(sandbox, fingerprint_property="connector_not_provisioned")
    written = list(writer.iter_contacts(None))[:5]
    since = datetime.now(UTC) - timedelta(seconds=1)
    sandbox.log.reset()
    result = writer.apply_updates(score_updates(written, 62))
    assert sorted(result.applied) == sorted(c.id for c in written)
    assert sandbox.log.statuses().get(404) == 1  # asked once whether the property exists
    assert sandbox.log.calls_by_endpoint()[PROPERTY] == 1
    reader = make_adapter(sandbox, incremental_overlap_seconds=0)
    assert {c.id for c in reader.iter_contacts(since)} == {c.id for c in written}


def _escalate(adapter, contact, owners) -> ContactUpdate:
    """An SLA escalation's owner change: a contact the run's search did not hand over."""
    new_owner = next(o.id for o in owners if o.id != contact.owner_id)
    return ContactUpdate(
        contact_id=contact.id,
        changes={UpdatableField.OWNER_ID: new_owner},
        previous={UpdatableField.OWNER_ID: contact.owner_id},
    )


def _person_edits(sandbox, contact_id: str, properties: dict[str, str]) -> None:
    answer = requests.patch(
        f"{sandbox.url}/crm/v3/objects/contacts/{contact_id}",
        json={"properties": properties},
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_an_escalation_write_of_an_unread_contact_is_fingerprinted_too(sandbox, make_adapter):
    contact = next(iter(make_adapter(sandbox).iter_contacts(None)))
    writer = make_adapter(sandbox, incremental_overlap_seconds=0)
    owners = writer.list_owners()
    assert list(writer.iter_contacts(datetime.now(UTC) - timedelta(seconds=1))) == []
    since = datetime.now(UTC) - timedelta(seconds=1)
    sandbox.log.reset()

    assert writer.apply_updates([_escalate(writer, contact, owners)]).applied == [contact.id]

    # One batch read of the unread contact before the write, to fingerprint it.
    assert sandbox.log.calls_by_endpoint()["POST /crm/v3/objects/contacts/batch/read"] == 1
    reader = make_adapter(sandbox, incremental_overlap_seconds=0)
    assert list(reader.iter_contacts(since)) == []
    assert reader.echo is not None and reader.echo.dropped == 1


def test_a_contact_a_person_changed_after_the_search_is_read_again_after_its_escalation(
    sandbox, make_adapter
):
    """The pre-write read must not bake a person's edit into the fingerprint: a contact whose
    last change came after the run's search is written without one, and read next time."""
    contact = next(iter(make_adapter(sandbox).iter_contacts(None)))
    writer = make_adapter(sandbox, incremental_overlap_seconds=0)
    owners = writer.list_owners()
    assert list(writer.iter_contacts(datetime.now(UTC) - timedelta(seconds=1))) == []
    since = datetime.now(UTC) - timedelta(seconds=1)
    _person_edits(sandbox, contact.id, {"jobtitle": "Head of Procurement"})

    assert writer.apply_updates([_escalate(writer, contact, owners)]).applied == [contact.id]

    reader = make_adapter(sandbox, incremental_overlap_seconds=0)
    [read] = list(reader.iter_contacts(since))
    assert read.id == contact.id and read.job_title == "Head of Procurement"
