"""Reading contacts, companies, deals, engagement and owners through the sandbox, with exact
call counts from both sides: the adapter's ApiUsage and the sandbox's request log."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from connector.domain.contact import DealStatus
from connector.domain.engagement import EngagementKind
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.stages import LifecycleStage
from connector.sync.plan import current_value

LIST = "GET /crm/v3/objects/contacts"
SEARCH = "POST /crm/v3/objects/contacts/search"
V4_READ = "POST /crm/v4/associations/{from_type}/{to_type}/batch/read"
NOW = datetime.now(UTC)


def writes(log) -> int:
    return sum(
        count
        for endpoint, count in log.calls_by_endpoint().items()
        if endpoint.startswith(("POST", "PATCH", "PUT", "DELETE"))
        and "/search" not in endpoint
        and "/batch/read" not in endpoint
    )


@pytest.mark.parametrize("contacts", [250, 301])
def test_full_read_makes_one_list_call_per_100_contacts(make_sandbox, make_adapter, contacts):
    sandbox = make_sandbox(contacts=contacts)
    adapter = make_adapter(sandbox)
    pages = list(adapter.iter_contact_pages(None))
    read = [c for page in pages for c in page.contacts]
    assert len(read) + sum(len(p.skipped) for p in pages) == contacts
    assert len({c.id for c in read}) == len(read)
    expected = math.ceil(contacts / 100)
    assert adapter.usage.calls(LIST) == expected
    assert sandbox.log.calls(LIST) == expected
    # associations came inline: no association call, no per-contact call of any kind
    assert sandbox.log.calls(V4_READ) == 0
    by_endpoint = sandbox.log.calls_by_endpoint()
    # the engagement objects (meetings, calls) are read ahead with the contacts that name them
    batch_reads = {
        f"POST /crm/v3/objects/{name}/batch/read"
        for name in ("companies", "deals", "meetings", "calls")
    }
    assert set(by_endpoint) <= {LIST, *batch_reads}
    # associated records: batch reads of up to 100 ids for the whole read-ahead group (1,000
    # contacts), not one per page
    for endpoint in batch_reads:
        records = sandbox.log.records_read(endpoint)
        assert by_endpoint.get(endpoint, 0) == math.ceil(records / 100), endpoint
    assert adapter.usage.calls() == sandbox.log.calls()
    assert pages[-1].cursor is None
    assert all(page.cursor for page in pages[:-1])


def test_contacts_carry_their_company_and_deals(adapter):
    contacts = list(adapter.iter_contacts(None))
    with_company = [c for c in contacts if c.company is not None]
    assert with_company and with_company[0].company.name
    with_deals = [c for c in contacts if c.deals]
    assert with_deals
    assert {d.status for c in with_deals for d in c.deals} <= set(DealStatus)
    assert any(c.lifecycle_stage is not None for c in contacts)


def test_a_full_read_resumes_after_its_cursor(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    first = next(iter(adapter.iter_contact_pages(None)))
    rest = list(make_adapter(sandbox).iter_contact_pages(None, resume_after=first.cursor))
    ids = [c.id for c in first.contacts] + [c.id for page in rest for c in page.contacts]
    everyone = [c.id for c in make_adapter(sandbox).iter_contacts(None)]
    assert ids == everyone


def test_engagement_of_contacts_just_read_costs_only_the_engagement_objects(adapter, sandbox):
    contacts = list(adapter.iter_contacts(None))
    ids = [c.id for c in contacts]
    sandbox.log.reset()
    adapter.usage.reset()
    engagements = list(adapter.iter_engagements(ids))
    calls = sandbox.log.calls_by_endpoint()
    assert set(calls) <= {
        "POST /crm/v3/objects/meetings/batch/read",
        "POST /crm/v3/objects/calls/batch/read",
    }
    meetings = sandbox.log.records_read("POST /crm/v3/objects/meetings/batch/read")
    calls_read = sandbox.log.records_read("POST /crm/v3/objects/calls/batch/read")
    # ids are taken 1,000 at a time, objects read 100 per call
    assert calls.get("POST /crm/v3/objects/meetings/batch/read", 0) == math.ceil(meetings / 100)
    assert calls.get("POST /crm/v3/objects/calls/batch/read", 0) == math.ceil(calls_read / 100)
    kinds = {e.kind for e in engagements}
    assert EngagementKind.PAGE_VIEW in kinds
    assert EngagementKind.MEETING_BOOKED in kinds or EngagementKind.CALL in kinds
    assert {e.contact_id for e in engagements} <= set(ids)
    assert all(e.occurred_at.tzinfo is not None for e in engagements)


def test_engagement_of_unread_contacts_is_fetched_in_bulk(sandbox, make_adapter):
    ids = [c.id for c in make_adapter(sandbox).iter_contacts(None)][:150]
    fresh = make_adapter(sandbox)
    sandbox.log.reset()
    engagements = list(fresh.iter_engagements(ids))
    assert engagements
    calls = sandbox.log.calls_by_endpoint()
    assert calls["POST /crm/v3/objects/contacts/batch/read"] == 2  # 150 ids, 100 per call
    assert calls[V4_READ] == 2  # meetings and calls: 150 ids fit one read of up to 1,000
    assert LIST not in calls


def test_engagement_since_keeps_only_recent_activity(adapter):
    ids = [c.id for c in adapter.iter_contacts(None)]
    since = datetime(2026, 10, 1, tzinfo=UTC)
    recent = list(adapter.iter_engagements(ids, since=since))
    assert recent
    assert all(e.occurred_at >= since for e in recent)


def test_an_incremental_read_with_nothing_changed_reads_and_writes_nothing(sandbox, make_adapter):
    adapter = make_adapter(sandbox, incremental_overlap_seconds=0)
    list(adapter.iter_contacts(None))
    watermark = datetime.now(UTC) + timedelta(seconds=1)
    sandbox.log.reset()
    again = list(make_adapter(sandbox, incremental_overlap_seconds=0).iter_contacts(watermark))
    assert again == []
    # One search of contacts, and per engagement object the mapping scores (meetings, calls)
    # one search of changed records and one page of archived ones.
    assert sandbox.log.calls_by_endpoint() == {
        SEARCH: 1,
        # per associated object type (companies, deals, meetings, calls): what changed, what
        # was archived
        **{
            f"{method} /crm/v3/objects/{object_type}{suffix}": 1
            for object_type in ("companies", "deals", "meetings", "calls")
            for method, suffix in (("POST", "/search"), ("GET", ""))
        },
    }
    assert writes(sandbox.log) == 0


def test_an_incremental_read_finds_what_changed_and_a_rerun_writes_nothing(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    contacts = list(adapter.iter_contacts(None))
    watermark = max(c.updated_at for c in contacts)
    changed = contacts[:5]
    # written by another integration (no fingerprint): the connector's own writes do not echo
    other = make_adapter(sandbox, skip_own_writes=False)
    list(other.iter_contacts(None))
    result = other.apply_updates(
        [
            ContactUpdate(
                contact_id=c.id,
                changes={UpdatableField.SCORE: 77},
                previous={UpdatableField.SCORE: c.score},
            )
            for c in changed
        ]
    )
    assert sorted(result.applied) == sorted(c.id for c in changed)
    run = make_adapter(sandbox)
    found = {c.id: c for c in run.iter_contacts(watermark)}
    assert {c.id for c in changed} <= set(found)
    # A rerun of the same change diffs it against what this read returned (the planner's
    # `current_value`): the read carries the new score, so nothing is left to write; the
    # scores held before the change would each have needed a write.
    reread = [found[c.id] for c in changed]
    assert [current_value(c, UpdatableField.SCORE) for c in reread] == [77] * len(changed)
    assert [c for c in changed if current_value(c, UpdatableField.SCORE) == 77] == []
    assert {c.updated_at for c in reread} != {c.updated_at for c in changed}  # read anew


def test_the_overlap_window_rereads_just_before_the_watermark(sandbox, make_adapter):
    adapter = make_adapter(sandbox, incremental_overlap_seconds=600)
    contacts = list(adapter.iter_contacts(None))
    newest = max(c.updated_at for c in contacts)
    within = [c for c in contacts if newest - timedelta(seconds=600) <= c.updated_at]
    again = list(make_adapter(sandbox, incremental_overlap_seconds=600).iter_contacts(newest))
    assert {c.id for c in again} == {c.id for c in within}


def test_incremental_read_of_12000_contacts_passes_the_10000_cap(make_sandbox, make_adapter):
    sandbox = make_sandbox(contacts=12_000)
    adapter = make_adapter(sandbox)
    since = datetime(2000, 1, 1, tzinfo=UTC)
    assert adapter.count_contacts(since) == 12_000
    pages = adapter.iter_contact_pages(since)
    seen: list[str] = []
    for page in pages:
        seen += [c.id for c in page.contacts] + [s.record_id for s in page.skipped]
    assert len(seen) == 12_000
    assert len(set(seen)) == 12_000
    # never one search beyond the cap: each page is a fresh query (about 12,000 / 200 of them,
    # plus one per page for records sharing the boundary's modified date)
    assert 60 <= sandbox.log.calls(SEARCH) - 1 <= 130
    assert sandbox.log.statuses().get(400, 0) == 0


def test_more_records_with_one_modified_date_than_a_page_holds(sandbox, make_adapter):
    """A bulk job stamps many records with the same modified date: that date is then read on
    its own by id, and nothing is skipped or read twice."""
    adapter = make_adapter(sandbox, skip_own_writes=False)  # another integration's bulk job
    contacts = list(adapter.iter_contacts(None))
    start = datetime.now(UTC) - timedelta(seconds=1)
    adapter.apply_updates(
        [ContactUpdate(contact_id=c.id, changes={UpdatableField.SCORE: 5}) for c in contacts[:100]]
    )
    stamps: dict[datetime, int] = {}
    run = make_adapter(sandbox, search_page_size=7, incremental_overlap_seconds=0)
    ids = []
    for page in run.iter_contact_pages(start):
        for contact in page.contacts:
            ids.append(contact.id)
            stamps[contact.updated_at] = stamps.get(contact.updated_at, 0) + 1
    assert sorted(ids) == sorted(c.id for c in contacts[:100])
    assert len(set(ids)) == len(ids)
    assert max(stamps.values()) > 7, "the sandbox stamped no shared date: tie path not exercised"


def test_unusable_records_are_skipped_with_their_reason(sandbox, make_adapter, mapping):
    values = mapping.contact.values.model_copy(
        update={
            "lifecycle_stage": {
                k: v
                for k, v in mapping.contact.values.lifecycle_stage.items()
                if k is not LifecycleStage.CUSTOMER
            }
        }
    )
    narrowed = mapping.model_copy(
        update={"contact": mapping.contact.model_copy(update={"values": values})}
    )
    pages = list(make_adapter(sandbox, mapping_=narrowed).iter_contact_pages(None))
    skipped = [s for page in pages for s in page.skipped]
    assert skipped
    assert all(s.field == "lifecyclestage" and "customer" in s.message for s in skipped)
    assert all("@" not in s.message for s in skipped)  # no e-mail address in a reason


def test_owners_are_listed_with_their_status(adapter, sandbox):
    owners = adapter.list_owners()
    assert owners and all(o.id.isdigit() for o in owners)
    assert any(not o.active for o in owners)
    assert any(o.active for o in owners)
    assert sandbox.log.calls("GET /crm/v3/owners") == 2  # active page, archived page


def test_the_adapter_speaks_the_protocol_and_is_registered(adapter):
    from importlib.metadata import entry_points

    from connector.adapters.base import CrmAdapter

    assert isinstance(adapter, CrmAdapter)
    registered = {ep.name: ep.value for ep in entry_points(group="connector.adapters")}
    assert registered.get("hubspot") == "connector.adapters.hubspot:HubSpotAdapter"


def test_engagement_since_a_time_without_ids_costs_no_call_per_contact(sandbox, make_adapter):
    adapter = make_adapter(sandbox, incremental_overlap_seconds=0)
    contacts = list(adapter.iter_contacts(None))
    since = max(c.updated_at for c in contacts) - timedelta(days=20)
    changed = {c.id for c in contacts if c.updated_at >= since}
    sandbox.log.reset()
    engagements = list(adapter.iter_engagements(since=since))
    assert {e.contact_id for e in engagements} <= changed
    assert all(e.occurred_at >= since for e in engagements)
    calls = sandbox.log.calls_by_endpoint()
    assert "POST /crm/v3/objects/contacts/batch/read" not in calls  # the search brought them
    assert calls[SEARCH] >= 1
