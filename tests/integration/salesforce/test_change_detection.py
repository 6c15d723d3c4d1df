"""Incremental syncs on Salesforce find people through their engagement, and never through the
connector's own writes: the sync engine with the real adapter and simple-salesforce against the
sandbox, reps' changes made through sessions of a seeded rep (their LastModifiedById)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
from simple_salesforce import Salesforce

from connector.adapters.salesforce import SalesforceAdapter
from connector.adapters.salesforce import endpoints as sf
from connector.mapping.loader import load_rules
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.report import RunSummary
from connector.sync.state import StateStore

RULES = load_rules(Path(__file__).resolve().parents[3] / "mappings" / "rules.yaml")
READS = (sf.QUERY, sf.QUERY_MORE, sf.QUERY_ALL, sf.QUERY_ALL_MORE)

#: QueryAll reads per sync of what changed around the people: Task, Event, CampaignMember, the
#: opportunities' contact roles (by Opportunity.SystemModstamp) and Contacts by their Account's
#: stamp.
CHANGE_SOURCES = 5


class Org:
    """One sandbox, one state store; each run gets a fresh adapter, as each CLI run does."""

    def __init__(
        self, sandbox: SalesforceSandbox, make_adapter: Callable[..., SalesforceAdapter], tmp: Path
    ) -> None:
        self.sandbox = sandbox
        self.make_adapter = make_adapter
        self.store = StateStore.open(str(tmp / "state.sqlite"))
        self.rep = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))
        self.api = Salesforce(**sandbox.salesforce_kwargs())
        self.last: SalesforceAdapter | None = None

    def engine(self, **settings: Any) -> SyncEngine:
        """Decisions a minute after the wall clock, as a sync scheduled after the signals would
        take them: the sandbox stamps each write 1 ms after the previous one, so right after a
        backfill's burst of writes its clock runs a little ahead, and the rules ignore
        engagement dated after their `now`."""
        self.last = self.make_adapter(self.sandbox, **settings)
        return SyncEngine(
            self.last,
            RULES,
            self.store,
            account="org",
            clock=lambda: datetime.now(UTC) + timedelta(minutes=1),
        )

    def backfill(self, options: RunOptions | None = None, progress: Any = None) -> RunSummary:
        summary = self.engine().backfill(options or RunOptions(), progress)
        assert summary.exit_code in (0, 1), summary.message
        return summary

    def sync(self, **settings: Any) -> RunSummary:
        summary = self.engine(**settings).sync(RunOptions())
        assert summary.exit_code in (0, 1), summary.message
        return summary

    def reads(self) -> dict[str, int]:
        """Read calls of the last run, per endpoint."""
        assert self.last is not None
        return {e: self.last.usage.calls(e) for e in READS if self.last.usage.calls(e)}

    def person(self, object_name: str, record_id: str) -> dict[str, Any]:
        return self.api.query(
            f"SELECT Lifecycle_Stage__c, Connector_Score__c, OwnerId FROM {object_name} "
            f"WHERE Id = '{record_id}'"
        )["records"][0]

    def at_stage_lead(self, object_name: str, count: int) -> list[str]:
        extra = " AND IsConverted = false" if object_name == "Lead" else ""
        rows = self.api.query(
            f"SELECT Id FROM {object_name} WHERE Lifecycle_Stage__c = 'Lead'{extra} "
            f"ORDER BY Id LIMIT {count}"
        )["records"]
        assert len(rows) == count
        return [row["Id"] for row in rows]

    def open_follow_ups(self, person_id: str) -> list[dict[str, Any]]:
        return self.api.query(
            "SELECT Id, OwnerId, Subject FROM Task WHERE Connector_Task_Key__c != null "
            f"AND WhoId = '{person_id}' AND IsClosed = false"
        )["records"]


@pytest.fixture
def org(sandbox, make_adapter, tmp_path) -> Org:
    return Org(sandbox, make_adapter, tmp_path)


def assert_hot(org: Org, object_name: str, person_id: str) -> None:
    """SQL, owned by a rep (not the integration user), with an open follow-up task."""
    person = org.person(object_name, person_id)
    assert person["Lifecycle_Stage__c"] == "SQL"
    assert person["OwnerId"] != org.sandbox.integration_user_id
    tasks = org.open_follow_ups(person_id)
    assert len(tasks) == 1 and tasks[0]["Subject"].startswith("Qualify and book a meeting")


def test_a_task_an_event_and_a_campaign_response_alone_bring_their_people_in(org):
    org.backfill()
    demo_lead, member_lead = org.at_stage_lead("Lead", 2)
    [meeting_contact] = org.at_stage_lead("Contact", 1)
    score_before = org.person("Lead", member_lead)["Connector_Score__c"]
    quiet = org.sync()
    assert quiet.contacts_read == 0
    quiet_reads = org.reads()

    org.rep.Task.create({"WhoId": demo_lead, "Subject": "Demo request", "Status": "Not Started"})
    org.rep.Event.create(
        {
            "WhoId": meeting_contact,
            "Subject": "Meeting",
            "StartDateTime": "2030-01-07T15:00:00.000+0000",
            "DurationInMinutes": 30,
        }
    )
    [webinar] = org.api.query("SELECT Id FROM Campaign WHERE Type = 'Webinar' LIMIT 1")["records"]
    org.rep.CampaignMember.create(
        {"CampaignId": webinar["Id"], "LeadId": member_lead, "Status": "Attended"}
    )
    summary = org.sync()

    # Exactly the three people, each read once, though none of their own records changed.
    assert summary.contacts_read == 3
    assert_hot(org, "Lead", demo_lead)
    assert_hot(org, "Contact", meeting_contact)
    assert org.person("Lead", member_lead)["Connector_Score__c"] > score_before
    # Cost: the quiet sync's reads (users, a COUNT() per person object, one QueryAll per
    # engagement object) plus, for the three: the Leads and the Contact by id,
    # the Leads' Account match, the Contact's opportunities, each page's engagement (Task,
    # Event, CampaignMember: 3 per page), the lookup of existing follow-up task keys and,
    # just before writing, the re-read of the shared fields (one SOQL per object).
    reads = org.reads()
    assert quiet_reads == {sf.QUERY: 3, sf.QUERY_ALL: CHANGE_SOURCES}
    assert reads[sf.QUERY_ALL] == CHANGE_SOURCES
    assert reads[sf.QUERY] - quiet_reads[sf.QUERY] == 2 + 1 + 1 + 2 * 3 + 1 + 2

    # The next sync reads the same engagement again (it lies within the read overlap, as a
    # person's own change would), decides the same and writes nothing; the sync's own writes
    # (stages, owners, follow-up Tasks) add nobody.
    again = org.sync()
    assert (again.contacts_read, again.updates_planned, again.tasks_planned) == (3, 0, 0)


def test_a_deleted_task_re_decides_its_person(org):
    org.backfill()
    [lead] = org.at_stage_lead("Lead", 1)
    before = org.person("Lead", lead)["Connector_Score__c"]
    task = org.rep.Task.create({"WhoId": lead, "Subject": "Pricing request", "Status": "Open"})
    assert org.sync().contacts_read == 1
    priced = org.person("Lead", lead)["Connector_Score__c"]
    assert priced > before

    org.rep.Task.delete(task["id"])
    summary = org.sync()

    assert summary.contacts_read == 1
    assert org.last is not None and org.last.usage.calls(sf.QUERY_ALL) == CHANGE_SOURCES
    # The pricing request's points are gone; the stage it reached stays (stages only move
    # forward), and so does its follow-up task.
    after = org.person("Lead", lead)
    assert after["Connector_Score__c"] == before
    assert after["Lifecycle_Stage__c"] == "SQL"


def test_first_sync_after_a_backfill_reads_only_what_people_changed_meanwhile(org):
    """The backfill writes each page before reading the next (a buffer of one record); a rep
    qualifies a Lead the backfill already wrote, while the Contacts are still to be read."""
    edited: list[str] = []

    def rep_edits(done: int, total: int | None) -> None:
        if not edited:
            [lead] = org.at_stage_lead("Lead", 1)
            org.rep.Lead.update(
                lead,
                {
                    "Budget_Confirmed__c": True,
                    "Authority_Confirmed__c": True,
                    "Need_Confirmed__c": True,
                    "Timeline_Confirmed__c": True,
                },
            )
            edited.append(lead)

    backfill = org.backfill(RunOptions(write_buffer_records=1), progress=rep_edits)
    assert backfill.updates_planned > 250  # it wrote nearly everyone it read
    first = org.sync()
    first_reads = org.reads()
    quiet = org.sync()

    assert first.contacts_read == 1  # the rep's edit, nothing the backfill wrote
    assert_hot(org, "Lead", edited[0])
    assert quiet.contacts_read == 0  # nor what the first sync wrote
    # A quiet sync: the users, a COUNT() per person object (0: no page read), a QueryAll per
    # engagement object. The first sync adds the rep's Lead: one Lead page, its Account match,
    # its engagement (Task, Event, CampaignMember), the follow-up task key lookup and the
    # re-read of its shared fields just before the write.
    quiet_reads = org.reads()
    assert quiet_reads[sf.QUERY] == 1 + 2
    assert first_reads[sf.QUERY] == quiet_reads[sf.QUERY] + 1 + 1 + 3 + 1 + 1
    assert first_reads[sf.QUERY_ALL] == quiet_reads[sf.QUERY_ALL] == CHANGE_SOURCES


def test_without_skipping_own_writes_the_backfill_echoes(org):
    """What `skip_own_writes` saves: the same first sync re-reads every person written."""
    backfill = org.backfill()

    echo = org.sync(skip_own_writes=False)

    assert echo.contacts_read >= backfill.updates_planned > 250


def test_people_found_through_engagement_are_read_in_url_sized_chunks(sandbox, make_adapter):
    """Every person gets a Task: each is read once, by id, in queries that keep within the
    query URL budget (~100 ids in 3,000 bytes), never one query per person."""
    rep = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))
    people = sandbox.ids_of("Lead") + sandbox.ids_of("Contact")
    since = sandbox.store.clock()
    for start in range(0, len(people), 200):
        records = [
            {"attributes": {"type": "Task"}, "WhoId": who, "Subject": "Call", "Status": "Open"}
            for who in people[start : start + 200]
        ]
        rep.restful("composite/sobjects", method="POST", json={"records": records})
    adapter = make_adapter(sandbox, max_query_url_bytes=3000)
    urls: list[str] = []
    adapter.client.session.hooks["response"].append(
        lambda r, *a, **k: urls.append(r.request.url) if "/query" in r.request.url else None
    )

    read = [c.id for page in adapter.iter_contact_pages(since) for c in page.contacts]

    assert sorted(read) == sorted(people) and len(read) == len(set(read)) == 300
    soqls = [unquote_plus(url.split("?q=", 1)[1]) for url in urls if "?q=" in url]
    by_id = [q for q in soqls if re.search(r"FROM (Lead|Contact) WHERE .*\bId IN \(", q)]
    # Each object's ids go in as few queries as the budget allows: every chunk but the last
    # is full (the same size, fixed by the object's field list), the last holds the rest.
    for sobject, count in (("Lead", 184), ("Contact", 116)):
        sizes = [q.count("','") + 1 for q in by_id if f"FROM {sobject} " in q]
        assert sum(sizes) == count
        assert len(sizes) > 1 and set(sizes[:-1]) == {sizes[0]} and sizes[-1] <= sizes[0]
    assert max(len(url) for url in urls) <= 3000


def test_an_opportunity_won_alone_makes_its_contact_a_customer(org):
    """Closing an opportunity writes the Opportunity (and the rep adds a contact role): neither
    touches the Contact, whose stage must still become customer at the next sync."""
    org.backfill()
    [contact] = org.at_stage_lead("Contact", 1)
    assert org.sync().contacts_read == 0
    [account] = org.api.query(f"SELECT AccountId FROM Contact WHERE Id = '{contact}'")["records"]
    won = org.rep.Opportunity.create(
        {
            "Name": "First order",
            "AccountId": account["AccountId"],
            "StageName": "Closed Won",
            "CloseDate": datetime.now(UTC).date().isoformat(),
            "Amount": 12000,
        }
    )
    org.rep.OpportunityContactRole.create({"OpportunityId": won["id"], "ContactId": contact})

    summary = org.sync()
    assert org.person("Contact", contact)["Lifecycle_Stage__c"] == "Customer"
    assert summary.contacts_read >= 1
