"""The connector's side of a benchmark run, in a process of its own.

`run.py` starts this script once per measured run (backfill or sync) with a JSON job on stdin
and reads one JSON result from stdout. A fresh interpreter is what makes the peak RSS the
connector's alone: the sandbox serving a million contacts lives in the parent and holds
gigabytes, and a forked child would count the parent's pages as its own.

The worker builds the adapter from the same settings a user would set (base/login URL,
credentials, CA file), the engine with the rules in mappings/ and a SQLite state store that
persists between the worker runs of one scenario, so a sync continues from the backfill's
watermark exactly as two CLI runs would.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from connector.adapters.base import CrmAdapter
from connector.adapters.hubspot import HubSpotAdapter, HubSpotSettings
from connector.adapters.salesforce import SalesforceAdapter, SalesforceSettings
from connector.mapping.crm_schema import HubSpotMapping, SalesforceMapping
from connector.mapping.loader import load_mapping_dir
from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.state import StateStore


def _status_kb(field: str) -> int:
    """A line of /proc/self/status in kB (VmRSS now, VmHWM the peak so far)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _count_actions(adapter: CrmAdapter) -> Counter[str]:
    """Logical requests per action ("list contacts", "read Tasks", ...), counted by wrapping
    the client's one send/call method. The adapters' own usage counts by endpoint, and on
    Salesforce one endpoint (GET /query) serves contacts, engagement and owners alike; the
    action is what tells a contact read from an engagement read."""
    actions: Counter[str] = Counter()
    client: Any = adapter.client  # type: ignore[attr-defined]
    name = "send" if isinstance(adapter, HubSpotAdapter) else "call"
    original = getattr(client, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        actions[str(kwargs.get("action", "?"))] += 1
        return original(*args, **kwargs)

    setattr(client, name, counted)
    return actions


def build_adapter(job: dict[str, Any]) -> CrmAdapter:
    mappings = load_mapping_dir(Path(job["mappings"]))
    mapping = mappings.crms[job["crm"]]
    settings: dict[str, Any] = job["settings"]
    if job["crm"] == "hubspot":
        assert isinstance(mapping, HubSpotMapping)
        return HubSpotAdapter(HubSpotSettings(_env_file=None, **settings), mapping)  # type: ignore[call-arg]
    assert isinstance(mapping, SalesforceMapping)
    return SalesforceAdapter(SalesforceSettings(_env_file=None, **settings), mapping)  # type: ignore[call-arg]


def run(job: dict[str, Any]) -> dict[str, Any]:
    """One backfill or sync; what it did, what it cost and how much memory it took."""
    adapter = build_adapter(job)
    actions = _count_actions(adapter)
    mappings = load_mapping_dir(Path(job["mappings"]))
    store = StateStore.open(job["state"])
    # Decide at the seed's reference time, as the tests do: the seeded histories are then as
    # fresh as they were generated to be, and every run decides the same.
    engine = SyncEngine(
        adapter, mappings.rules, store, account=job["crm"], clock=lambda: DEFAULT_NOW
    )
    rss_before_kb = _status_kb("VmRSS")
    began = time.perf_counter()
    if job["kind"] == "backfill":
        summary = engine.backfill(RunOptions())
    else:
        summary = engine.sync(RunOptions())
    wall = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    pacer = getattr(getattr(adapter, "client", None), "pacer", None)
    return {
        "kind": job["kind"],
        "outcome": summary.outcome,
        "exit_code": summary.exit_code,
        "message": summary.message,
        "wall_seconds": wall,
        "rss_before_run_mb": rss_before_kb / 1024,
        "peak_rss_mb": peak_kb / 1024,
        "counts": summary.counts(),
        "contacts_read": summary.contacts_read,
        "updates_applied": summary.updates_applied,
        "tasks_created": summary.tasks_created,
        "tasks_already_existed": summary.tasks_already_existed,
        "rejected": len(summary.rejected),
        "skipped": len(summary.skipped),
        "api_calls": {name: use.model_dump() for name, use in adapter.usage.by_endpoint().items()},
        "actions": dict(actions),
        "pacer_waited_seconds": getattr(pacer, "waited_seconds", None),
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    result = run(job)
    sys.stdout.write(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
