"""Engagement from Tasks, Events, CampaignMembers and the person's e-mail flags, fetched in bulk
by id sets (chunked to the query URL limit), never one query per person."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from simple_salesforce import Salesforce

from connector.adapters.salesforce import endpoints as sf
from connector.domain.engagement import EngagementKind


def _people(adapter):
    return [c.id for page in adapter.iter_contact_pages(None) for c in page.contacts]


def test_engagement_of_a_page_costs_one_query_per_object(sandbox, adapter, counts):
    ids = _people(adapter)
    counts.reset(adapter, sandbox)

    found = list(adapter.iter_engagements(ids))

    # Task, Event, CampaignMember by LeadId, CampaignMember by ContactId; the flags came with
    # the person read, so they cost nothing here.
    assert counts.calls(adapter) == {sf.QUERY: 4}
    counts.assert_exact(adapter, sandbox)
    kinds = Counter(e.kind for e in found)
    assert kinds[EngagementKind.EMAIL_OPEN] and kinds[EngagementKind.MEETING_BOOKED]
    assert kinds[EngagementKind.WEBINAR_ATTENDED] and kinds[EngagementKind.DEMO_REQUEST]
    assert kinds[EngagementKind.UNSUBSCRIBE] and kinds[EngagementKind.EMAIL_BOUNCE]
    assert {e.contact_id for e in found} <= set(ids)
    # The same engagement as a scan of everything (no id filter), restricted to these people.
    everything = [e for e in adapter.iter_engagements(None) if e.contact_id in set(ids)]
    assert sorted(found, key=_key) == sorted(everything, key=_key)


def _key(engagement):
    return (engagement.contact_id, engagement.kind.value, engagement.source_id)


def test_long_id_lists_are_split_by_url_length_not_per_person(sandbox, make_adapter, counts):
    wide = make_adapter(sandbox)
    ids = _people(wide)
    expected = sorted(wide.iter_engagements(ids), key=_key)

    narrow = make_adapter(sandbox, max_query_url_bytes=3000)
    _people(narrow)
    counts.reset(narrow, sandbox)
    urls: list[str] = []
    narrow.client.session.hooks["response"].append(lambda r, *a, **k: urls.append(r.request.url))
    found = sorted(narrow.iter_engagements(ids), key=_key)

    assert found == expected
    queries = counts.calls(narrow)[sf.QUERY]
    # ~100 ids fit in 3,000 bytes: Task 3, Event 3, CampaignMember 2 (184 Leads) + 2 (116
    # Contacts) queries for 300 people.
    assert queries == 10
    assert len(urls) == queries and max(len(url) for url in urls) <= 3000


def test_mapping_rules_turn_records_into_kinds(sandbox, adapter):
    api = Salesforce(**sandbox.salesforce_kwargs())
    lead = sandbox.ids_of("Lead")[0]
    demo = api.Task.create({"WhoId": lead, "Subject": "DEMO please", "Status": "Not Started"})
    call = api.Task.create(
        {"WhoId": lead, "Subject": "Quick chat", "TaskSubtype": "Call", "Status": "Completed"}
    )
    ignored = api.Task.create({"WhoId": lead, "Subject": "Send contract", "Status": "Completed"})
    own = api.Task.create(
        {"WhoId": lead, "Subject": "Follow up: demo", "Connector_Task_Key__c": "cl-own"}
    )

    found = {e.source_id: e.kind for e in adapter.iter_engagements([lead])}

    assert found[demo["id"]] == EngagementKind.DEMO_REQUEST
    assert found[call["id"]] == EngagementKind.CALL
    assert ignored["id"] not in found
    assert own["id"] not in found  # the connector's own tasks never score


def test_flags_without_a_prior_read_are_fetched_in_bulk(sandbox, adapter, counts):
    ids = sandbox.ids_of("Lead") + sandbox.ids_of("Contact")

    found = list(adapter.iter_engagements(ids))

    # 4 activity queries plus one flag query per person object.
    assert counts.calls(adapter)[sf.QUERY] == 6
    flags = [
        e for e in found if e.kind in (EngagementKind.UNSUBSCRIBE, EngagementKind.EMAIL_BOUNCE)
    ]
    assert flags
    bounce = next(e for e in flags if e.kind == EngagementKind.EMAIL_BOUNCE)
    assert bounce.source_id.endswith(":EmailBouncedDate")


def test_engagement_since_a_time(sandbox, adapter):
    api = Salesforce(**sandbox.salesforce_kwargs())
    before = sandbox.store.clock()
    contact = sandbox.ids_of("Contact")[0]
    task = api.Task.create({"WhoId": contact, "Subject": "Pricing page visit: quote"})
    api.Contact.update(contact, {"HasOptedOutOfEmail": True})

    found = list(adapter.iter_engagements(since=before + timedelta(minutes=1)))

    assert (task["id"], EngagementKind.PRICING_REQUEST) in {(e.source_id, e.kind) for e in found}
    assert (contact, EngagementKind.UNSUBSCRIBE) in {(e.contact_id, e.kind) for e in found}
