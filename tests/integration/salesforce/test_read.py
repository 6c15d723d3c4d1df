"""Reading people through the adapter: REST and Bulk API 2.0 paths, paging, resumable cursors,
incremental reads on SystemModstamp with the overlap window, companies, deals and owners."""

from __future__ import annotations

import gc
import json
import types
from datetime import timedelta

from simple_salesforce import Salesforce

from connector.adapters.salesforce import endpoints as sf
from connector.adapters.salesforce.auth import TOKEN_ENDPOINT
from connector.domain.contact import DealStatus
from connector.sandbox.salesforce.ids import make_id

QUEUE = make_id("00G", 7)  # a lead queue


def _read_all(adapter, since=None, resume_after=None):
    pages = list(adapter.iter_contact_pages(since, resume_after))
    return pages, [contact for page in pages for contact in page.contacts]


def test_full_read_over_rest_costs_one_query_per_page_and_per_lookup(sandbox, adapter, counts):
    summary = sandbox.seed_summary
    assert (summary.leads, summary.contacts) == (184, 116)

    pages, people = _read_all(adapter)

    assert len(people) == 300 and not any(page.skipped for page in pages)
    assert sum(p.id.startswith("00Q") for p in people) == 184  # Leads keep their key prefix
    assert sum(p.id.startswith("003") for p in people) == 116
    # token; Leads: COUNT(), one page, one Account-matching query; Contacts: COUNT(), one
    # page, one OpportunityContactRole query.
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 1, sf.QUERY: 6}
    counts.assert_exact(adapter, sandbox)
    assert [json.loads(page.cursor)["object"] for page in pages] == ["Lead", "Contact"]
    assert pages[0].max_updated_at is not None


def test_rest_pages_follow_next_records_url(make_sandbox, make_adapter, counts):
    sandbox = make_sandbox(contacts=3600)
    adapter = make_adapter(sandbox)
    leads = sandbox.seed_summary.leads
    assert leads > 2000  # more than one REST page of Leads

    pages, people = _read_all(adapter)

    assert len(people) == sandbox.seed_summary.leads + sandbox.seed_summary.contacts
    assert [len(page.contacts) for page in pages][:2] == [2000, leads - 2000]
    counted = counts.calls(adapter)
    assert counted[sf.QUERY_MORE] == 1  # the second Lead page
    counts.assert_exact(adapter, sandbox)


def test_bulk_path_from_the_threshold_on_gives_the_same_people(sandbox, make_adapter, counts):
    rest = make_adapter(sandbox)
    _, by_rest = _read_all(rest)
    counts.reset(rest, sandbox)

    bulk = make_adapter(sandbox, bulk_threshold=100, bulk_page_size=50)
    pages, by_bulk = _read_all(bulk)

    assert sorted(by_bulk, key=lambda c: c.id) == sorted(by_rest, key=lambda c: c.id)
    # 184 Leads in 4 result sets, 116 Contacts in 3; one lookup query per page.
    assert [len(page.contacts) for page in pages] == [50, 50, 50, 34, 50, 50, 16]
    assert counts.calls(bulk) == {
        TOKEN_ENDPOINT: 1,
        sf.QUERY: 2 + 4 + 3,  # two COUNT()s, Account matching per Lead page, roles per Contact page
        sf.BULK_CREATE: 2,
        sf.BULK_GET: 4,  # the sandbox completes a job on its second poll
        sf.BULK_RESULTS: 7,
    }
    counts.assert_exact(bulk, sandbox)


def test_below_the_threshold_no_bulk_job_is_created(sandbox, make_adapter, counts):
    adapter = make_adapter(sandbox, bulk_threshold=185)  # 184 Leads: REST; 116 Contacts: REST
    _read_all(adapter)
    assert sf.BULK_CREATE not in counts.calls(adapter)


def test_rest_cursor_resumes_after_the_page(sandbox, adapter, make_adapter):
    pages, people = _read_all(adapter)
    resumed = make_adapter(sandbox)

    _, rest = _read_all(resumed, resume_after=pages[0].cursor)

    assert [c.id for c in rest] == [c.id for c in people[184:]]


def test_bulk_cursor_resumes_at_the_locator(sandbox, make_adapter, counts):
    adapter = make_adapter(sandbox, bulk_threshold=100, bulk_page_size=50)
    pages, people = _read_all(adapter)
    resumed = make_adapter(sandbox, bulk_threshold=100, bulk_page_size=50)

    _, rest = _read_all(resumed, resume_after=pages[1].cursor)

    assert [c.id for c in rest] == [c.id for c in people[100:]]
    assert counts.calls(resumed)[sf.BULK_CREATE] == 1  # only the Contacts' job is new


def test_incremental_read_uses_system_modstamp_and_the_overlap(sandbox, make_adapter):
    api = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))
    lead_ids, contact_ids = sandbox.ids_of("Lead")[:3], sandbox.ids_of("Contact")[:2]
    before = sandbox.store.clock()
    for lead_id in lead_ids:
        api.Lead.update(lead_id, {"Title": "Head of Data"})
    for contact_id in contact_ids:
        api.Contact.update(contact_id, {"Title": "Head of Data"})

    exact = make_adapter(sandbox, overlap_seconds=0)
    _, changed = _read_all(exact, since=before)
    assert sorted(c.id for c in changed) == sorted(lead_ids + contact_ids)

    # A watermark a little after the writes still sees them through the overlap window.
    overlapping = make_adapter(sandbox, overlap_seconds="PT5M")
    _, again = _read_all(overlapping, since=before + timedelta(minutes=2))
    assert sorted(c.id for c in again) == sorted(lead_ids + contact_ids)
    assert exact.count_contacts(before) == 5


def test_unusable_records_are_skipped_with_their_reason(sandbox, adapter):
    api = Salesforce(**sandbox.salesforce_kwargs())
    bad = sandbox.ids_of("Lead")[0]
    api.Lead.update(bad, {"NumberOfEmployees": -5})

    pages, people = _read_all(adapter)

    skipped = [error for page in pages for error in page.skipped]
    assert [(e.record_id, e.field, e.code) for e in skipped] == [
        (bad, "NumberOfEmployees", "UNUSABLE_VALUE")
    ]
    assert "negative" in skipped[0].message
    assert len(people) == 299


def test_contacts_of_one_account_share_its_company_and_its_reason_to_be_skipped(sandbox, adapter):
    """An Account is made into a company once per page (read.py `_account_companies`): every
    Contact of it gets the same company, and when the Account holds an unusable value every
    one of its Contacts is skipped with that reason, not only the first."""
    api = Salesforce(**sandbox.salesforce_kwargs())
    good, bad = sandbox.ids_of("Account")[:2]
    api.Account.update(good, {"Website": "https://www.shared.example/about"})
    api.Account.update(bad, {"AnnualRevenue": -1})
    of_good = [
        api.Contact.create({"LastName": f"Good {n}", "AccountId": good})["id"] for n in range(3)
    ]
    for n in range(2):
        api.Contact.create({"LastName": f"Bad {n}", "AccountId": bad})
    query = f"SELECT Id FROM Contact WHERE AccountId = '{bad}'"
    of_bad = [record["Id"] for record in api.query(query)["records"]]
    assert len(of_bad) >= 2

    pages, people = _read_all(adapter)

    by_id = {person.id: person for person in people}
    companies = {by_id[i].company for i in of_good}
    assert len(companies) == 1 and companies.pop().domain == "shared.example"
    skipped = {e.record_id: e for page in pages for e in page.skipped}
    assert set(skipped) == set(of_bad) and not set(of_bad) & set(by_id)
    assert {(e.field, e.code) for e in skipped.values()} == {("AnnualRevenue", "UNUSABLE_VALUE")}
    assert all("negative" in e.message for e in skipped.values())


def test_companies_deals_and_owners(sandbox, adapter, counts):
    _, people = _read_all(adapter)
    contacts = [p for p in people if p.id.startswith("003")]
    leads = [p for p in people if p.id.startswith("00Q")]

    # Every Contact carries its Account; websites become bare domains.
    assert all(c.company is not None and c.company.id.startswith("001") for c in contacts)
    assert all("/" not in (c.company.domain or "") for c in contacts if c.company)
    # Deals come through OpportunityContactRole.
    won = [c for c in contacts if any(d.status == DealStatus.WON for d in c.deals)]
    assert won and all(d.id.startswith("006") for c in won for d in c.deals)
    assert sum(len(c.deals) for c in contacts) == sandbox.seed_summary.opportunities
    # Leads whose Company names an Account get that Account (and its owner).
    matched = [lead for lead in leads if lead.company and lead.company.id.startswith("001")]
    own = [lead for lead in leads if lead.company and lead.company.id.startswith("lead:")]
    assert matched and own
    assert any(lead.company.owner_id for lead in matched)

    counts.reset(adapter, sandbox)
    owners = adapter.list_owners()
    assert len(owners) == 9  # 8 seed owners and the integration user
    assert sum(not owner.active for owner in owners) == 1
    assert all(owner.email for owner in owners)
    assert counts.calls(adapter) == {sf.QUERY: 1}


def test_placeholder_owners_read_as_unassigned(sandbox, make_adapter):
    api_user = sandbox.integration_user_id
    seller = sandbox.seed_summary.owner_ids["seed-owner-04"]
    records = {
        **dict.fromkeys(sandbox.ids_of("Lead"), "Lead"),
        **dict.fromkeys(sandbox.ids_of("Contact"), "Contact"),
    }
    owners = {}
    with sandbox.store.lock:
        for record_id, object_name in records.items():
            table = sandbox.store.tables[object_name]
            owners[record_id] = table.get(table.row_of[record_id], "OwnerId")
    held_by_api_user = [i for i, owner in owners.items() if owner == api_user]
    held_by_seller = [i for i, owner in owners.items() if owner == seller]
    assert held_by_api_user and held_by_seller

    queued = next(i for i in held_by_seller if i.startswith("00Q"))
    held_by_seller.remove(queued)
    Salesforce(**sandbox.salesforce_kwargs()).Lead.update(queued, {"OwnerId": QUEUE})

    default = {c.id: c for c in make_adapter(sandbox).iter_contacts(None)}
    assert all(default[i].owner_id is None for i in held_by_api_user)
    assert default[queued].owner_id is None
    assert all(default[i].owner_id == seller for i in held_by_seller)

    kept = {
        c.id: c
        for c in make_adapter(
            sandbox, integration_user_is_unassigned=False, unassigned_owner_ids=[seller[:15]]
        ).iter_contacts(None)
    }
    assert all(kept[i].owner_id == api_user for i in held_by_api_user)
    assert all(kept[i].owner_id is None for i in held_by_seller)


def _records_held(generator: object) -> int:
    """Records (dicts with an Id) reachable from a suspended generator's frames: its locals,
    the iterators it is suspended in (their frames, in turn) and the lists, tuples and dicts
    they hold; functions, modules and other objects are not followed."""
    seen: set[int] = set()
    pending = [generator]
    found = 0
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict) and "Id" in item:
            found += 1
        elif isinstance(item, (types.GeneratorType, list, tuple, dict)):
            pending.extend(gc.get_referents(item))
    return found


def test_a_page_being_decided_holds_none_of_the_records_it_was_read_from(adapter):
    """While the engine works on a yielded page (2,000 people on Salesforce), the paused page
    generators must not keep the raw or flattened records of that page alive beside it."""
    pages = adapter.iter_contact_pages(None)
    page = next(pages)
    assert len(page.contacts) == 184  # the Lead page, read over REST
    assert _records_held(pages) == 0
    rest = list(pages)
    assert sum(len(p.contacts) for p in rest) == 116
