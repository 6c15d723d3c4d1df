"""Benchmarks of the connector against the in-process CRM sandboxes.

    python bench/run.py backfill  --crm hubspot --contacts 10000 100000
    python bench/run.py sync      --crm salesforce --contacts 10000
    python bench/run.py ratelimit --contacts 10000 --rate-limit 100
    python bench/run.py changes   --contacts 10000
    python bench/run.py engine
    python bench/run.py changes   --contacts 10000          # HubSpot change detection, no echo
    python bench/run.py all       --contacts 10000 100000

The sandbox runs in this process; every measured connector run (backfill, sync) runs in a fresh
child process (bench/worker.py), so its peak RSS is the connector's and not the sandbox's, and
the two share the machine's cores instead of one interpreter's lock. Each command prints a table
and writes its figures to bench/results/*.json. See bench/README.md for what the numbers mean.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, select, update

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.launch import RunningSandbox, start_sandbox
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.sync.schema import contact_due
from connector.sync.state import StateStore

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MAPPINGS = ROOT / "mappings"
RESULTS = BENCH / "results"
WORKER = BENCH / "worker.py"
#: BENCH_WATCH_MEMORY=1 records where each worker's RSS grew (a diagnostic; slightly slower).
WATCH_MEMORY = os.environ.get("BENCH_WATCH_MEMORY") == "1"
#: BENCH_PROFILE=1 runs each worker under cProfile and writes bench/results/profiles/*.prof and
#: a top-15 .txt next to it (a diagnostic: the profiler inflates the run's CPU seconds).
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
#: BENCH_CPU_SPLIT=0 leaves out the worker's per-call CPU timers (rules / adapter split): they
#: add CPU of their own per person and per engagement record, so the connector's own CPU per
#: 1,000 contacts is measured without them (the worker reads it from the environment).
#: BENCH_TAG=before appends "-before" to the result file's name, so a before/after pair of the
#: same scenario can sit side by side in bench/results/.
TAG = f"-{os.environ['BENCH_TAG']}" if os.environ.get("BENCH_TAG") else ""
#: BENCH_WORKER_PREFIX="valgrind --tool=cachegrind --cache-sim=no" runs each worker under that
#: command: a sampling profiler, or an instruction count that a loaded machine does not move.
WORKER_PREFIX = shlex.split(os.environ.get("BENCH_WORKER_PREFIX", ""))

#: The batch size of the issue's minimum: HubSpot batches 100 inputs, Salesforce 200 records.
MIN_BATCH = {"hubspot": 100, "salesforce": 200}
CHANGED_SHARE = 0.01
#: Larger scenarios skip the sync right after the backfill: it re-reads every contact the
#: backfill wrote and takes about as long as the backfill (most of an hour at a million).
SETTLE_BY_SYNC_UP_TO = 100_000
CALL_TARGET = 1.05
#: The objects each CRM's change detection follows besides the people themselves, one search or
#: QueryAll each per sync at least: HubSpot meetings, calls, companies, deals; Salesforce Task,
#: Event, CampaignMember, OpportunityContactRole (by Opportunity), Contact (by Account).
FOLLOWED_OBJECTS = {"hubspot": 4, "salesforce": 5}
#: Issue #13's goal for change detection and due re-evaluation: all calls within 1.1x of reading
#: exactly the changed and due people plus one page per followed object.
DETECTION_TARGET = 1.1


# ---- classifying calls ----------------------------------------------------------------------


def category(action: str) -> str:
    """Which part of the cost an adapter action is: the three the issue's minimum counts
    (contact reads, contact writes, task creates) or what it leaves out."""
    if action in ("list contacts", "search contacts") or (
        action.startswith("read ") and action.endswith(" records")
    ):
        return "contact_reads"
    if action == "update contacts" or (
        action.startswith("update ") and action.endswith("Salesforce records")
    ):
        return "contact_writes"
    if action == "create tasks" or (
        action.startswith("create ") and action.endswith("Salesforce tasks")
    ):
        return "task_creates"
    if action == "look up existing tasks":
        return "task_key_lookups"
    if action.startswith(("count ", "list ")):
        return "per_run_fixed"
    return "associated_records"


def cost(crm: str, run: dict[str, Any], needed_reads: int) -> dict[str, Any]:
    """Calls measured vs the issue's minimum: ⌈needed/B⌉ reads + ⌈updates/B⌉ writes +
    ⌈tasks/B⌉ creates, B = 100 (HubSpot) or 200 (Salesforce)."""
    batch = MIN_BATCH[crm]
    minimum = {
        "contact_reads": math.ceil(needed_reads / batch),
        "contact_writes": math.ceil(run["updates_applied"] / batch),
        "task_creates": math.ceil(run["tasks_created"] / batch),
    }
    by_category: dict[str, int] = {}
    for action, calls in run["actions"].items():
        by_category[category(action)] = by_category.get(category(action), 0) + calls
    total = sum(use["calls"] for use in run["api_calls"].values())
    # Logins and retried attempts are counted by the adapter but are no logical action.
    by_category["other"] = total - sum(by_category.values())
    in_formula = sum(by_category.get(name, 0) for name in minimum)
    minimum_total = sum(minimum.values())
    per_thousand = 1000 / max(needed_reads, 1)
    return {
        "minimum": minimum,
        "minimum_total": minimum_total,
        "measured": by_category,
        "measured_in_formula": in_formula,
        "measured_total": total,
        "ratio_in_formula": in_formula / minimum_total if minimum_total else None,
        "ratio_total": total / minimum_total if minimum_total else None,
        "per_1000_contacts": {
            "minimum": minimum_total * per_thousand,
            "in_formula": in_formula * per_thousand,
            "total": total * per_thousand,
        },
    }


#: Objects a person lives in: HubSpot contacts; Salesforce Leads and Contacts (a query each).
PERSON_OBJECTS = {"hubspot": 1, "salesforce": 2}


def detection_floor(crm: str, people: int) -> int:
    """Issue #13's floor for a sync: reading exactly the changed and due people (⌈people/B⌉
    pages, B = 100 on HubSpot and 200 on Salesforce, at least one per object a person lives in)
    plus one page per followed object."""
    reads = math.ceil(people / MIN_BATCH[crm])
    return (
        max(reads + (PERSON_OBJECTS[crm] - 1 if people else 0), PERSON_OBJECTS[crm])
        + (FOLLOWED_OBJECTS[crm])
    )


def detection_goal(crm: str, run: dict[str, Any], people: int) -> dict[str, Any]:
    """Calls of a sync against issue #13's floor (`detection_floor`)."""
    floor = detection_floor(crm, people)
    total = sum(use["calls"] for use in run["api_calls"].values())
    return {"people": people, "floor": floor, "calls": total, "ratio": total / floor}


def make_due(state: Path, account: str, share: float, at: datetime) -> int:
    """Make every 1/share-th person (by id) due at `at` in the state store, as if their stored
    due time had come: what a sync re-decides then is exactly those people, read by id."""
    engine = create_engine(f"sqlite:///{state}")
    step = round(1 / share)
    with engine.begin() as tx:
        ids = list(
            tx.execute(
                select(contact_due.c.contact_id)
                .where(contact_due.c.account == account)
                .order_by(contact_due.c.contact_id)
            ).scalars()
        )[step // 3 :: step]
        for start in range(0, len(ids), 500):
            tx.execute(
                update(contact_due)
                .where(
                    contact_due.c.account == account,
                    contact_due.c.contact_id.in_(ids[start : start + 500]),
                )
                .values(due_at=at)
            )
    engine.dispose()
    return len(ids)


# ---- the worker -----------------------------------------------------------------------------


def worker_settings(running: RunningSandbox, overrides: dict[str, Any]) -> dict[str, Any]:
    """The adapter settings a user would set to reach this sandbox (HUBSPOT_BASE_URL, ...), as
    settings fields."""
    prefix = "HUBSPOT_" if running.crm == "hubspot" else "SALESFORCE_"
    values: dict[str, Any] = {
        name.removeprefix(prefix).lower(): value for name, value in running.settings.items()
    }
    values.update(overrides)
    return values


def run_worker(
    running: RunningSandbox,
    kind: str,
    state: Path,
    overrides: dict[str, Any],
    decide_now: bool = False,
) -> dict[str, Any]:
    """One connector run in a fresh interpreter; the sandbox's own view of it added.
    `decide_now`: the rules decide at the wall clock instead of the seed's reference time."""
    job = {
        "decide_now": decide_now,
        "crm": running.crm,
        "kind": kind,
        "mappings": str(MAPPINGS),
        "state": str(state),
        "settings": worker_settings(running, overrides),
        "watch": WATCH_MEMORY,
        "profile": (
            str(RESULTS / "profiles" / f"{running.crm}-{kind}{TAG}.prof") if PROFILE else None
        ),
    }
    sandbox = running.sandbox
    sandbox.reset_counters()
    done = subprocess.run(
        [*WORKER_PREFIX, sys.executable, str(WORKER)],
        input=json.dumps(job, default=str),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} worker failed:\n{done.stderr[-4000:]}")
    # the worker's one JSON line; a BENCH_WORKER_PREFIX command (py-spy) prints lines of its own
    printed = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(printed[-1])
    result["sandbox_calls"] = sum(sandbox.log.calls_by_endpoint().values())
    result["sandbox_statuses"] = {str(k): v for k, v in sandbox.log.statuses().items()}
    result["failed_requests"] = sum(
        v for k, v in sandbox.log.statuses().items() if k == 0 or k >= 400
    )
    return result


def hubspot_overrides(rate_limited: bool) -> dict[str, Any]:
    """Unthrottled runs lift the client's pacing (the sandbox enforces no limit then), so wall
    time measures the connector; rate-limited runs keep HubSpot's documented defaults."""
    if rate_limited:
        return {}
    return {"burst_limit": 100_000, "search_limit_per_second": 1000}


# ---- changing 1 % of the contacts through the CRM's API -------------------------------------


def change_hubspot(sandbox: HubSpotSandbox, share: float) -> int:
    """Flip `bant_budget` (a BANT field the SQL rule reads) on every 1/share-th contact, through
    POST /crm/v3/objects/contacts/batch/update, 100 per call."""
    table = sandbox.store.tables["contacts"]
    step = round(1 / share)
    with sandbox.store.lock:
        rows = [row for row in range(0, len(table), step) if not table.is_archived(row)]
        inputs = [
            {
                "id": str(table.ids[row]),
                "properties": {
                    "bant_budget": "false" if table.get(row, "bant_budget") == "true" else "true"
                },
            }
            for row in rows
        ]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {sandbox.token}"
    for start in range(0, len(inputs), 100):
        answer = session.post(
            f"{sandbox.url}/crm/v3/objects/contacts/batch/update",
            json={"inputs": inputs[start : start + 100]},
            timeout=60,
        )
        answer.raise_for_status()
    return len(inputs)


def change_salesforce(sandbox: SalesforceSandbox, share: float) -> int:
    """Set Budget_Confirmed__c on every 1/share-th Lead and Contact, through sObject
    Collections (PATCH /composite/sobjects), 200 per call, as a sales rep (the connector
    leaves its own user's changes out of an incremental read)."""
    step = round(1 / share)
    records = [
        {"attributes": {"type": name}, "id": record_id, "Budget_Confirmed__c": True}
        for name in ("Lead", "Contact")
        for record_id in sandbox.ids_of(name)[::step]
    ]
    _salesforce_collections(sandbox, "PATCH", records)
    return len(records)


def engage_salesforce(sandbox: SalesforceSandbox, share: float) -> int:
    """Log a "Demo request" Task on every 1/share-th Lead and Contact (offset from the people
    `change_salesforce` edits), as a sales rep, through POST /composite/sobjects: the people's
    own records do not change."""
    step = round(1 / share)
    records = [
        {"attributes": {"type": "Task"}, "WhoId": who, "Subject": "Demo request"}
        for name in ("Lead", "Contact")
        for who in sandbox.ids_of(name)[step // 2 :: step]
    ]
    _salesforce_collections(sandbox, "POST", records)
    return len(records)


def _salesforce_collections(
    sandbox: SalesforceSandbox, method: str, records: list[dict[str, Any]]
) -> None:
    session = sandbox.session()
    url = f"{sandbox.url}/services/data/v59.0/composite/sobjects"
    token = sandbox.sessions.issue(sandbox.rep_user_id()).token
    headers = {"Authorization": f"Bearer {token}"}
    for start in range(0, len(records), 200):
        answer = session.request(
            method,
            url,
            json={"allOrNone": False, "records": records[start : start + 200]},
            headers=headers,
            timeout=60,
        )
        answer.raise_for_status()


def book_hubspot_meetings(sandbox: HubSpotSandbox, share: float, offset: int) -> int:
    """Book one meeting for every 1/share-th contact (from `offset`), each associated with its
    contact, through POST /crm/v3/objects/meetings/batch/create (100 per call): the contacts
    themselves are not touched."""
    table = sandbox.store.tables["contacts"]
    step = round(1 / share)
    with sandbox.store.lock:
        ids = [
            str(table.ids[row])
            for row in range(offset, len(table), step)
            if not table.is_archived(row)
        ]
    when = datetime.now(UTC).isoformat()
    inputs = [
        {
            "properties": {"hs_timestamp": when, "hs_meeting_outcome": "SCHEDULED"},
            "associations": [
                {
                    "to": {"id": contact_id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 200}],
                }
            ],
        }
        for contact_id in ids
    ]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {sandbox.token}"
    for start in range(0, len(inputs), 100):
        answer = session.post(
            f"{sandbox.url}/crm/v3/objects/meetings/batch/create",
            json={"inputs": inputs[start : start + 100]},
            timeout=60,
        )
        answer.raise_for_status()
    return len(inputs)


# ---- scenarios ------------------------------------------------------------------------------


def start(crm: str, contacts: int, rate_limit: int | None = None) -> tuple[RunningSandbox, float]:
    began = time.perf_counter()
    tls = Path(tempfile.mkdtemp(prefix="bench-tls-"))
    running = start_sandbox(
        crm,  # type: ignore[arg-type]
        SandboxConfig(contacts=contacts, rate_limit=rate_limit, keep_log_entries=200_000),
        tls_directory=tls,
    )
    return running, time.perf_counter() - began


def scenario(crm: str, contacts: int, with_sync: bool) -> dict[str, Any]:
    """Backfill every contact; then (with_sync) a first sync, which re-reads what the
    backfill wrote, then 1 % of the contacts changed through the API and the measured sync."""
    print(f"[{crm} {contacts:,}] seeding the sandbox ...", flush=True)
    running, seed_seconds = start(crm, contacts)
    # No overlap window on incremental reads: the default re-reads the five minutes before the
    # watermark (for a lagging search index), which here would be the backfill's own writes of
    # the last five minutes, since this benchmark does not wait between its runs.
    overrides: dict[str, Any] = (
        {**hubspot_overrides(False), "incremental_overlap_seconds": 0}
        if crm == "hubspot"
        else {"overlap": 0}
    )
    out: dict[str, Any] = {
        "crm": crm,
        "contacts": contacts,
        "seed_seconds": seed_seconds,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    try:
        with tempfile.TemporaryDirectory(prefix="bench-state-") as directory:
            state = Path(directory) / "state.sqlite"
            print(f"[{crm} {contacts:,}] backfill ...", flush=True)
            backfill = run_worker(running, "backfill", state, overrides)
            backfill["cost"] = cost(crm, backfill, contacts)
            out["backfill"] = backfill
            _show(crm, contacts, "backfill", backfill)
            if with_sync and contacts <= SETTLE_BY_SYNC_UP_TO:
                print(f"[{crm} {contacts:,}] first sync after the backfill ...", flush=True)
                echo = run_worker(running, "sync", state, overrides)
                echo["cost"] = cost(crm, echo, echo["contacts_read"])
                out["sync_after_backfill"] = echo
                _show(crm, contacts, "sync after backfill", echo)
            elif with_sync:
                # That first sync re-reads every contact the backfill wrote (see README), as long
                # a run again. The watermark it would have left — the end of the backfill — is
                # set instead.
                time.sleep(1.0)
                settled = datetime.now(UTC)
                StateStore.open(str(state)).set_watermark(crm, "contacts", settled)
                out["sync_after_backfill"] = {"skipped": True, "watermark_set_to": settled}
            if with_sync:
                # Let the modified stamps of the change land after the last sync's read window.
                time.sleep(1.0)
                changed = (
                    change_hubspot(running.sandbox, CHANGED_SHARE)  # type: ignore[arg-type]
                    if crm == "hubspot"
                    else change_salesforce(running.sandbox, CHANGED_SHARE)  # type: ignore[arg-type]
                )
                print(f"[{crm} {contacts:,}] {changed:,} changed; sync ...", flush=True)
                sync = run_worker(running, "sync", state, overrides)
                sync["changed_through_api"] = changed
                sync["cost"] = cost(crm, sync, changed)
                out["sync"] = sync
                _show(crm, contacts, "sync 1 % changed", sync)
    finally:
        running.stop()
    return out


def salesforce_change_detection(contacts: int, compare: bool = True) -> dict[str, Any]:
    """Salesforce change detection: after a backfill, the first sync (its own writes left out
    by LastModifiedById), the same sync with that filter off (a copy of the state), a quiet
    sync, a sync after 1 % of the people were edited by a rep, and one after a rep logged a
    "Demo request" Task on another 1 % (their own records unchanged)."""
    crm = "salesforce"
    print(f"[changes {contacts:,}] seeding the sandbox ...", flush=True)
    running, seed_seconds = start(crm, contacts)
    overrides: dict[str, Any] = {"overlap": 0}  # as in `scenario`: no wait between the runs
    out: dict[str, Any] = {
        "crm": crm,
        "contacts": contacts,
        "seed_seconds": seed_seconds,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    runs: dict[str, dict[str, Any]] = {}

    def measure(label: str, state: Path, extra: dict[str, Any], **kwargs: Any) -> None:
        result = run_worker(running, "sync" if runs else "backfill", state, extra, **kwargs)
        result["cost"] = cost(crm, result, result["contacts_read"])
        runs[label] = result
        _show(crm, contacts, label, result)

    try:
        with tempfile.TemporaryDirectory(prefix="bench-state-") as directory:
            state, echo_state = Path(directory) / "state.sqlite", Path(directory) / "echo.sqlite"
            measure("backfill", state, overrides)
            echo_state.write_bytes(state.read_bytes())
            measure("first sync after backfill", state, overrides)
            if compare:  # as long as the backfill: `--no-compare` leaves it out
                measure(
                    "same, own writes read", echo_state, {**overrides, "skip_own_writes": False}
                )
            measure("quiet sync", state, overrides)
            # Before the edits: a sync re-reads what changed in its watermark's second, which
            # after the edits would be the edited people again (see "Found, not fixed").
            out["due"] = make_due(state, crm, CHANGED_SHARE, DEFAULT_NOW - timedelta(minutes=1))
            measure("sync, 1 % due", state, overrides)
            time.sleep(1.0)  # the edits' stamps land after the quiet sync's read
            out["edited"] = change_salesforce(running.sandbox, CHANGED_SHARE)  # type: ignore[arg-type]
            measure("sync, 1 % edited", state, overrides)
            time.sleep(1.0)
            out["engaged"] = engage_salesforce(running.sandbox, CHANGED_SHARE)  # type: ignore[arg-type]
            measure("sync, 1 % demo request", state, overrides, decide_now=True)
    finally:
        running.stop()
    people = {
        "quiet sync": 0,
        "first sync after backfill": 0,
        "sync, 1 % edited": out.get("edited", 0),
        "sync, 1 % due": out.get("due", 0),
    }
    for label, count in people.items():
        if label in runs:
            runs[label]["goal"] = detection_goal(crm, runs[label], count)
    out["runs"] = runs
    return out


def hubspot_change_detection(contacts: int, compare: bool = True) -> dict[str, Any]:
    """HubSpot change detection, twice on a fresh sandbox each: with the echo fingerprint (this
    code) and without it (`skip_own_writes` off: how the connector read before). Each:
    backfill; the first sync after it; a quiet sync (nothing changed); 1 % of the contacts
    changed through the API, sync; 1 % of the contacts given a meeting (contact untouched),
    sync. The history is seeded up to now and the rules decide now, so booked meetings count."""
    out: dict[str, Any] = {
        "crm": "hubspot",
        "contacts": contacts,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    variants: dict[str, dict[str, Any]] = {"fingerprint": {}}
    if compare:  # the old way too (`--no-compare` leaves it out: at 100,000 it costs an hour)
        variants["no_fingerprint"] = {"skip_own_writes": False}
    for variant, extra in variants.items():
        print(f"[hubspot {contacts:,} {variant}] seeding the sandbox ...", flush=True)
        running = start_sandbox(
            "hubspot",
            SandboxConfig(
                contacts=contacts,
                keep_log_entries=200_000,
                seed_now=datetime.now(UTC).replace(microsecond=0),
            ),
        )
        overrides: dict[str, Any] = {
            **hubspot_overrides(False),
            "incremental_overlap_seconds": 0,
            **extra,
        }
        runs: dict[str, Any] = {}
        try:
            with tempfile.TemporaryDirectory(prefix="bench-state-") as directory:
                state = Path(directory) / "state.sqlite"

                def measure(label: str, needed: int, variant: str = variant) -> None:
                    time.sleep(1.0)  # stamps of what changed land after the last read window
                    kind = "backfill" if label == "backfill" else "sync"
                    run = run_worker(running, kind, state, overrides, decide_now=True)  # noqa: B023
                    run["cost"] = cost("hubspot", run, needed)
                    runs[label] = run  # noqa: B023
                    _show("hubspot", contacts, f"{variant[:6]} {label}", run)

                measure("backfill", contacts)
                measure("sync_after_backfill", 0)
                measure("quiet_sync", 0)
                due = make_due(
                    state, "hubspot", CHANGED_SHARE, datetime.now(UTC) - timedelta(minutes=1)
                )
                measure("sync_1pct_due", due)
                runs["sync_1pct_due"]["made_due"] = due
                changed = change_hubspot(running.sandbox, CHANGED_SHARE)  # type: ignore[arg-type]
                measure("sync_1pct_changed", changed)
                runs["sync_1pct_changed"]["changed_through_api"] = changed
                booked = book_hubspot_meetings(
                    running.sandbox,  # type: ignore[arg-type]
                    CHANGED_SHARE,
                    offset=50,
                )
                measure("sync_1pct_meetings", booked)
                runs["sync_1pct_meetings"]["meetings_booked"] = booked
                people = {
                    "sync_after_backfill": 0,
                    "quiet_sync": 0,
                    "sync_1pct_changed": changed,
                    "sync_1pct_due": due,
                }
                for label, count in people.items():
                    runs[label]["goal"] = detection_goal("hubspot", runs[label], count)
        finally:
            running.stop()
        out[variant] = runs
    return out


def ratelimit(contacts: int, rate_limit: int) -> dict[str, Any]:
    """A HubSpot backfill against a sandbox that enforces `rate_limit` requests per rolling
    10 s, with the adapter paced to the same limit (HUBSPOT_BURST_LIMIT) and HubSpot's search
    limit: how much of each 10 s window was used, and whether any request failed."""
    print(f"[ratelimit] seeding {contacts:,} contacts, limit {rate_limit}/10 s ...", flush=True)
    running, _ = start("hubspot", contacts, rate_limit=rate_limit)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-state-") as directory:
            state = Path(directory) / "state.sqlite"
            result = run_worker(running, "backfill", state, {"burst_limit": rate_limit})
            entries = running.sandbox.log.entries
    finally:
        running.stop()
    stamps = sorted(entry.started_at for entry in entries)
    window = timedelta(seconds=10)
    full: list[int] = []
    begin = stamps[0]
    while begin + window <= stamps[-1]:
        full.append(sum(1 for s in stamps if begin <= s < begin + window))
        begin += window
    rolling_max = 0
    low = 0
    for high, stamp in enumerate(stamps):
        while stamps[low] <= stamp - window:
            low += 1
        rolling_max = max(rolling_max, high - low + 1)
    span = (stamps[-1] - stamps[0]).total_seconds()
    result["cost"] = cost("hubspot", result, contacts)
    result["rate"] = {
        "limit_per_10s": rate_limit,
        "requests": len(stamps),
        "span_seconds": span,
        "full_windows": len(full),
        "per_window": full,
        "mean_share_of_full_windows": sum(full) / (len(full) * rate_limit) if full else None,
        "min_share_of_full_windows": min(full) / rate_limit if full else None,
        "overall_share": len(stamps) / (rate_limit * span / 10) if span else None,
        "max_in_any_rolling_10s": rolling_max,
        "status_429": result["sandbox_statuses"].get("429", 0),
    }
    rate = result["rate"]
    print(
        f"ratelimit: {rate['requests']} requests in {span:.1f} s, "
        f"{rate['mean_share_of_full_windows']:.1%} of the limit per full window "
        f"(min {rate['min_share_of_full_windows']:.1%}), max {rolling_max} in any 10 s, "
        f"{rate['status_429']} x 429, {result['failed_requests']} failed",
        flush=True,
    )
    return {"crm": "hubspot", "contacts": contacts, "backfill": result}


def engine(contacts: int, events_per_contact: int) -> dict[str, Any]:
    from engine_bench import run_engine  # bench/ is the script's directory

    result = run_engine(MAPPINGS, contacts=contacts, events_per_contact=events_per_contact)
    figures = result.as_dict()
    print(
        f"engine: {figures['events']:,} events of {figures['contacts']:,} contacts in "
        f"{figures['evaluate_seconds']:.2f} s = {figures['events_per_second']:,.0f} events/s "
        f"(scoring alone {figures['score_only_events_per_second']:,.0f} events/s)",
        flush=True,
    )
    return figures


# ---- output ---------------------------------------------------------------------------------


def _show(crm: str, contacts: int, label: str, run: dict[str, Any]) -> None:
    c = run["cost"]
    ratio_f = c["ratio_in_formula"]
    ratio_t = c["ratio_total"]
    print(
        f"  {crm:<10} {contacts:>9,} {label:<20} read {run['contacts_read']:>9,}  "
        f"upd {run['updates_applied']:>8,}  tasks {run['tasks_created']:>6,}  "
        f"calls {c['measured_total']:>7,} (formula part {c['measured_in_formula']:,}) "
        f"min {c['minimum_total']:,}  ratio {_x(ratio_f)} / total {_x(ratio_t)}  "
        f"{run['wall_seconds']:.1f} s  {run['contacts_read'] / run['wall_seconds']:,.0f}/s  "
        f"peak RSS {run['peak_rss_mb']:.0f} MB  failed {run['failed_requests']}  "
        f"CPU {run['cpu_seconds']['run']:.1f} s (with imports "
        f"{run['cpu_seconds']['with_imports']:.1f} s{_split(run['cpu_seconds'])})",
        flush=True,
    )


def _split(cpu: dict[str, Any]) -> str:
    """The CPU by part, when the run timed its parts (not under BENCH_CPU_SPLIT=0)."""
    if "outside_rules" not in cpu:
        return "; no split timers"
    return f"; outside the rules {cpu['outside_rules']:.1f}, adapter {cpu['adapter']:.1f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"wrote {path.relative_to(ROOT)}", flush=True)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("backfill", "sync", "all"):
        sub = commands.add_parser(name)
        sub.add_argument("--crm", choices=("hubspot", "salesforce"), action="append")
        sub.add_argument("--contacts", type=int, nargs="+", default=[10_000, 100_000])
    limited = commands.add_parser("ratelimit")
    limited.add_argument("--contacts", type=int, default=10_000)
    limited.add_argument("--rate-limit", type=int, default=100)
    detect = commands.add_parser("changes")
    detect.add_argument("--crm", choices=("hubspot", "salesforce"), action="append")
    detect.add_argument("--contacts", type=int, nargs="+", default=[10_000])
    detect.add_argument(
        "--no-compare",
        action="store_true",
        help="leave out how the connector read before (HubSpot: a second sandbox; "
        "Salesforce: the first sync with its own writes read)",
    )
    rules = commands.add_parser("engine")
    rules.add_argument("--contacts", type=int, default=2_000)
    rules.add_argument("--events-per-contact", type=int, default=500)
    args = parser.parse_args(argv)

    if args.command == "engine":
        save("engine", engine(args.contacts, args.events_per_contact))
        return
    if args.command == "changes":
        for crm in args.crm or ["hubspot", "salesforce"]:
            for contacts in args.contacts:
                data = (
                    hubspot_change_detection(contacts, compare=not args.no_compare)
                    if crm == "hubspot"
                    else salesforce_change_detection(contacts, compare=not args.no_compare)
                )
                save(f"changes-{crm}-{contacts}", data)
        return
    if args.command == "ratelimit":
        save(f"ratelimit-hubspot-{args.contacts}", ratelimit(args.contacts, args.rate_limit))
        return
    crms = args.crm or ["hubspot", "salesforce"]
    for crm in crms:
        for contacts in args.contacts:
            data = scenario(crm, contacts, with_sync=args.command != "backfill")
            suffix = "-backfill" if args.command == "backfill" else ""
            save(f"{crm}-{contacts}{suffix}{TAG}", data)
    if args.command == "all":
        save("ratelimit-hubspot-10000", ratelimit(10_000, 100))
        save("engine", engine(2_000, 500))


if __name__ == "__main__":
    main()
