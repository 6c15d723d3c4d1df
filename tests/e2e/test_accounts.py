"""Several CRM accounts from one accounts file and one state store, as an agency runs them:
two HubSpot portals and a Salesforce org, each credential named by variable, never written."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.launch import Crm, RunningSandbox, start_sandbox
from connector.sandbox.seed import DEFAULT_NOW
from connector.sync.state import StateStore
from tests.e2e.crm_runs import FAST_RETRIES, SECRET_WORDS, write_accounts_file
from tests.factories import REPO

ACCOUNTS: list[tuple[str, Crm]] = [
    ("acme-hubspot", "hubspot"),
    ("globex-hubspot", "hubspot"),
    ("initech-salesforce", "salesforce"),
]


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningSandbox]]:
    running: dict[str, RunningSandbox] = {}
    try:
        for index, (name, crm) in enumerate(ACCOUNTS):
            config = SandboxConfig(contacts=60, seed=11 + index)
            running[name] = start_sandbox(crm, config, tmp_path_factory.mktemp(name))
        yield running
    finally:
        for sandbox in running.values():
            sandbox.stop()


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, sandboxes: dict[str, RunningSandbox]
) -> tuple[dict[str, str], Path]:
    folder = tmp_path_factory.mktemp("agency")
    accounts_file, secrets = write_accounts_file(
        folder, {name: (crm, sandboxes[name].settings) for name, crm in ACCOUNTS}
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "SALESFORCE_", "CONNECTOR_"))
    }
    env.update(FAST_RETRIES)
    env.update(secrets)
    state = folder / "state.sqlite"
    env.update(
        {
            "CONNECTOR_ACCOUNTS_FILE": str(accounts_file),
            "CONNECTOR_STATE_URL": str(state),
            "CONNECTOR_AS_OF": DEFAULT_NOW.isoformat(),
        }
    )
    return env, state


def _connector(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_each_account_runs_with_its_own_crm_credentials_and_lock(
    setup: tuple[dict[str, str], Path], sandboxes: dict[str, RunningSandbox]
) -> None:
    env, state = setup
    for name, _crm in ACCOUNTS:
        before = sandboxes[name].sandbox.log.records_written()
        done = _connector(env, "backfill", "--account", name, "--json")
        assert done.returncode == 0, done.stderr
        assert _json(done)["outcome"] == "ok"
        assert sandboxes[name].sandbox.log.records_written() > before  # its own CRM, written

    listed = _connector(env, "accounts", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in _json(listed)["accounts"]}
    assert list(rows) == [name for name, _ in ACCOUNTS]
    for name, crm in ACCOUNTS:
        assert rows[name]["crm"] == crm
        assert rows[name]["last_run"]["kind"] == "backfill"
        assert rows[name]["last_run"]["outcome"] == "ok"
        assert rows[name]["watermark"] is not None
        assert rows[name]["lock"] is None
        assert rows[name]["missing_credentials"] == []

    # A second run of one account while its lock is held exits 3; the others go on.
    store = StateStore.open(str(state))
    store.acquire_lock("globex-hubspot", "sync", stale_after=timedelta(hours=1))
    try:
        held = _connector(env, "accounts", "list", "--json")
        locked = {row["name"]: row["lock"] for row in _json(held)["accounts"]}
        assert locked["globex-hubspot"]["pid"] == os.getpid()
        assert locked["acme-hubspot"] is None

        everything = _connector(env, "sync", "--all-accounts", "--json")
        assert everything.returncode == 3, everything.stderr
        results = {row["account"]: row for row in _json(everything)["accounts"]}
        assert {name: row["exit_code"] for name, row in results.items()} == {
            "acme-hubspot": 0,
            "globex-hubspot": 3,
            "initech-salesforce": 0,
        }
        assert results["acme-hubspot"]["summary"]["kind"] == "sync"
        assert results["initech-salesforce"]["summary"]["outcome"] == "ok"
        assert "another run" in results["globex-hubspot"]["summary"]["message"]
        assert results["globex-hubspot"]["summary"]["account"] == "globex-hubspot"
    finally:
        store.release_lock("globex-hubspot")
    after = _connector(env, "sync", "--account", "globex-hubspot", "--json")
    assert after.returncode == 0, after.stderr

    # No secret value anywhere the operator looks: the file, the outputs, the state store.
    secrets = [value for variable, value in env.items() if variable.endswith(SECRET_WORDS)]
    seen = listed.stdout + listed.stderr + everything.stdout + everything.stderr
    stored = state.read_bytes() + Path(env["CONNECTOR_ACCOUNTS_FILE"]).read_bytes()
    for secret in secrets:
        assert secret not in seen
        assert secret.encode() not in stored


def test_an_unset_credential_variable_stops_that_account_only_with_a_clear_error(
    setup: tuple[dict[str, str], Path],
) -> None:
    env, _state = setup
    without = {k: v for k, v in env.items() if k != "ACME_HUBSPOT_HUBSPOT_ACCESS_TOKEN"}
    done = _connector(without, "sync", "--account", "acme-hubspot")
    assert done.returncode == 2
    assert "HUBSPOT_ACCESS_TOKEN (from $ACME_HUBSPOT_HUBSPOT_ACCESS_TOKEN)" in done.stderr
    unknown = _connector(env, "sync", "--account", "umbrella")
    assert unknown.returncode == 2
    assert "no account named 'umbrella'" in unknown.stderr
    both = _connector(env, "sync", "--all-accounts", "--account", "acme-hubspot")
    assert both.returncode == 2
    assert "give neither --account nor --crm" in both.stderr


def test_all_accounts_for_people_names_each_account_and_goes_on_past_a_failure(
    setup: tuple[dict[str, str], Path],
) -> None:
    env, _state = setup
    without = {k: v for k, v in env.items() if k != "ACME_HUBSPOT_HUBSPOT_ACCESS_TOKEN"}
    # global options (before the command) reach every account's run too
    done = _connector(without, "--log-format", "json", "sync", "--all-accounts", "--dry-run")
    assert done.returncode == 2  # the highest exit code of any account
    for name, crm in ACCOUNTS:
        assert f"── {name} ({crm}) ──" in done.stderr
    run_ends = [line for line in done.stderr.splitlines() if '"event": "run_end"' in line]
    assert len(run_ends) == 2  # the two accounts that ran logged as JSON
    table = done.stdout[done.stdout.index("sync of every account") :]
    assert [line.split("│")[1:3] for line in table.splitlines() if "│" in line] == [
        [" acme-hubspot       ", "         2 "],
        [" globex-hubspot     ", "         0 "],
        [" initech-salesforce ", "         0 "],
    ]
