"""`connector whatif` from the snapshot: people decided twice per second, and peak memory.

    python bench/whatif_bench.py --contacts 100000            # build the snapshot, then time it

A snapshot of N people is built from the sandbox's deterministic seed (the same generator the
demo and the sandboxes use) straight into a SQLite state store, in pages as a backfill writes it;
then a fresh interpreter (so its peak RSS is its own) decides everyone with the shipped rules and
with the MQL threshold lowered from 100 to 50, streaming the snapshot, on one core.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PAGE = 1000


def build(state: Path, contacts: int, seed: int = 42) -> float:
    from connector.sandbox.seed import DEFAULT_NOW, SeedData, SeedSpec
    from connector.sync.snapshot import PeopleSnapshot
    from connector.sync.state import StateStore

    store = StateStore.open(str(state))
    snapshot = PeopleSnapshot(store.engine)
    began = time.perf_counter()
    page = []
    for item in SeedData(SeedSpec(contacts=contacts, seed=seed)).contacts():
        page.append((item.contact, item.engagements))
        if len(page) == PAGE:
            snapshot.save("bench", page, DEFAULT_NOW)
            page = []
    snapshot.save("bench", page, DEFAULT_NOW)
    return time.perf_counter() - began


def decide(state: Path) -> dict[str, float | int]:
    from connector.insight.whatif import what_if
    from connector.mapping.loader import load_rules
    from connector.sandbox.seed import DEFAULT_NOW, SeedData, SeedSpec
    from connector.sync.snapshot import PeopleSnapshot
    from connector.sync.state import StateStore

    live = load_rules(REPO / "mappings" / "rules.yaml")
    data = live.model_dump(by_alias=True)
    data["lifecycle"]["mql"]["min_score"] = 50
    proposed = type(live).model_validate(data)
    owners = SeedData(SeedSpec(contacts=1, seed=42)).owners
    store = StateStore.open(str(state))
    began, cpu_began = time.perf_counter(), time.process_time()
    result = what_if(
        PeopleSnapshot(store.engine).people("bench"),
        live,
        proposed,
        owners,
        store.routing_state("bench"),
        DEFAULT_NOW,
    )
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu_began
    peak_kb = next(
        int(line.split()[1])
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    return {
        "people": result.people,
        "skipped": result.skipped,
        "people_changed": result.people_changed,
        "mql_gained": result.mql_gained,
        "tasks_added": result.tasks_added,
        "seconds": round(seconds, 1),
        "people_per_second": round((result.people + result.skipped) / seconds),
        # CPU time of the one core it ran on: what the run costs without the machine's other
        # load (the wall time above includes waiting for a core on a shared machine)
        "cpu_seconds": round(cpu_seconds, 1),
        "people_per_cpu_second": round((result.people + result.skipped) / cpu_seconds),
        "peak_rss_mb": round(peak_kb / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, nargs="+", default=[10_000])
    parser.add_argument("--decide", type=Path, help=argparse.SUPPRESS)  # the measured child
    args = parser.parse_args()
    if args.decide:
        print(json.dumps(decide(args.decide)))
        return
    results = []
    for contacts in args.contacts:
        with tempfile.TemporaryDirectory() as work:
            state = Path(work) / "state.sqlite"
            built = build(state, contacts)
            child = subprocess.run(
                [sys.executable, __file__, "--decide", str(state)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(child.stdout) | {
                "contacts": contacts,
                "snapshot_build_seconds": round(built, 1),
                "snapshot_mb": round(state.stat().st_size / 2**20),
            }
        print(json.dumps(figures))
        results.append(figures)
    out = REPO / "bench" / "results" / f"whatif-{'-'.join(map(str, args.contacts))}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
