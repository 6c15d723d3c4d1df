"""Accounts per worker: many HubSpot accounts synced on a schedule by 1, 2 or 4 workers.

For each worker count: a fresh PostgreSQL database as the state store and queue, N HubSpot
sandboxes of C contacts each (served by this process), every account backfilled once (not
measured), then W `connector worker` processes run for R schedule intervals while this process
changes 1 % of each account's contacts every interval. Measured from the state store's run
history: the schedule lag of each sync (its start minus the moment it fell due: the previous
run's start plus the interval) as p50/p95, and the connector's CPU seconds per account-sync
(the run's own process, imports included: `counts.cpu_ms`).

    python bench/accounts_bench.py \
        --postgres postgresql+psycopg://connector@127.0.0.1:55432/postgres \
        --accounts 50 --contacts 1000 --every 120 --rounds 3 --workers 1 2 4

Results go to bench/results/accounts-<accounts>x<contacts>.json and one line per worker count.
"""

import argparse
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from connector.sandbox.common.config import SandboxConfig  # noqa: E402
from connector.sandbox.launch import RunningSandbox, start_sandbox  # noqa: E402
from connector.sandbox.seed import DEFAULT_NOW  # noqa: E402
from connector.sync.state import StateStore  # noqa: E402


def _database(server: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server.rsplit('/', 1)[0]}/{name}"


def _contact_ids(running: RunningSandbox) -> list[str]:
    base, token = running.url.rstrip("/"), running.settings["HUBSPOT_ACCESS_TOKEN"]
    ids: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"after": after} if after else {})}
        body = requests.get(
            f"{base}/crm/v3/objects/contacts",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        ids += [row["id"] for row in body["results"]]
        after = body.get("paging", {}).get("next", {}).get("after")
        if not after:
            return ids


def _change(running: RunningSandbox, ids: list[str], share: float, mark: int) -> None:
    """A person's edit on `share` of the account's contacts (moves their modification stamp)."""
    base, token = running.url.rstrip("/"), running.settings["HUBSPOT_ACCESS_TOKEN"]
    chosen = random.sample(ids, max(1, round(len(ids) * share)))
    for start in range(0, len(chosen), 100):
        inputs = [
            {"id": cid, "properties": {"jobtitle": f"Head of Growth {mark}"}}
            for cid in chosen[start : start + 100]
        ]
        requests.post(
            f"{base}/crm/v3/objects/contacts/batch/update",
            json={"inputs": inputs},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).raise_for_status()


def _accounts_file(folder: Path, sandboxes: dict[str, RunningSandbox], every: int) -> Path:
    lines = ["accounts:"]
    for name, running in sandboxes.items():
        lines += [f"  - name: {name}", "    crm: hubspot", f"    mappings: {REPO / 'mappings'}"]
        lines += [f"    every: {every}", "    credentials:"]
        lines.append(f"      HUBSPOT_ACCESS_TOKEN: TOKEN_{name.upper().replace('-', '_')}")
        lines += ["    settings:", f"      HUBSPOT_BASE_URL: '{running.url}'"]
    path = folder / "accounts.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(args: argparse.Namespace, workers: int) -> dict[str, Any]:
    state_url = _database(args.postgres)
    folder = Path(tempfile.mkdtemp(prefix="accounts-bench-"))
    sandboxes = {
        f"acct-{n:02d}": start_sandbox(
            "hubspot", SandboxConfig(contacts=args.contacts, seed=500 + n), folder / f"tls{n}"
        )
        for n in range(args.accounts)
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBSPOT_", "CONNECTOR_"))}
    env.update(
        {
            f"TOKEN_{name.upper().replace('-', '_')}": running.settings["HUBSPOT_ACCESS_TOKEN"]
            for name, running in sandboxes.items()
        }
    )
    env.update(
        {
            "CONNECTOR_STATE_URL": state_url,
            "CONNECTOR_ACCOUNTS_FILE": str(_accounts_file(folder, sandboxes, args.every)),
            "CONNECTOR_AS_OF": DEFAULT_NOW.isoformat(),
            "CONNECTOR_LOG_LEVEL": "warning",
        }
    )
    ids = {name: _contact_ids(running) for name, running in sandboxes.items()}
    for name in sandboxes:  # every account's first run, not measured
        subprocess.run(
            [sys.executable, "-m", "connector", "backfill", "--account", name, "--json"],
            env=env,
            cwd=REPO,
            capture_output=True,
            check=True,
        )
    stop = threading.Event()

    def changer() -> None:
        mark = 0
        while not stop.wait(args.every):
            mark += 1
            for name, running in sandboxes.items():
                _change(running, ids[name], args.changed, mark)

    threading.Thread(target=changer, daemon=True).start()
    command = [sys.executable, "-m", "connector", "worker", "--concurrency", str(args.concurrency)]
    command += ["--tick-seconds", str(args.tick)]
    started = time.time()
    processes = [
        subprocess.Popen(
            [*command, "--name", f"w{n}"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    time.sleep(args.every * args.rounds + args.tick)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=120)
    stop.set()
    store = StateStore.open(state_url)
    lags: list[float] = []
    cpu: list[float] = []
    syncs = 0
    for name in sandboxes:
        runs = sorted(store.last_runs(name, 1000), key=lambda run: run["started_at"])
        for earlier, later in itertools.pairwise(runs):
            # a sync that followed a sync of this measurement: the schedule's own lag
            if earlier["kind"] != "sync" or earlier["started_at"].timestamp() < started:
                continue
            syncs += 1
            due = earlier["started_at"].timestamp() + args.every
            lags.append(max(0.0, later["started_at"].timestamp() - due))
            if later.get("counts"):
                cpu.append(later["counts"].get("cpu_ms", 0) / 1000)
    for running in sandboxes.values():
        running.stop()
    expected = args.accounts * (args.rounds - 1)  # the first sync of each has no sync before
    return {
        "workers": workers,
        "concurrency": args.concurrency,
        "accounts": args.accounts,
        "contacts": args.contacts,
        "every_seconds": args.every,
        "rounds": args.rounds,
        "syncs_run": syncs,
        "syncs_expected": expected,
        "lag_p50_seconds": _percentile(lags, 0.5),
        "lag_p95_seconds": _percentile(lags, 0.95),
        "cpu_per_sync_seconds_median": statistics.median(cpu) if cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a server URL; one database per run")
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--every", type=int, default=120, help="schedule interval, seconds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--tick", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    results = []
    for count in args.workers:
        result = measure(args, count)
        print(json.dumps(result))
        results.append(result)
    out = REPO / "bench" / "results" / f"accounts-{args.accounts}x{args.contacts}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
