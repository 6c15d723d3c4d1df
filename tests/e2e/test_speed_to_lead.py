"""Speed to lead, as a user runs it: `connector sync` with only the clock moving
(CONNECTOR_AS_OF) against both sandboxes through the real SDKs — idle MQLs recycle, scores
cool, overdue follow-ups are escalated exactly once (never one the rep completed), and a kill -9
anywhere in the escalating sync neither duplicates nor loses a reassignment."""

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connector.demo_rep import HubSpotRep, SalesforceRep
from connector.sandbox.seed import DEFAULT_NOW
from connector.sync.schema import audit_log, contact_due, task_escalations
from connector.sync.state import StateStore
from tests.e2e.crm_runs import CrmUnderTest, start_crm
from tests.factories import MAPPINGS

CONTACTS = 150
# DEFAULT_NOW is Monday 09:00 UTC (04:00 in New York): MQL follow-ups are due at 10:00 New
# York and escalate, still open, at 11:00 (16:00 UTC); SQL ones only the next business day.
AFTER_MQL_ESCALATION = DEFAULT_NOW + timedelta(hours=8)


@pytest.fixture
def eager_mappings(tmp_path: Path) -> Path:
    """The shipped files with a lower MQL bar, so a small seed yields many MQLs and tasks."""
    directory = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, directory)
    rules = directory / "rules.yaml"
    text = rules.read_text()
    rules.write_text(text.replace("    min_score: 100\n", "    min_score: 15\n", 1))
    return directory


@pytest.fixture
def make_crm(tmp_path, eager_mappings):
    started: list[CrmUnderTest] = []

    def make(crm: str, name: str) -> CrmUnderTest:
        under_test = start_crm(crm, tmp_path / name, contacts=CONTACTS, mappings=eager_mappings)
        # No re-read window behind the watermark: the sandbox's search index and commits do
        # not lag, and the re-read would hide who is read because due (the CRMs' own
        # defaults keep it; re-reading the connector's own writes is issue #13 item 4).
        under_test.env["HUBSPOT_INCREMENTAL_OVERLAP_SECONDS"] = "0"
        under_test.env["SALESFORCE_OVERLAP_SECONDS"] = "PT0S"
        started.append(under_test)
        return under_test

    yield make
    for under_test in started:
        under_test.running.stop()


def sync_at(under_test: CrmUnderTest, at, *args: str) -> dict[str, Any]:
    under_test.env["CONNECTOR_AS_OF"] = at.isoformat()
    result = under_test.connector("sync", "--json", *args)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def decided(under_test: CrmUnderTest) -> StateStore:
    """Backfill, then one sync at the same moment (it absorbs the backfill's own writes)."""
    result = under_test.connector("backfill", "--json")
    assert result.returncode in (0, 1), result.stderr
    sync_at(under_test, DEFAULT_NOW)
    return StateStore.open(str(under_test.state_file))


def rows(store: StateStore, table) -> list[dict[str, Any]]:
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table))]


def complete(under_test: CrmUnderTest, task_id: str) -> None:
    if under_test.crm == "hubspot":
        HubSpotRep.of(under_test.running).complete_task(task_id)
    else:
        SalesforceRep.of(under_test.running).complete_task(task_id)


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_time_jump_escalates_overdue_tasks_once_recycles_and_cools(crm, make_crm):
    under_test = make_crm(crm, "crm")
    store = decided(under_test)
    watched = rows(store, task_escalations)
    overdue = [w for w in watched if w["escalate_at"] <= AFTER_MQL_ESCALATION]
    assert len(overdue) >= 3, "the seed should give MQL follow-ups to escalate"
    done_by_rep = overdue[0]
    complete(under_test, done_by_rep["crm_id"])
    before = {c.id: c for c in under_test.snapshot_contacts()}

    summary = sync_at(under_test, AFTER_MQL_ESCALATION)
    assert summary["escalations_closed"] == 1
    planned, unassignable = summary["escalations_planned"], summary["escalations_unassignable"]
    # owners outside every pool (an account's owner, one a person chose) have no pool to pass
    # the lead on to: audited as such, not escalated
    assert planned + unassignable == len(overdue) - 1 and planned >= 3
    assert summary["escalations_applied"] == planned
    audited = {r["contact_id"] for r in rows(store, audit_log) if r["kind"] == "escalation"}
    assert len(audited) == planned
    after = {c.id: c for c in under_test.snapshot_contacts()}
    for watch in overdue[1:]:
        owner_now = after[watch["contact_id"]].owner_id
        if watch["contact_id"] in audited:
            assert owner_now not in (None, watch["owner_id"])
        else:
            assert owner_now == before[watch["contact_id"]].owner_id
    assert after[done_by_rep["contact_id"]].owner_id == before[done_by_rep["contact_id"]].owner_id

    again = sync_at(under_test, AFTER_MQL_ESCALATION + timedelta(hours=1))
    assert again["escalations_planned"] == 0 and again["escalations_closed"] == 0
    assert all(count == 1 for count in under_test.snapshot().task_keys.values())

    # Two months later, nothing changed in the CRM: idle MQLs recycle, scores cool, and only
    # the people who are due are read by id.
    later = AFTER_MQL_ESCALATION + timedelta(days=60)
    due = [r for r in rows(store, contact_due) if r["due_at"] is not None and r["due_at"] <= later]
    jump = sync_at(under_test, later)
    assert 0 < jump["contacts_due"] <= len(due), (
        jump["contacts_read"],
        len(due),
        jump["api_calls"],
    )
    assert jump["stage_changes"].get("mql -> lead", 0) > 0
    cooled = {c.id: c for c in under_test.snapshot_contacts()}
    assert any((cooled[i].score or 0) < (after[i].score or 0) for i in cooled if i in after), (
        "stored scores should cool with no CRM change"
    )


def owners_and_tasks(under_test: CrmUnderTest) -> tuple[dict[str, Any], dict[str, int]]:
    """Who owns each person, and how many tasks carry each key: what escalation changes.
    (Scores are left out: a run finished five minutes later decays them five minutes more.)"""
    snapshot = under_test.snapshot()
    owners = {person: values[4] for person, values in snapshot.people.items()}
    return owners, dict(snapshot.task_keys)


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_an_escalating_sync_killed_anywhere_ends_like_an_uninterrupted_one(crm, make_crm):
    reference = make_crm(crm, "reference")
    decided(reference)
    served_before = reference.requests_served
    sync_at(reference, AFTER_MQL_ESCALATION)
    requests = reference.requests_served - served_before
    # the writes come last (contacts, then tasks moved or created): kill among them, and once
    # while it still reads
    kill_points = sorted({max(1, requests - back) for back in (1, 2, 3, 5)} | {requests // 2})
    sync_at(reference, AFTER_MQL_ESCALATION + timedelta(minutes=5))
    expected = owners_and_tasks(reference)
    killed_somewhere = 0
    for point, after_requests in enumerate(kill_points):
        under_test = make_crm(crm, f"killed-{point}")
        store = decided(under_test)
        under_test.env["CONNECTOR_AS_OF"] = AFTER_MQL_ESCALATION.isoformat()
        killed_somewhere += under_test.kill_after(under_test.start("sync"), after_requests)
        sync_at(under_test, AFTER_MQL_ESCALATION + timedelta(minutes=5))
        assert owners_and_tasks(under_test) == expected
        audited = [r["contact_id"] for r in rows(store, audit_log) if r["kind"] == "escalation"]
        assert len(audited) == len(set(audited))  # each escalated once, audited once
    assert killed_somewhere >= len(kill_points) - 1


def test_the_sync_after_an_escalation_rereads_nobody_the_connector_wrote(make_crm):
    """An escalation's owner write carries the echo fingerprint like every other contact write
    (issue #13): the next sync's search finds the escalated contacts (their modified date
    moved) and drops them as the connector's own writes instead of reading them again."""
    under_test = make_crm("hubspot", "crm")
    store = decided(under_test)
    summary = sync_at(under_test, AFTER_MQL_ESCALATION)
    assert summary["escalations_applied"] >= 3
    escalated = {r["contact_id"] for r in rows(store, audit_log) if r["kind"] == "escalation"}

    again = sync_at(under_test, AFTER_MQL_ESCALATION + timedelta(minutes=1))

    assert again["outcome"] == "ok"
    assert again["contacts_read"] == 0, (again["contacts_read"], len(escalated))
