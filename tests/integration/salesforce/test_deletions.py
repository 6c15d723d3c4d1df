"""A Lead or Contact deleted in Salesforce is noticed by the next incremental sync (getDeleted,
`sf.Lead.deleted(start, end)`), through the sync engine, the real adapter and simple-salesforce
against the sandbox: the person's due time and snapshot row are dropped, and the run counts it.

The org's clock runs three minutes behind the connector's (less than the five-minute read
overlap): the deletion happened minutes before the sync, as on a schedule. getDeleted ignores
seconds, so a deletion in the current minute is left to the next sync, whose window starts at the
watermark less the read overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from simple_salesforce import Salesforce

from connector.adapters.salesforce import SalesforceAdapter
from connector.adapters.salesforce.deletions import DELETED
from connector.mapping.loader import load_rules
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.report import RunSummary
from connector.sync.snapshot import PeopleSnapshot
from connector.sync.state import StateStore

RULES = load_rules(Path(__file__).resolve().parents[3] / "mappings" / "rules.yaml")
ACCOUNT = "org"


class Org:
    def __init__(
        self, sandbox: SalesforceSandbox, make_adapter: Callable[..., SalesforceAdapter], tmp: Path
    ) -> None:
        self.sandbox = sandbox
        self.make_adapter = make_adapter
        self.store = StateStore.open(str(tmp / "state.sqlite"))
        self.snapshot = PeopleSnapshot(self.store.engine)
        self.rep = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))
        self.last: SalesforceAdapter | None = None

    def run(self, kind: str, options: RunOptions | None = None) -> RunSummary:
        self.last = self.make_adapter(self.sandbox)
        engine = SyncEngine(
            self.last, RULES, self.store, account=ACCOUNT, clock=lambda: datetime.now(UTC)
        )
        summary = getattr(engine, kind)(options or RunOptions())
        assert summary.exit_code in (0, 1), summary.message
        return summary

    def first_of(self, object_name: str) -> str:
        extra = " WHERE IsConverted = false" if object_name == "Lead" else ""
        rows = self.rep.query(f"SELECT Id FROM {object_name}{extra} ORDER BY Id LIMIT 1")
        return str(rows["records"][0]["Id"])

    def known(self, ids: list[str]) -> set[str]:
        return self.snapshot.known(ACCOUNT, ids) | set(self.store.due_rows(ACCOUNT, ids))


@pytest.fixture
def org(make_sandbox, make_adapter, tmp_path) -> Org:
    behind = timedelta(minutes=3)
    sandbox = make_sandbox(sandbox_options={"clock": lambda: datetime.now(UTC) - behind})
    return Org(sandbox, make_adapter, tmp_path)


def test_a_deleted_lead_and_contact_are_forgotten_and_counted_once(org: Org) -> None:
    org.run("backfill")
    lead, contact = org.first_of("Lead"), org.first_of("Contact")
    assert org.snapshot.known(ACCOUNT, [lead, contact]) == {lead, contact}
    quiet = org.run("sync")
    assert quiet.contacts_deleted == 0
    assert org.last is not None and org.last.usage.calls(DELETED) == 2  # Lead, Contact
    held = org.snapshot.count(ACCOUNT)

    org.rep.Lead.delete(lead)
    org.rep.Contact.delete(contact)
    summary = org.run("sync")

    assert summary.contacts_deleted == 2
    assert summary.counts()["contacts_deleted"] == 2
    assert summary.contacts_read == 0  # a deleted person is not read, nor decided
    assert org.known([lead, contact]) == set()
    assert org.snapshot.count(ACCOUNT) == held - 2

    # The next sync's window overlaps the last: getDeleted names them again, nobody counts twice.
    again = org.run("sync")
    assert again.contacts_deleted == 0
    assert org.snapshot.count(ACCOUNT) == held - 2


def test_a_dry_run_counts_the_deletion_but_forgets_nothing(org: Org) -> None:
    org.run("backfill")
    lead = org.first_of("Lead")
    org.rep.Lead.delete(lead)

    preview = org.run("sync", RunOptions(dry_run=True))

    assert preview.contacts_deleted == 1
    assert org.snapshot.known(ACCOUNT, [lead]) == {lead}
    assert org.run("sync").contacts_deleted == 1
    assert org.snapshot.known(ACCOUNT, [lead]) == set()


def test_the_asked_span_keeps_to_the_documented_limits(org: Org, caplog) -> None:
    """A watermark older than the recycle bin's 15 days is asked from the horizon on (no
    refusal) with a warning that earlier deletions are not known; one inside the current minute
    or the one before is not asked at all (getDeleted wants more than a minute, seconds
    dropped)."""
    lead = org.first_of("Lead")
    org.rep.Lead.delete(lead)
    adapter = org.make_adapter(org.sandbox)
    now = datetime.now(UTC)

    old = list(adapter.iter_contact_pages(now - timedelta(days=40)))
    assert [page.deleted for page in old if page.deleted] == [[lead]]
    assert adapter.usage.calls(DELETED) == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [w.split(" deletions")[0] for w in warnings if "not noticed" in w] == [
        "Salesforce knows Lead",
        "Salesforce knows Contact",
    ]

    adapter.usage.reset()
    recent = list(adapter.iter_contact_pages(now + timedelta(minutes=5)))  # since - overlap = now
    assert adapter.usage.calls(DELETED) == 0
    assert all(not page.deleted for page in recent)


def test_a_watermark_inside_the_horizon_asks_without_a_warning(org: Org, caplog) -> None:
    adapter = org.make_adapter(org.sandbox)
    list(adapter.iter_contact_pages(datetime.now(UTC) - timedelta(days=14)))

    assert adapter.usage.calls(DELETED) == 2
    assert "not noticed" not in caplog.text
