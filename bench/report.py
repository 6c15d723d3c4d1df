"""Markdown tables of the figures in bench/results/*.json, for bench/README.md.

    python bench/report.py

The README's tables are pasted from this output, so every figure there is one a run measured.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _load() -> list[dict[str, Any]]:
    runs = []
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        # Tagged files (BENCH_TAG: CPU before/after pairs, profiled runs) only feed the CPU table.
        untagged = re.fullmatch(r"(hubspot|salesforce)-\d+(-backfill)?", path.stem) is not None
        if "backfill" in data and "crm" in data and untagged:
            runs.append(data)
    return sorted(runs, key=lambda d: (d["crm"], d["contacts"]))


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


RUN_LABELS = (
    ("backfill", "backfill"),
    ("sync_after_backfill", "first sync after it"),
    ("sync", "sync, 1 % changed"),
)


def _measured_runs(
    runs: list[dict[str, Any]],
) -> Iterator[tuple[dict[str, Any], str, dict[str, Any]]]:
    """Each scenario's measured runs, with the label the tables show them under."""
    for data in runs:
        for key, label in RUN_LABELS:
            run = data.get(key)
            if run and run.get("skipped") is not True:
                yield data, label, run


def calls_table(runs: list[dict[str, Any]]) -> str:
    rows = [
        "| CRM | contacts | run | contacts read | updates | tasks | minimum calls "
        "| measured, minimum's part | ratio | all calls | ratio, all | all calls per 1,000 |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for data, label, run in _measured_runs(runs):
        cost = run["cost"]
        rows.append(
            f"| {data['crm']} | {data['contacts']:,} | {label} | {run['contacts_read']:,} "
            f"| {run['updates_applied']:,} | {run['tasks_created']:,} "
            f"| {cost['minimum_total']:,} | {cost['measured_in_formula']:,} "
            f"| {_x(cost['ratio_in_formula'])} | {cost['measured_total']:,} "
            f"| {_x(cost['ratio_total'])} | {cost['per_1000_contacts']['total']:.1f} |"
        )
    return "\n".join(rows)


def breakdown_table(runs: list[dict[str, Any]]) -> str:
    names = [
        "contact_reads",
        "contact_writes",
        "task_creates",
        "task_key_lookups",
        "associated_records",
        "per_run_fixed",
        "other",
    ]
    rows = [
        "| CRM | contacts | run | " + " | ".join(n.replace("_", " ") for n in names) + " |",
        "|---|---:|---|" + "---:|" * len(names),
    ]
    for data in runs:
        for key in ("backfill", "sync"):
            run = data.get(key)
            if not run or run.get("skipped") is True:
                continue
            measured = run["cost"]["measured"]
            minimum = run["cost"]["minimum"]
            cells = []
            for name in names:
                value = f"{measured.get(name, 0):,}"
                if name in minimum:
                    value += f" (min {minimum[name]:,})"
                cells.append(value)
            rows.append(f"| {data['crm']} | {data['contacts']:,} | {key} | " + " | ".join(cells))
    return "\n".join(rows)


def speed_table(runs: list[dict[str, Any]]) -> str:
    rows = [
        "| CRM | contacts | run | wall time | contacts/s | peak RSS (connector) "
        "| RSS before the run | failed requests | sandbox seeding |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for data, label, run in _measured_runs(runs):
        rate = run["contacts_read"] / run["wall_seconds"] if run["wall_seconds"] else 0
        rows.append(
            f"| {data['crm']} | {data['contacts']:,} | {label} "
            f"| {run['wall_seconds']:,.1f} s | {rate:,.0f} | {run['peak_rss_mb']:,.0f} MB "
            f"| {run['rss_before_run_mb']:,.0f} MB | {run['failed_requests']} "
            f"| {data['seed_seconds']:,.0f} s |"
        )
    return "\n".join(rows)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def cpu_table() -> str:
    """CPU seconds of the connector process per backfill result file, tagged ones (BENCH_TAG:
    before/after pairs) included; profiled runs are left out (the profiler inflates CPU)."""
    rows = [
        "| CRM | contacts | result file | run: CPU s | CPU s per 1,000 contacts "
        "| with imports: CPU s | rules: evaluate | rules: next_due | outside the rules "
        "| of which the adapter | contacts/s per core | wall time | peak RSS |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path in sorted(RESULTS.glob("*-backfill*.json")):
        data = json.loads(path.read_text())
        run = data.get("backfill") or {}
        cpu = run.get("cpu_seconds")
        if not cpu or cpu.get("profiled"):
            continue
        per_thousand = cpu["run"] * 1000 / max(run["contacts_read"], 1)
        rows.append(
            f"| {data['crm']} | {data['contacts']:,} | {path.name} | {cpu['run']:.1f} "
            f"| {per_thousand:.2f} | {cpu['with_imports']:.1f} "
            f"| {_seconds(cpu.get('rules_evaluate'))} | {_seconds(cpu.get('rules_next_due'))} "
            f"| {_seconds(cpu.get('outside_rules'))} | {_seconds(cpu.get('adapter'))} "
            f"| {run['contacts_read'] / cpu['run']:,.0f} | {run['wall_seconds']:.1f} s "
            f"| {run['peak_rss_mb']:.0f} MB |"
        )
    return "\n".join(rows)


def main() -> None:
    runs = _load()
    print("### CPU of the connector process (backfills)\n")
    print(cpu_table())
    print()
    print("### API calls\n")
    print(calls_table(runs))
    print("\n### Where the calls go\n")
    print(breakdown_table(runs))
    print("\n### Time and memory\n")
    print(speed_table(runs))
    for path in sorted(RESULTS.glob("ratelimit-*.json")):
        rate = json.loads(path.read_text())["backfill"]["rate"]
        print(f"\n### {path.stem}\n")
        print(json.dumps({k: v for k, v in rate.items() if k != "per_window"}, indent=2))
        print("per window:", rate["per_window"])
    engine = RESULTS / "engine.json"
    if engine.exists():
        print("\n### engine\n")
        print(engine.read_text())


if __name__ == "__main__":
    main()
