"""The adapter leaves its own writes out of the next incremental read, and degrades to reading
them again when the portal lacks the fingerprint property (through the SDK into the sandbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
