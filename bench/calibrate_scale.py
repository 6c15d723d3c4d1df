"""Does calibrating N people cost less than the backfill that reads them, and is its memory flat?

One in-process HubSpot (or Salesforce) sandbox seeded with the synthetic history (people with
deals won and lost, idle leads; the outcomes `calibrate` learns from are the ones the CRM holds),
then, each as a user runs it, in a fresh interpreter configured by environment and pinned to
the seed's reference time:

1. `connector calibrate --out ...` (reads every person and their engagement, fits, writes a
   proposed rules file; nothing is written to the CRM);
2. `connector backfill` with the shipped rules (reads the same people, decides, writes).

Measured per step, by the child itself at exit (`bench/measure_child.py`): CPU seconds of the
process (user + system, `resource.getrusage(RUSAGE_SELF)`), its peak RSS (`VmHWM`: the
connector's own, not the sandbox's, which lives in this process) and wall time. The machine is
shared, so CPU seconds, not wall time, are the comparison.

Usage: python bench/calibrate_scale.py [--crm hubspot|salesforce] --contacts 10000 100000
[--steps calibrate backfill] [--env NAME=VALUE ...] [--sample-size N]. Writes
bench/results/calibrate-scale-<crm>-<N>.json; measuring only some steps replaces those in the file
and keeps the others.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connector.sandbox.common.config import SandboxConfig  # noqa: E402
from connector.sandbox.launch import start_sandbox  # noqa: E402
from connector.sandbox.seed import DEFAULT_NOW  # noqa: E402

MEASURE = REPO / "bench" / "measure_child.py"


def _step(env: dict[str, str], work: Path, name: str, *args: str) -> dict[str, float | int]:
    out = work / f"{name}.measure.json"
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(MEASURE), str(out), *args, "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=7200,
    )
    wall = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"connector {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    measured = json.loads(out.read_text())
    report = json.loads(done.stdout)
    return {
        "cpu_s": round(measured["cpu_s"], 1),
        "peak_rss_mb": round(measured["peak_rss_kb"] / 1024, 1),
        "wall_s": round(wall, 1),
        "people_read": int(report.get("people_read") or report.get("contacts_read") or 0),
    }


def measure(
    crm: str,
    contacts: int,
    steps: list[str],
    extra_env: dict[str, str] | None = None,
    calibrate_args: tuple[str, ...] = (),
) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="calibrate-scale-"))
    began = time.perf_counter()
    running = start_sandbox(crm, SandboxConfig(contacts=contacts), work / "tls")  # type: ignore[arg-type]
    seeding = time.perf_counter() - began
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBSPOT_", "SALESFORCE_"))}
    env.update(running.settings)
    env.update(
        {
            "CONNECTOR_MAPPINGS_DIR": str(REPO / "mappings"),
            "CONNECTOR_STATE_URL": str(work / "state.sqlite"),
            "CONNECTOR_AS_OF": DEFAULT_NOW.isoformat(),
            "HUBSPOT_BURST_LIMIT": "100000",
            "HUBSPOT_SEARCH_LIMIT_PER_SECOND": "1000",
        }
    )
    env.update(extra_env or {})
    commands = {
        "calibrate": ("calibrate", "--out", str(work / "rules.yaml"), *calibrate_args),
        "backfill": ("backfill",),
    }
    measured: dict[str, object] = {"crm": crm, "contacts": contacts, "seeding_s": round(seeding, 1)}
    try:
        for step in steps:  # calibrate first: it writes nothing to the CRM the backfill reads
            measured[step] = _step(env, work, step, *commands[step])
    finally:
        running.stop()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crm", default="hubspot", choices=["hubspot", "salesforce"])
    parser.add_argument("--contacts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--steps", nargs="+", default=["calibrate", "backfill"], choices=["calibrate", "backfill"]
    )
    parser.add_argument(
        "--env",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="settings for the measured commands (e.g. HUBSPOT_COMPANY_CACHE_SIZE=1000); "
        "the result file then records them and is named after them",
    )
    parser.add_argument(
        "--sample-size",
        type=int,
        default=None,
        help="calibrate --sample-size and --holdout-size (default: calibrate's own)",
    )
    options = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in options.env)
    calibrate_args: tuple[str, ...] = ()
    if options.sample_size is not None:
        size = str(options.sample_size)
        calibrate_args = ("--sample-size", size, "--holdout-size", size)
    for contacts in options.contacts:
        tag = "".join(f"-{name.lower()}-{value}" for name, value in extra_env.items())
        if options.sample_size is not None:
            tag += f"-sample-{options.sample_size}"
        out = REPO / "bench" / "results" / f"calibrate-scale-{options.crm}-{contacts}{tag}.json"
        result = json.loads(out.read_text()) if out.is_file() else {}
        result.update(measure(options.crm, contacts, options.steps, extra_env, calibrate_args))
        if extra_env:
            result["env"] = extra_env
        if calibrate_args:
            result["calibrate_args"] = list(calibrate_args)
        if "calibrate" in result and "backfill" in result:
            result["calibrate_over_backfill_cpu"] = round(
                result["calibrate"]["cpu_s"] / result["backfill"]["cpu_s"], 2
            )
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
