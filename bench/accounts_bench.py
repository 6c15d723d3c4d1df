"""Accounts per worker: many HubSpot accounts synced on a schedule by 1, 2 or 4 workers.

N HubSpot sandboxes of C contacts each (served by this process) and one PostgreSQL database,
the *template*, in which every account is backfilled once and synced once (the first sync
after a backfill re-reads what the backfill wrote, README "Found, not fixed"). That is paid
once: each measured run then starts from a copy of it (`CREATE DATABASE ... TEMPLATE`, a file
copy on the server) against the same sandboxes, which simply move on — each run's first sync
per account catches up on what the runs before it changed, and is not measured.

A measured run (`--run WORKERS:SECONDS`, any number of them): W `connector worker` processes
with every account due every SECONDS, for R intervals, while this process edits 1 % of each
account's contacts every interval (half an interval after the run started, so an edit never
races the sync it is meant for). From the copy's run history:

- the schedule lag of each sync: its start minus the moment it fell due (the account's
  previous start plus the interval). A sync that fell due before the workers were stopped
  but had not started by then counts with its lag so far (a lower bound, `censored`), so a
  worker that falls behind shows it instead of dropping those syncs;
- the connector's CPU seconds per account-sync (`counts.cpu_ms`: the run's own forked
  process, user + system, which a loaded machine stretches in wall time but not in CPU);
- the runs that failed (an outcome other than ok / finished_with_rejects, or a queue job
  that failed).

The first sync of each account in a run has no measured sync before it: it is the catch-up,
left out of both figures.

    python bench/accounts_bench.py \
        --postgres postgresql+psycopg://postgres@127.0.0.1:55432/postgres \
        --accounts 50 --contacts 2000 --rounds 3 --run 1:120 2:120 4:120 1:60

Results go to bench/results/accounts-<accounts>x<contacts>.json (the preparation's cost and
one entry per run) and one JSON line per run on stdout.
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
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
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

#: outcomes of a run that did its job (rejected records are the records' fault, reported)
GOOD_OUTCOMES = ("ok", "finished_with_rejects")


def _libpq(url: str) -> str:
    return url.replace("+psycopg", "")


def _database(server: str, template: str | None = None) -> str:
    """A new database on `server` (a copy of `template` if given); its SQLAlchemy URL."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        copy = f" TEMPLATE {template}" if template else ""
        connection.execute(f"CREATE DATABASE {name}{copy}")  # names are ours: hex only
    return f"{server.rsplit('/', 1)[0]}/{name}"


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _drop(server: str, url: str) -> None:
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {_name(url)} WITH (FORCE)")


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


def _change(running: RunningSandbox, ids: list[str], share: float, mark: int) -> int:
    """A person's edit on `share` of the account's contacts (moves their modification stamp),
    through the batch update API (100 inputs a call, HubSpot's batch limit)."""
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
    return len(chosen)


def _accounts_file(folder: Path, sandboxes: dict[str, RunningSandbox], every: int) -> Path:
    lines = ["accounts:"]
    for name, running in sandboxes.items():
        lines += [f"  - name: {name}", "    crm: hubspot", f"    mappings: {REPO / 'mappings'}"]
        lines += [f"    every: {every}", "    credentials:"]
        lines.append(f"      HUBSPOT_ACCESS_TOKEN: TOKEN_{name.upper().replace('-', '_')}")
        lines += ["    settings:", f"      HUBSPOT_BASE_URL: '{running.url}'"]
    path = folder / f"accounts-{every}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (no interpolation: a value that was measured)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Fleet:
    """The accounts: their sandboxes, contact ids and the environment a run needs."""

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.folder = folder
        began = time.perf_counter()
        self.sandboxes = {
            f"acct-{n:02d}": start_sandbox(
                "hubspot", SandboxConfig(contacts=args.contacts, seed=500 + n), folder / f"tls{n}"
            )
            for n in range(args.accounts)
        }
        self.seed_seconds = time.perf_counter() - began
        self.ids = {name: _contact_ids(running) for name, running in self.sandboxes.items()}

    def env(self, state_url: str, every: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBSPOT_", "CONNECTOR_"))}
        env.update(
            {
                f"TOKEN_{name.upper().replace('-', '_')}": running.settings["HUBSPOT_ACCESS_TOKEN"]
                for name, running in self.sandboxes.items()
            }
        )
        env.update(
            {
                "CONNECTOR_STATE_URL": state_url,
                "CONNECTOR_ACCOUNTS_FILE": str(_accounts_file(self.folder, self.sandboxes, every)),
                "CONNECTOR_AS_OF": DEFAULT_NOW.isoformat(),
                "CONNECTOR_LOG_LEVEL": "warning",
            }
        )
        return env

    def stop(self) -> None:
        for running in self.sandboxes.values():
            running.stop()


def _cli_runs(fleet: Fleet, env: dict[str, str], command: str, parallel: int) -> float:
    """`connector COMMAND --account NAME` for every account, `parallel` at a time; wall s."""

    def one(name: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "connector", command, "--account", name, "--json"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{command} of {name} exited {done.returncode}: {done.stderr}")

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(one, fleet.sandboxes))
    return time.perf_counter() - began


def _run_cpu(store: StateStore, accounts: list[str], kind: str) -> list[float]:
    cpu = []
    for name in accounts:
        for run in store.last_runs(name, 100):
            if run["kind"] == kind and run.get("counts"):
                cpu.append(run["counts"].get("cpu_ms", 0) / 1000)
    return cpu


def prepare(args: argparse.Namespace, fleet: Fleet) -> tuple[str, dict[str, Any]]:
    """The template database: every account backfilled, then synced once (not measured)."""
    template = _database(args.postgres)
    # The schema first, in this process: two runs opening a fresh PostgreSQL store at the same
    # moment both create its tables and one fails (README, "Found, not fixed").
    StateStore.open(template).engine.dispose()
    env = fleet.env(template, 900)
    backfill_wall = _cli_runs(fleet, env, "backfill", args.parallel)
    settle_wall = _cli_runs(fleet, env, "sync", args.parallel)
    store = StateStore.open(template)
    try:
        backfill_cpu = _run_cpu(store, list(fleet.sandboxes), "backfill")
        settle_cpu = _run_cpu(store, list(fleet.sandboxes), "sync")
    finally:
        store.engine.dispose()  # a template must have no open connection to be copied
    return template, {
        "seed_seconds": fleet.seed_seconds,
        "backfill_wall_seconds": backfill_wall,
        "backfill_cpu_seconds_total": sum(backfill_cpu),
        "backfill_cpu_seconds_median": statistics.median(backfill_cpu),
        "first_sync_wall_seconds": settle_wall,
        "first_sync_cpu_seconds_median": statistics.median(settle_cpu),
        "parallel": args.parallel,
    }


def _failed_jobs(state_url: str) -> dict[str, int]:
    """Queue jobs that failed, by task (the schedule's own, or an account's run)."""
    with psycopg.connect(_libpq(state_url)) as connection:
        rows = connection.execute(
            "SELECT task_name, count(*) FROM procrastinate_jobs WHERE status = 'failed' "
            "GROUP BY task_name"
        ).fetchall()
    return {str(task): int(count) for task, count in rows}


def measure(
    args: argparse.Namespace, fleet: Fleet, template: str, workers: int, every: int, rounds: int
) -> dict[str, Any]:
    state_url = _database(args.postgres, _name(template))
    env = fleet.env(state_url, every)
    stop = threading.Event()
    edited = [0]

    def changer() -> None:
        mark = 0
        if stop.wait(every / 2):
            return
        while True:
            mark += 1
            for name, running in fleet.sandboxes.items():
                edited[0] += _change(running, fleet.ids[name], args.changed, mark)
            if stop.wait(every):
                return

    command = [sys.executable, "-m", "connector", "worker", "--concurrency", str(args.concurrency)]
    command += ["--tick-seconds", str(args.tick)]
    started = time.time()
    threading.Thread(target=changer, daemon=True).start()
    # Each worker's stderr (its warnings, a failed job's traceback, the runs' own errors) in a
    # file of the run's folder, so that a failure can be read after the run.
    logs = [fleet.folder / f"worker-{workers}x{every}-w{n}.log" for n in range(workers)]
    processes = [
        subprocess.Popen(
            [*command, "--name", f"w{n}"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        for n, log in enumerate(logs)
    ]
    time.sleep(every * rounds + args.tick)
    stopped = time.time()
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    stop.set()
    store = StateStore.open(state_url)
    lags: list[float] = []
    lags_by_round: dict[int, list[float]] = {}
    cpu: list[float] = []
    syncs = censored = failed = 0
    try:
        for name in fleet.sandboxes:
            history = store.last_runs(name, 1000)
            runs = sorted(
                (run for run in history if run["started_at"].timestamp() >= started),
                key=lambda run: run["started_at"],
            )
            failed += sum(1 for run in runs if run["outcome"] not in GOOD_OUTCOMES)
            for number, (earlier, later) in enumerate(itertools.pairwise(runs), start=1):
                syncs += 1
                due = earlier["started_at"].timestamp() + every
                lag = max(0.0, later["started_at"].timestamp() - due)
                lags.append(lag)
                lags_by_round.setdefault(number, []).append(lag)
                if later.get("counts"):
                    cpu.append(later["counts"].get("cpu_ms", 0) / 1000)
            # due before the stop (and a tick to be seen) but never started: lag so far
            if runs and runs[-1]["started_at"].timestamp() + every + args.tick < stopped:
                censored += 1
                lags.append(stopped - runs[-1]["started_at"].timestamp() - every)
    finally:
        store.engine.dispose()
    failed_jobs = _failed_jobs(state_url)
    _drop(args.postgres, state_url)
    return {
        "workers": workers,
        "concurrency": args.concurrency,
        "tick_seconds": args.tick,
        "accounts": args.accounts,
        "contacts": args.contacts,
        "every_seconds": every,
        "rounds": rounds,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "contacts_edited": edited[0],
        "syncs_run": syncs,
        "syncs_expected": args.accounts * (rounds - 1),
        "syncs_due_not_started": censored,
        "lag_p50_seconds": _percentile(lags, 0.5),
        "lag_p95_seconds": _percentile(lags, 0.95),
        "lag_max_seconds": max(lags) if lags else None,
        "lag_p95_by_round": {n: _percentile(v, 0.95) for n, v in sorted(lags_by_round.items())},
        "cpu_per_sync_seconds_median": statistics.median(cpu) if cpu else None,
        "cpu_per_sync_seconds_p95": _percentile(cpu, 0.95),
        "cpu_seconds_total": sum(cpu),
        "runs_failed": failed,
        "jobs_failed": failed_jobs,
        "worker_logs": [str(log) for log in logs],
    }


def _plan(text: str) -> tuple[int, int, int | None]:
    """WORKERS:SECONDS[:ROUNDS]"""
    parts = [int(part) for part in text.split(":")]
    return parts[0], parts[1], parts[2] if len(parts) > 2 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a server URL; one database per run")
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--tick", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=2, help="backfills at once (template)")
    parser.add_argument(
        "--run",
        type=_plan,
        nargs="+",
        default=[(1, 120, None), (2, 120, None), (4, 120, None)],
        help="WORKERS:SECONDS[:ROUNDS], one measured run each (SECONDS: the schedule "
        "interval, >= 60; ROUNDS: --rounds unless given)",
    )
    parser.add_argument("--out", type=Path, default=None, help="result file (JSON)")
    args = parser.parse_args()
    out = args.out or REPO / "bench" / "results" / f"accounts-{args.accounts}x{args.contacts}.json"
    folder = Path(tempfile.mkdtemp(prefix="accounts-bench-"))
    fleet = Fleet(args, folder)
    result: dict[str, Any] = {"runs": []}
    try:
        template, result["prepare"] = prepare(args, fleet)
        print(json.dumps(result["prepare"]), flush=True)
        for workers, every, rounds in args.run:
            measured = measure(args, fleet, template, workers, every, rounds or args.rounds)
            print(json.dumps(measured), flush=True)
            result["runs"].append(measured)
            out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
