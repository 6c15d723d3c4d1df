"""`connector worker` on several processes sharing one PostgreSQL state store and queue:
twelve accounts, three workers, one of them killed mid-run. Every account is synced, no
account ever runs twice at once, and each CRM ends exactly as after a run on its own."""

import itertools
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.sandbox.launch import Crm
from connector.sync.state import StateStore
from tests.e2e.crm_runs import (
    FAST_RETRIES,
    CrmSnapshot,
    CrmUnderTest,
    start_crm,
    write_accounts_file,
)
from tests.factories import REPO
from tests.postgres import PostgresServer

ACCOUNTS: list[tuple[str, Crm]] = [
    *((f"portal-{n}", "hubspot") for n in range(9)),
    *((f"org-{n}", "salesforce") for n in range(3)),
]
CONTACTS = 12


@pytest.fixture
def queue_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database on the session's PostgreSQL server: the state store and the queue."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


def _sandboxes(folder: Path) -> dict[str, CrmUnderTest]:
    return {
        name: start_crm(crm, folder / name, contacts=CONTACTS, seed=100 + index)
        for index, (name, crm) in enumerate(ACCOUNTS)
    }


def _finished(store: StateStore) -> set[str]:
    done = set()
    for name, _crm in ACCOUNTS:
        runs = store.last_runs(name, 20)
        if any(run["outcome"] == "ok" for run in runs):
            done.add(name)
    return done


def test_three_workers_one_killed_sync_every_account_once_at_a_time(
    tmp_path: Path, queue_url: str
) -> None:
    state_url = queue_url
    crms = _sandboxes(tmp_path / "workers")
    accounts_file, secrets = write_accounts_file(
        tmp_path, {name: (crm.crm, crm.running.settings) for name, crm in crms.items()}, 3600
    )
    any_env = next(iter(crms.values())).env
    env = {k: v for k, v in any_env.items() if not k.startswith(("HUBSPOT_", "SALESFORCE_"))}
    env = {k: v for k, v in env.items() if k not in ("CONNECTOR_CRM", "CONNECTOR_MAPPINGS_DIR")}
    env.update(FAST_RETRIES)
    env.update(secrets)
    env.update({"CONNECTOR_STATE_URL": state_url, "CONNECTOR_ACCOUNTS_FILE": str(accounts_file)})
    env["CONNECTOR_STALE_LOCK_SECONDS"] = "6"
    command = [sys.executable, "-m", "connector", "worker", "--concurrency", "2"]
    command += ["--tick-seconds", "2", "--heartbeat-seconds", "0.5", "--stalled-after-seconds", "3"]
    logs = [tmp_path / f"worker-{n}.log" for n in range(3)]
    workers = [
        subprocess.Popen(
            [*command, "--name", f"w{n}"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[n].open("w"),
        )
        for n in range(3)
    ]
    store = StateStore.open(state_url)
    try:
        # Kill the first worker once runs are under way (some started, not all finished).
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            started = sum(bool(store.last_runs(name, 1)) for name, _ in ACCOUNTS)
            if started >= 4:
                break
            time.sleep(0.1)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        while time.monotonic() < deadline and len(_finished(store)) < len(ACCOUNTS):
            assert all(w.poll() is None for w in workers[1:]), logs[1].read_text()
            time.sleep(0.5)
        assert _finished(store) == {name for name, _ in ACCOUNTS}, logs[1].read_text()
    finally:
        for process in workers[1:]:
            process.send_signal(signal.SIGTERM)
        for process in workers[1:]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    # Never two runs of one account at once: each run started after the one before ended,
    # except a killed run, which the run that took its lock over closed.
    for name, _crm in ACCOUNTS:
        runs = sorted(store.last_runs(name, 20), key=lambda run: run["started_at"])
        for earlier, later in itertools.pairwise(runs):
            if earlier["outcome"] == "killed":
                assert earlier["finished_by_run"] == later["id"]
            else:
                assert earlier["finished_at"] is not None
                assert later["started_at"] >= earlier["finished_at"], name

    # The CRMs equal what one run of each account alone leaves.
    alone = _sandboxes(tmp_path / "alone")
    try:
        for name, under_test in alone.items():
            done = under_test.connector("backfill", "--json")
            assert done.returncode == 0, done.stderr
            assert CrmSnapshot.read(under_test) == CrmSnapshot.read(crms[name]), name
    finally:
        for under_test in [*alone.values(), *crms.values()]:
            under_test.running.stop()
