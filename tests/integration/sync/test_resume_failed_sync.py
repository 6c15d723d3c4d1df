"""Issue #19 item 5: a sync that fails mid-read keeps what it decided, and the next sync reads
and decides only the people it had not decided yet, or who changed since — on HubSpot and on
Salesforce, through the real SDKs into the sandboxes, the failure made by the sandbox's fault
injection. The CRM ends as one clean sync leaves a twin sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.objects import SimplePublicObjectInput
from simple_salesforce import Salesforce

from connector.adapters.base import CrmAdapter
from connector.adapters.retry import RetryPolicy
from connector.adapters.salesforce import SalesforceAdapter
from connector.mapping.crm_schema import SalesforceMapping
from connector.mapping.loader import load_crm_mapping, load_mapping_dir
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import Fault, FaultPlan
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalogue import CONTACTS, TASKS
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.guard import ChangeLimit
from connector.sync.report import RunSummary
from connector.sync.state import StateStore
from tests.factories import fast_hubspot_adapter, salesforce_settings

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
RULES = load_mapping_dir(MAPPINGS).rules
#: The sandboxes' history ends now; the rules decide an hour later in every run, so decay moves
#: no score between the failed run, the resumed one and the twin's clean one.
SEED_NOW = datetime.now(UTC).replace(microsecond=0)
DECIDE_AT = SEED_NOW + timedelta(hours=1)
#: A watermark long before the seeded history: the sync after a long outage reads everybody.
LONG_AGO = SEED_NOW - timedelta(days=3650)
PEOPLE = 300
#: The adapters' read overlap (5 minutes) is also the margin by which a change must precede the
#: kept read to count as seen; the seeded history ends moments before these runs, on the same
#: clock as the sandbox, so the tests read with none (tests/e2e/test_sync_killed_resumes.py
#: runs with the default, on a history that ended a month before).
NO_OVERLAP = 0
#: Server errors only: retried like every fault, without Retry-After or timeout waits.
ERRORS = {Fault.SERVER_ERROR_500: 1.0, Fault.BAD_GATEWAY_502: 1.0, Fault.UNAVAILABLE_503: 1.0}


class PageHook(StateStore):
    """The state store, calling `after_pages` once the engine has decided that many pages of
    a sync (it beats the lock's heartbeat after each): the moment the test breaks the CRM."""

    after_pages: int | None = None
    on_page: Callable[[], None] = staticmethod(lambda: None)

    def heartbeat(self, account: str) -> None:
        super().heartbeat(account)
        if self.after_pages is not None:
            self.after_pages -= 1
            if self.after_pages == 0:
                self.after_pages = None
                self.on_page()


@dataclass
class Crm:
    """One CRM's sandbox, the way its people are edited and read back, and the read calls
    whose records count as people read in full."""

    name: str
    sandbox: Any
    make_adapter: Callable[..., CrmAdapter]
    edit: Callable[[str], None]
    state: Callable[[], dict[str, Any]]

    def engine(self, store: StateStore, **overrides: Any) -> SyncEngine:
        return SyncEngine(
            self.make_adapter(**overrides), RULES, store, account=self.name, clock=lambda: DECIDE_AT
        )

    def sync(self, store: StateStore, **overrides: Any) -> RunSummary:
        return self.engine(store, **overrides).sync(RunOptions())


def hubspot_crm(sandbox: HubSpotSandbox) -> Crm:
    sdk = HubSpot(access_token=sandbox.token, host=sandbox.url)

    def adapter(**overrides: Any) -> CrmAdapter:
        # small pages, so a failure lands between decided pages
        settings = {
            "search_page_size": 50,
            "read_ahead_records": 50,
            "incremental_overlap_seconds": NO_OVERLAP,
            **overrides,
        }
        made: CrmAdapter = fast_hubspot_adapter(sandbox, **settings)
        return made

    def edit(contact_id: str) -> None:
        sdk.crm.contacts.basic_api.update(
            contact_id, SimplePublicObjectInput(properties={"jobtitle": "Chief Executive Officer"})
        )

    def state() -> dict[str, Any]:
        contacts, tasks = sandbox.store.table(CONTACTS), sandbox.store.table(TASKS)
        names = ("connector_score", "connector_grade", "lifecyclestage", "hubspot_owner_id")
        people = {
            str(contacts.get(row, "hs_object_id")): tuple(contacts.get(row, n) for n in names)
            for row in range(len(contacts))
        }
        keys = sorted(
            str(tasks.get(row, "connector_task_key"))
            for row in range(len(tasks))
            if not tasks.is_archived(row) and tasks.get(row, "connector_task_key")
        )
        return {"people": people, "tasks": keys}

    return Crm("portal", sandbox, adapter, edit, state)


def salesforce_crm(sandbox: SalesforceSandbox) -> Crm:
    mapping = load_crm_mapping(MAPPINGS / "salesforce.yaml")
    assert isinstance(mapping, SalesforceMapping)
    api = Salesforce(**sandbox.salesforce_kwargs())
    rep = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))

    def adapter(**overrides: Any) -> CrmAdapter:
        retry = RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.05, jitter=0.0)
        settings = salesforce_settings(
            sandbox, **{"retry": retry, "overlap_seconds": NO_OVERLAP, **overrides}
        )
        return SalesforceAdapter(settings, mapping)

    def edit(person_id: str) -> None:
        sobject = rep.Lead if person_id.startswith("00Q") else rep.Contact
        sobject.update(person_id, {"Title": "Chief Executive Officer"})

    def state() -> dict[str, Any]:
        fields = "Id, Lifecycle_Stage__c, Connector_Score__c, Connector_Grade__c, OwnerId"
        people: dict[str, Any] = {}
        for sobject in ("Lead", "Contact"):
            for row in api.query_all(f"SELECT {fields} FROM {sobject}")["records"]:
                people[row["Id"]] = tuple(row[n] for n in fields.split(", ")[1:])
        key = mapping.tasks.key_field
        tasks = api.query_all(f"SELECT {key} FROM Task WHERE {key} != null")["records"]
        return {"people": people, "tasks": sorted(str(t[key]) for t in tasks)}

    return Crm("org", sandbox, adapter, edit, state)


@pytest.fixture(params=["hubspot", "salesforce"])
def twins(request: pytest.FixtureRequest) -> Iterator[tuple[Crm, Crm]]:
    """Two identically seeded sandboxes of one CRM: one for the failed and resumed syncs, one
    for the clean sync they must end equal to."""
    config = SandboxConfig(contacts=PEOPLE, seed_now=SEED_NOW)
    if request.param == "hubspot":
        with HubSpotSandbox(config) as first, HubSpotSandbox(config) as second:
            yield hubspot_crm(first), hubspot_crm(second)
    else:
        first_sf, second_sf = SalesforceSandbox(config).start(), SalesforceSandbox(config).start()
        try:
            yield salesforce_crm(first_sf), salesforce_crm(second_sf)
        finally:
            first_sf.stop()
            second_sf.stop()


def open_store(path: Path, account: str) -> PageHook:
    store = PageHook.open(str(path))
    assert isinstance(store, PageHook)
    store.set_watermark(account, "contacts", LONG_AGO)
    return store


def fail_after(crm: Crm, store: PageHook, pages: int) -> RunSummary:
    """A sync whose CRM starts failing every request once `pages` pages were decided."""
    store.after_pages = pages
    store.on_page = lambda: crm.sandbox.faults.force(Fault.SERVER_ERROR_500, 100_000)
    try:
        return crm.sync(store)
    finally:
        crm.sandbox.faults.clear()


def kept_people(store: StateStore, account: str) -> set[str]:
    return {cid for row in store.unapproved_rows(account) for cid in row.decided}


def test_a_failed_sync_is_resumed_without_reading_its_decided_people_again(twins, tmp_path):
    crm, twin = twins
    store = open_store(tmp_path / "state.sqlite", crm.name)
    failed = fail_after(crm, store, pages=1)
    assert failed.outcome == "failed", failed.message
    assert store.watermark(crm.name, "contacts") == LONG_AGO
    kept = kept_people(store, crm.name)
    assert 0 < len(kept) < PEOPLE

    edited = sorted(kept)[0]  # a person changed between the two runs is read again
    crm.edit(edited)
    twin.edit(edited)

    crm.sandbox.log.reset()
    resumed = crm.sync(store)
    assert resumed.exit_code in (0, 1), resumed.message
    assert resumed.decisions_carried_over == len(kept) - 1
    resumed_records = crm.sandbox.log.records_read()

    clean_store = open_store(tmp_path / "clean.sqlite", twin.name)
    twin.sandbox.log.reset()
    clean = twin.sync(clean_store)
    assert clean.exit_code in (0, 1), clean.message
    # fewer records came over the wire than for a clean sync (listing them is all it took)
    assert resumed_records < twin.sandbox.log.records_read()
    # the resumed run read and decided only the people the failed one had not, plus the edit
    assert resumed.contacts_read == clean.contacts_read - len(kept) + 1
    assert crm.state() == twin.state()
    assert store.routing_state(crm.name) == clean_store.routing_state(twin.name)
    assert store.discard_pending(crm.name) == 0
    assert store.watermark(crm.name, "contacts") is not None
    assert store.watermark(crm.name, "contacts") > LONG_AGO

    again = crm.sync(store)  # and nothing was left half done
    assert again.updates_planned == 0, again.plan
    assert again.decisions_carried_over == 0
    # the kept decisions' writes were recognised as the connector's own, like the new ones
    assert again.contacts_read == 0


def test_a_kept_journal_decided_with_other_rules_is_dropped(twins, tmp_path):
    crm, _ = twins
    store = open_store(tmp_path / "state.sqlite", crm.name)
    assert fail_after(crm, store, pages=1).outcome == "failed"
    assert kept_people(store, crm.name)
    slower = RULES.scoring.model_copy(update={"half_life_days": RULES.scoring.half_life_days + 1})
    other = RULES.model_copy(update={"scoring": slower})
    engine = SyncEngine(crm.make_adapter(), other, store, account=crm.name, clock=lambda: DECIDE_AT)
    resumed = engine.sync(RunOptions())
    assert resumed.exit_code in (0, 1), resumed.message
    assert resumed.decisions_carried_over == 0
    assert resumed.contacts_read >= PEOPLE - 5  # everybody read again (a few may be skipped)


def test_a_storm_of_faults_makes_progress_at_every_attempt_and_ends(twins, tmp_path):
    """At a 50 % fault rate with few retries a sync rarely gets through; each failed attempt
    keeps what it decided, so the people left to read fall and the sync ends."""
    crm, twin = twins
    store = open_store(tmp_path / "state.sqlite", crm.name)
    crm.sandbox.faults.set_plan(FaultPlan(rate=0.5, seed=19, weights=ERRORS))
    few_retries = RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.002, jitter=0.0)
    left = [PEOPLE]
    outcome, approved, recovered = "failed", False, 0
    for _attempt in range(40):
        summary = crm.sync(store, retry=few_retries)
        outcome, recovered = summary.outcome, recovered + summary.recovered_updates
        if outcome != "failed":
            break
        if not approved:  # (a journal approved before is replayed, not carried over)
            assert summary.decisions_carried_over == PEOPLE - left[-1], (left, summary)
        # an attempt that failed while writing left its whole plan approved: nobody is left to
        # read or decide from then on, later runs finish writing the journal
        approved = approved or store.pending(crm.name) is not None
        left.append(0 if approved else PEOPLE - len(kept_people(store, crm.name)))
        assert left[-1] <= left[-2], left  # nothing decided is ever lost
    crm.sandbox.faults.set_plan(FaultPlan(rate=0.0))
    assert outcome in ("ok", "finished_with_rejects"), (summary.message, left)
    assert len(left) > 2, "the storm should have broken some attempts"
    assert left[-1] < left[1], left
    if approved:  # a later run finished the approved journal
        assert recovered > 0, summary
    else:  # the run that got through read only the people the failed ones had left
        assert summary.contacts_read == left[-1]
        assert summary.decisions_carried_over == PEOPLE - left[-1]
    clean = open_store(tmp_path / "clean.sqlite", twin.name)
    assert twin.sync(clean).exit_code in (0, 1)
    assert crm.state() == twin.state()


def test_the_change_limit_judges_the_kept_and_the_new_decisions_together(twins, tmp_path):
    crm, twin = twins
    store = open_store(tmp_path / "state.sqlite", crm.name)
    assert fail_after(crm, store, pages=1).outcome == "failed"
    assert kept_people(store, crm.name)
    limited = RunOptions(max_changes=ChangeLimit.parse("1"), change_floor=0)
    resumed = crm.engine(store).sync(limited)
    clean = twin.engine(open_store(tmp_path / "clean.sqlite", twin.name)).sync(limited)
    assert clean.outcome == resumed.outcome == "aborted_by_guard"
    # the same verdict as one clean sync's: "<changed> of <evaluated> contacts would change"
    assert resumed.message.split(",")[0] == clean.message.split(",")[0]
    assert store.discard_pending(crm.name) == 0, "a refused plan, kept part included, is gone"
