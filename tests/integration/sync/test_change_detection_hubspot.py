"""Issue #13 on HubSpot, through the real SDK into the sandbox: engagement-driven change
detection (a meeting or call logged alone, a deleted one) and no echo of the connector's own
writes (after a backfill, after a sync), with the API calls each sync costs."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from math import ceil
from pathlib import Path
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.objects import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from connector.adapters.hubspot import HubSpotAdapter
from connector.domain.stages import LifecycleStage
from connector.domain.tasks import task_key
from connector.mapping.loader import load_mapping_dir
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalogue import CONTACTS, TASKS
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.state import StateStore
from tests.factories import fast_hubspot_adapter

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
CONTACTS_SEARCH = "POST /crm/v3/objects/contacts/search"
CONTACTS_BY_ID = "POST /crm/v3/objects/contacts/batch/read"
UPDATE = "POST /crm/v3/objects/contacts/batch/update"
#: HubSpot-defined association types (associations v4): meeting → contact, call → contact.
MEETING_TO_CONTACT, CALL_TO_CONTACT = 200, 194
#: Every engagement object the shipped mapping scores costs one search and one archived page.
#: The fixed cost of change detection per sync: per associated object type the rules read
#: (companies, deals, meetings, calls), one search of what changed and one archived page.
ENGAGEMENT_READS = {
    f"{method} /crm/v3/objects/{object_type}{suffix}": 1
    for object_type in ("companies", "deals", "meetings", "calls")
    for method, suffix in (("POST", "/search"), ("GET", ""))
}
#: The rules decide an hour after the sandbox's history ends, and at that same moment in every
#: run of a test, so decay moves no score between runs; everything the test logs happens before.
SEED_NOW = datetime.now(UTC).replace(microsecond=0)
DECIDE_AT = SEED_NOW + timedelta(hours=1)


@pytest.fixture
def sandbox() -> Iterator[HubSpotSandbox]:
    with HubSpotSandbox(SandboxConfig(contacts=300, seed_now=SEED_NOW)) as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore.open(str(tmp_path / "state.sqlite"))


def adapter_for(sandbox: HubSpotSandbox, **overrides: Any) -> HubSpotAdapter:
    adapter: HubSpotAdapter = fast_hubspot_adapter(sandbox, **overrides)
    return adapter


@pytest.fixture
def engine(store: StateStore) -> Callable[[HubSpotSandbox], SyncEngine]:
    """A fresh engine (fresh adapter and counters) per run, as each scheduled run is."""

    def make(sandbox: HubSpotSandbox) -> SyncEngine:
        rules = load_mapping_dir(MAPPINGS).rules
        return SyncEngine(
            adapter_for(sandbox), rules, store, account="portal", clock=lambda: DECIDE_AT
        )

    return make


def sdk(sandbox: HubSpotSandbox) -> HubSpot:
    """A person (or another app) working in the portal, through the official SDK."""
    return HubSpot(access_token=sandbox.token, host=sandbox.url)


def held(sandbox: HubSpotSandbox, contact_id: str, name: str) -> Any:
    """What the portal holds (read from the sandbox's store, not through the adapter)."""
    table = sandbox.store.table(CONTACTS)
    return table.get(table.row_of(int(contact_id)), name)


def task_keys(sandbox: HubSpotSandbox) -> set[str]:
    table = sandbox.store.table(TASKS)
    return {
        str(table.get(row, "connector_task_key"))
        for row in range(len(table))
        if not table.is_archived(row) and table.get(row, "connector_task_key")
    }


def log_engagement(sandbox: HubSpotSandbox, object_type: str, contact_id: str) -> str:
    """Book a meeting or log a call on the contact, touching nothing on the contact itself."""
    when = datetime.now(UTC).isoformat()
    if object_type == "meetings":
        properties = {
            "hs_timestamp": when,
            "hs_meeting_title": "Demo",
            "hs_meeting_outcome": "SCHEDULED",
        }
        type_id = MEETING_TO_CONTACT
    else:
        properties = {"hs_timestamp": when, "hs_call_direction": "OUTBOUND"}
        type_id = CALL_TO_CONTACT
    created = sdk(sandbox).crm.objects.basic_api.create(
        object_type,
        SimplePublicObjectInputForCreate(
            properties=properties,
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=contact_id),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=type_id
                        )
                    ],
                )
            ],
        ),
    )
    return str(created.id)


def kinds_of(sandbox: HubSpotSandbox, contact_id: str) -> list[str]:
    return [str(e.kind) for e in adapter_for(sandbox).iter_engagements([contact_id])]


def calls(summary: Any) -> dict[str, int]:
    return {name: usage.calls for name, usage in summary.api_calls.items()}


def test_a_deal_won_alone_makes_its_contact_a_customer(sandbox, engine):
    """Sales closing a deal touches the deal, not the contact: the deal's own modification
    stamp brings the contact into the next sync (deal→contact association type 3)."""
    engine(sandbox).backfill(RunOptions())
    table = sandbox.store.table(CONTACTS)
    stages = {str(table.ids[row]): table.get(row, "lifecyclestage") for row in range(len(table))}
    contact_id = next(cid for cid, stage in stages.items() if stage == "salesqualifiedlead")
    before = held(sandbox, contact_id, "lastmodifieddate")
    sdk(sandbox).crm.objects.basic_api.create(
        "deals",
        SimplePublicObjectInputForCreate(
            properties={
                "dealname": "First order",
                "dealstage": "closedwon",
                "pipeline": "default",
                "amount": "12000",
                "closedate": datetime.now(UTC).isoformat(),
            },
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=contact_id),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=3
                        )
                    ],
                )
            ],
        ),
    )
    assert held(sandbox, contact_id, "lastmodifieddate") == before  # the contact is untouched

    summary = engine(sandbox).sync(RunOptions())
    assert summary.exit_code == 0, summary.message
    assert held(sandbox, contact_id, "lifecyclestage") == "customer"
    assert summary.contacts_read == 1


def test_a_meeting_booked_alone_makes_its_contact_sql_with_owner_and_task(sandbox, engine):
    engine(sandbox).backfill(RunOptions())
    table = sandbox.store.table(CONTACTS)
    stages = {str(table.ids[row]): table.get(row, "lifecyclestage") for row in range(len(table))}
    contact_id = next(
        cid for cid, stage in stages.items() if stage in ("lead", "marketingqualifiedlead")
    )
    before = held(sandbox, contact_id, "lastmodifieddate")

    log_engagement(sandbox, "meetings", contact_id)
    assert held(sandbox, contact_id, "lastmodifieddate") == before  # the contact is untouched

    summary = engine(sandbox).sync(RunOptions())
    assert summary.exit_code == 0, summary.message
    assert held(sandbox, contact_id, "lifecyclestage") == "salesqualifiedlead"
    assert held(sandbox, contact_id, "hubspot_owner_id")
    assert task_key(contact_id, LifecycleStage.SQL, DECIDE_AT.date()) in task_keys(sandbox)
    # Only that contact was read (the backfill's own writes did not echo), by id, in one call
    # (and its shared fields read again once just before the write: no lost update); the
    # meeting found by its own search, mapped to its contact by one association read.
    assert summary.contacts_read == 1
    used = calls(summary)
    assert used[CONTACTS_BY_ID] == 2
    assert used["POST /crm/v4/associations/meetings/contacts/batch/read"] == 1
    assert used["POST /crm/v3/objects/tasks/batch/create"] == 1

    again = engine(sandbox).sync(RunOptions())
    assert again.updates_planned == 0 and again.tasks_created == 0


def test_a_deleted_call_re_decides_its_contact(sandbox, engine):
    engine(sandbox).backfill(RunOptions())
    table = sandbox.store.table(CONTACTS)
    contact_id = next(
        str(table.ids[row])
        for row in range(len(table))
        if table.get(row, "lifecyclestage") == "lead"
        and float(table.get(row, "connector_score") or 0) < 60
        and "call" not in kinds_of(sandbox, str(table.ids[row]))
    )
    score = float(held(sandbox, contact_id, "connector_score"))

    call_id = log_engagement(sandbox, "calls", contact_id)
    logged = engine(sandbox).sync(RunOptions())
    assert logged.contacts_read == 1
    assert float(held(sandbox, contact_id, "connector_score")) > score

    sdk(sandbox).crm.objects.basic_api.archive("calls", call_id)
    deleted = engine(sandbox).sync(RunOptions())
    assert deleted.exit_code == 0, deleted.message
    assert float(held(sandbox, contact_id, "connector_score")) == score
    assert calls(deleted)["GET /crm/v3/objects/calls"] == 1  # the archived calls, one page


def test_the_first_sync_after_a_backfill_reads_only_what_people_changed_meanwhile(
    sandbox, engine, store
):
    first_page = [c.id for c in next(adapter_for(sandbox).iter_contact_pages(None)).contacts]
    edited = first_page[:3]

    def edit_once(read: int, _total: int | None) -> None:
        # After the first page was read and before the backfill wrote it (writes wait for a
        # full buffer): the gap no modification stamp can tell from the backfill's own write.
        if read == len(first_page) and held(sandbox, edited[0], "jobtitle") != "Edited":
            for contact_id in edited:
                sdk(sandbox).crm.contacts.basic_api.update(
                    contact_id, SimplePublicObjectInput(properties={"jobtitle": "Edited"})
                )

    backfill = engine(sandbox).backfill(RunOptions(), progress=edit_once)
    assert backfill.updates_applied > 250  # nearly every contact was written by the backfill
    later = str(sandbox.store.table(CONTACTS).ids[-1])
    sdk(sandbox).crm.contacts.basic_api.update(
        later, SimplePublicObjectInput(properties={"jobtitle": "Edited later"})
    )

    since = store.watermark("portal", "contacts")
    found = [c.id for c in adapter_for(sandbox).iter_contacts(since)]
    assert sorted(found) == sorted([*edited, later])

    first = engine(sandbox).sync(RunOptions())
    assert first.contacts_read == 4
    quiet = engine(sandbox).sync(RunOptions())
    # What the first sync wrote does not come back; what it read and left unchanged still
    # lies in the overlap window before the watermark (HubSpot's search index lag), as it did
    # before this change.
    assert quiet.contacts_read == first.contacts_read - first.updates_applied
    # Beyond the search pages that list the backfill's writes (HubSpot cannot leave them out
    # of a search answer), the first sync costs what reading four changed contacts costs.
    assert calls(first)[CONTACTS_SEARCH] == ceil(backfill.updates_applied / 200)
    assert CONTACTS_BY_ID not in calls(first)


def test_a_sync_s_own_writes_do_not_come_back_in_the_next_sync(sandbox, engine, store):
    engine(sandbox).backfill(RunOptions())
    table = sandbox.store.table(CONTACTS)
    contact_id = next(
        str(table.ids[row])
        for row in range(len(table))
        if table.get(row, "lifecyclestage") in ("lead", "marketingqualifiedlead")
    )
    # Sales qualifies the lead: the next sync makes it an SQL, routes it and writes a task.
    sdk(sandbox).crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties={"hs_lead_status": "OPEN_DEAL"})
    )
    qualifying = engine(sandbox).sync(RunOptions())
    assert qualifying.contacts_read == 1  # the first after the backfill: its echo left out
    assert held(sandbox, contact_id, "lifecyclestage") == "salesqualifiedlead"
    assert qualifying.tasks_created == 1
    low = store.watermark("portal", "contacts") - timedelta(seconds=300)  # the overlap
    in_window = sum(1 for ms in table.updated if ms >= low.timestamp() * 1000)
    after = engine(sandbox).sync(RunOptions())
    assert after.contacts_read == 0  # what the run before wrote does not come back
    # It costs the search pages listing what lies in the window (the backfill's writes of a
    # moment ago included), the engagement reads and nothing else: no contact is fetched.
    assert calls(after) == {
        "GET /crm/v3/owners": 2,  # active, then archived
        CONTACTS_SEARCH: ceil(in_window / 200),
        **ENGAGEMENT_READS,
    }
