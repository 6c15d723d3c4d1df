"""Pushing updates: batches of 100 with only the given properties, backward stage moves in two
ordered requests, per-record rejects with HubSpot's message while the rest lands."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.stages import LifecycleStage

UPDATE = "POST /crm/v3/objects/contacts/batch/update"


def stage_of(contact) -> LifecycleStage | None:
    return contact.lifecycle_stage


def reread(make_adapter, sandbox) -> dict:
    return {c.id: c for c in make_adapter(sandbox).iter_contacts(None)}


PROPERTY = "GET /crm/v3/properties/{object_type}/{property_name}"


def raw(sandbox, contact_id: str, name: str):
    """What the sandbox stores (the test's view of the portal, independent of the adapter)."""
    from connector.sandbox.hubspot.catalogue import CONTACTS

    table = sandbox.store.table(CONTACTS)
    return table.get(table.row_of(int(contact_id)), name)


def test_updates_go_100_per_call_with_only_the_given_properties(make_sandbox, make_adapter):
    sandbox = make_sandbox(contacts=250)
    adapter = make_adapter(sandbox)
    contacts = list(adapter.iter_contacts(None))
    before = {c.id: raw(sandbox, c.id, "connector_grade") for c in contacts}
    sandbox.log.reset()
    result = adapter.apply_updates(
        [
            ContactUpdate(
                contact_id=c.id,
                changes={UpdatableField.SCORE: i},
                previous={UpdatableField.SCORE: None},
            )
            for i, c in enumerate(contacts)
        ]
    )
    assert sorted(result.applied) == sorted(c.id for c in contacts)
    assert result.rejected == []
    assert sandbox.log.calls(UPDATE) == 3
    # and, once per run that writes, whether the portal has the echo fingerprint property
    assert sandbox.log.calls_by_endpoint() == {UPDATE: 3, PROPERTY: 1}
    assert adapter.usage.by_endpoint()[UPDATE].records == 250
    after = reread(make_adapter, sandbox)
    assert [after[c.id].score for c in contacts] == list(range(len(contacts)))
    # nothing else was touched
    assert {c.id: raw(sandbox, c.id, "connector_grade") for c in contacts} == before


def test_a_backward_stage_move_clears_then_sets_in_two_ordered_requests(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    contacts = list(adapter.iter_contacts(None))
    mqls = [c for c in contacts if c.lifecycle_stage is LifecycleStage.MQL][:3]
    assert mqls
    sandbox.log.reset()
    result = adapter.apply_updates(
        [
            ContactUpdate(
                contact_id=c.id,
                changes={
                    UpdatableField.LIFECYCLE_STAGE: LifecycleStage.LEAD.value,
                    UpdatableField.RECYCLED_AT: datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
                },
                previous={UpdatableField.LIFECYCLE_STAGE: LifecycleStage.MQL.value},
                reasons=("sales rejected",),
            )
            for c in mqls
        ]
    )
    assert sorted(result.applied) == sorted(c.id for c in mqls)
    entries = [e for e in sandbox.log.entries if e.endpoint == UPDATE]
    assert len(entries) == 2 and entries[0].started_at <= entries[1].started_at
    after = reread(make_adapter, sandbox)
    for contact in mqls:
        # the sandbox, like HubSpot, ignores a backward value unless it was cleared first
        assert after[contact.id].lifecycle_stage is LifecycleStage.LEAD
        assert after[contact.id].stage_set_manually is False  # the marker went with it
        assert after[contact.id].recycled_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
        assert raw(sandbox, contact.id, "connector_stage") == "lead"


def test_a_forward_stage_move_is_one_request(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    leads = [c for c in adapter.iter_contacts(None) if c.lifecycle_stage is LifecycleStage.LEAD][:4]
    assert leads
    sandbox.log.reset()
    result = adapter.apply_updates(
        [
            ContactUpdate(
                contact_id=c.id,
                changes={UpdatableField.LIFECYCLE_STAGE: LifecycleStage.MQL.value},
                previous={UpdatableField.LIFECYCLE_STAGE: LifecycleStage.LEAD.value},
            )
            for c in leads
        ]
    )
    assert len(result.applied) == len(leads)
    assert sandbox.log.calls(UPDATE) == 1
    after = reread(make_adapter, sandbox)
    assert {after[c.id].lifecycle_stage for c in leads} == {LifecycleStage.MQL}


def test_a_207_reports_the_failed_records_and_applies_the_rest(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    contacts = list(adapter.iter_contacts(None))[:4]
    updates = [
        ContactUpdate(contact_id=c.id, changes={UpdatableField.GRADE: "B2"}) for c in contacts
    ]
    updates.insert(2, ContactUpdate(contact_id="999999999", changes={UpdatableField.GRADE: "A1"}))
    result = adapter.apply_updates(updates)
    assert sorted(result.applied) == sorted(c.id for c in contacts)
    assert [r.record_id for r in result.rejected] == ["999999999"]
    assert "Could not get some CONTACT objects" in result.rejected[0].message
    assert result.rejected[0].code == "OBJECT_NOT_FOUND"
    after = reread(make_adapter, sandbox)
    assert {after[c.id].grade for c in contacts} == {"B2"}


def test_a_batch_refused_for_one_bad_value_lands_without_it(sandbox, make_adapter):
    """HubSpot validates a whole batch before applying any of it: the bad input is isolated
    by splitting, reported with HubSpot's message, and the others land."""
    adapter = make_adapter(sandbox)
    contacts = list(adapter.iter_contacts(None))[:6]
    updates = [ContactUpdate(contact_id=c.id, changes={UpdatableField.SCORE: 10}) for c in contacts]
    bad = contacts[3].id
    updates[3] = ContactUpdate(contact_id=bad, changes={UpdatableField.SCORE: "ten"})
    result = adapter.apply_updates(updates)
    assert [r.record_id for r in result.rejected] == [bad]
    assert "ten was not a valid number" in result.rejected[0].message
    assert sorted(result.applied) == sorted(c.id for c in contacts if c.id != bad)


def test_datetimes_are_written_in_hubspots_format(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    contact = next(iter(adapter.iter_contacts(None)))
    moment = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC)
    adapter.apply_updates(
        [ContactUpdate(contact_id=contact.id, changes={UpdatableField.RECYCLED_AT: moment})]
    )
    again = reread(make_adapter, sandbox)[contact.id]
    assert again.recycled_at == moment.replace(microsecond=123000)


def test_a_cleared_value_is_sent_as_empty(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    contact = next(iter(adapter.iter_contacts(None)))
    adapter.apply_updates(
        [ContactUpdate(contact_id=contact.id, changes={UpdatableField.GRADE: "C"})]
    )
    adapter.apply_updates(
        [ContactUpdate(contact_id=contact.id, changes={UpdatableField.GRADE: None})]
    )
    assert reread(make_adapter, sandbox)[contact.id].grade is None


def test_no_updates_means_no_call(adapter, sandbox):
    sandbox.log.reset()
    assert adapter.apply_updates([]).applied == []
    assert sandbox.log.calls() == 0
