"""The state store shared and settled, as users run the connector (`connector` processes
configured by environment variables, the CRMs' sandboxes through the real SDKs):

- decisions are a fixed point: after a backfill, the second sync writes nothing, on both CRMs,
  with the state on SQLite and on PostgreSQL (issue #16 item 4);
- three accounts (two HubSpot portals, one Salesforce org) share one PostgreSQL store: a second
  run of an account while its first holds the lock exits 3, the other accounts proceed, and
  each account's state stays its own (issue #16 item 1).
"""

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from connector.sandbox.seed import DEFAULT_NOW
from connector.sync.state import StateStore
from tests.e2e.crm_runs import CrmUnderTest, start_crm
from tests.factories import MAPPINGS
from tests.postgres import PostgresServer

CONTACTS = 200
#: The backfill on Monday 09:00 UTC; a sync at 17:00, after the MQL follow-ups' SLA escalation
#: (it moves owners of open tasks, which changes those contacts in the CRM), and one two hours
#: later with nothing changed by anyone but the connector. Scores have cooled a point or two by
#: then: within the refresh tolerance, so nothing is due and nothing may be written.
SCHEDULE = [DEFAULT_NOW, DEFAULT_NOW + timedelta(hours=8), DEFAULT_NOW + timedelta(hours=10)]


@pytest.fixture
def eager_mappings(tmp_path: Path) -> Path:
    """The shipped files with a lower MQL bar, so a small seed yields many stage moves, owner
    assignments and follow-up tasks — many decisions that must each settle."""
    directory = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, directory)
    rules = directory / "rules.yaml"
    text_ = rules.read_text()
    assert "    min_score: 100\n" in text_
    rules.write_text(text_.replace("    min_score: 100\n", "    min_score: 15\n", 1))
    return directory


@pytest.fixture
def make_crm(tmp_path: Path, eager_mappings: Path) -> Iterator[Any]:
    started: list[CrmUnderTest] = []

    def make(crm: str, name: str, state_url: str, account: str | None = None) -> CrmUnderTest:
        under_test = start_crm(
            crm, tmp_path / name, contacts=CONTACTS, mappings=eager_mappings, state_url=state_url
        )
        if account is not None:
            under_test.env["CONNECTOR_ACCOUNT"] = account
        started.append(under_test)
        return under_test

    yield make
    for under_test in started:
        under_test.running.stop()


def run_at(under_test: CrmUnderTest, at: datetime, command: str) -> tuple[dict[str, Any], int]:
    """`connector <command> --json` deciding as of `at`: its summary and the records the CRM
    changed on its requests (updates and creates, as the sandbox counted them)."""
    under_test.env["CONNECTOR_AS_OF"] = at.isoformat()
    before = under_test.records_written()
    result = under_test.connector(command, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), under_test.records_written() - before


def assert_settles(under_test: CrmUnderTest) -> None:
    """Backfill, sync, sync on the schedule: the second sync writes nothing at all."""
    backfill, backfill_writes = run_at(under_test, SCHEDULE[0], "backfill")
    assert backfill["updates_applied"] > 50 and backfill["tasks_created"] > 5, backfill
    assert backfill_writes >= backfill["updates_applied"] + backfill["tasks_created"]
    escalating, _ = run_at(under_test, SCHEDULE[1], "sync")
    assert escalating["escalations_applied"] > 0, escalating
    second, second_writes = run_at(under_test, SCHEDULE[2], "sync")
    assert (second["updates_planned"], second["tasks_planned"]) == (0, 0), second
    assert second_writes == 0, f"the second sync changed {second_writes} record(s) in the CRM"


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_the_second_sync_after_a_backfill_writes_nothing(crm, make_crm, state_url):
    assert_settles(make_crm(crm, crm, state_url))


# --- three accounts on one PostgreSQL store ------------------------------------------------


@pytest.fixture
def shared_url(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.create_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


def _idle_in_transaction(url: str) -> int:
    """Sessions of the store's database inside an open transaction: a process stopped there
    would hold row locks that block the runs this test expects to proceed."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _pause_holding_the_lock(
    under_test: CrmUnderTest, process: subprocess.Popen[str], account: str
) -> None:
    """SIGSTOP `process` once it holds `account`'s lock and is between transactions: a run
    in progress, alive (its pid answers) and frozen, for as long as the test needs."""
    store = StateStore.open(under_test.state_url)
    try:
        for _ in range(20_000):
            assert process.poll() is None, "the run finished before it could be paused"
            if store.lock_holder(account) is not None:
                os.kill(process.pid, signal.SIGSTOP)
                if _idle_in_transaction(under_test.state_url) == 0:
                    return
                os.kill(process.pid, signal.SIGCONT)  # mid-transaction: let it move on
            time.sleep(0.005)
        raise AssertionError("the run never took its lock")
    finally:
        store.engine.dispose()


def test_three_accounts_share_one_postgres_store_and_each_runs_once_at_a_time(make_crm, shared_url):
    portal_a = make_crm("hubspot", "portal-a", shared_url, account="portal-a")
    portal_b = make_crm("hubspot", "portal-b", shared_url, account="portal-b")
    org = make_crm("salesforce", "org", shared_url, account="org")
    portal_a.env["CONNECTOR_AS_OF"] = SCHEDULE[0].isoformat()
    first = portal_a.start("backfill", "--json")
    try:
        _pause_holding_the_lock(portal_a, first, "portal-a")
        # While portal-a's backfill holds its lock, a second run of portal-a is refused ...
        portal_a.env["CONNECTOR_AS_OF"] = SCHEDULE[0].isoformat()
        refused = portal_a.connector("sync", "--json")
        assert refused.returncode == 3, refused.stderr
        summary = json.loads(refused.stdout)
        assert summary["outcome"] == "locked"
        assert f"pid {first.pid}" in summary["message"]
        # ... and the other two accounts back-fill and sync meanwhile, in parallel.
        for under_test in (portal_b, org):
            under_test.env["CONNECTOR_AS_OF"] = SCHEDULE[0].isoformat()
        others = [under_test.start("backfill") for under_test in (portal_b, org)]
        assert [process.wait(timeout=300) for process in others] == [0, 0]
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=300) == 0
    # Each account settles on its own watermark, routing state and due times.
    for under_test in (portal_a, portal_b, org):
        run_at(under_test, SCHEDULE[1], "sync")
        second, written = run_at(under_test, SCHEDULE[2], "sync")
        assert (second["updates_planned"], written) == (0, 0), under_test.env["CONNECTOR_ACCOUNT"]
    store = StateStore.open(shared_url)
    try:
        kinds = {
            account: [run["kind"] for run in reversed(store.last_runs(account))]
            for account in ("portal-a", "portal-b", "org")
        }
        assert kinds == {
            "portal-a": ["backfill", "sync", "sync"],  # the refused run left no record
            "portal-b": ["backfill", "sync", "sync"],
            "org": ["backfill", "sync", "sync"],
        }
        assert all(store.lock_holder(account) is None for account in kinds)
        assert store.watermark("portal-a", "contacts") is not None
        assert store.watermark("org", "contacts") is not None
    finally:
        store.engine.dispose()
