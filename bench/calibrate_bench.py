"""The calibrate -> backtest -> backfill loop on the X Education lead history, measured.

The history is loaded into an in-process sandbox in dataset mode with its outcomes (a converted
lead is a customer with a closed-won deal, the others stay leads); every connector step runs as
a user runs it (`python -m connector ...` in a fresh process, configured by environment):

1. `connector calibrate` learns points on the training part (70 %, split by hashed CRM id)
   from the rules in bench/calibrate/rules.yaml (the shipped rules plus candidate rules on the
   dataset's properties, each at 1 point) and proposes a rules file;
2. `connector backtest --part holdout` scores the held-out 30 % with the proposed rules;
3. `connector backfill` writes the proposed rules' scores into the CRM, and the stored scores
   of the held-out part are read back through the adapter and measured (ROC AUC, MQL
   precision against the base rate).

Usage: python bench/calibrate_bench.py [--crm hubspot|salesforce] [--contacts N]
[--proposed-out PATH] (N = 0: every row). Writes bench/results/calibrate-<crm>-<N>.json;
`--proposed-out` also keeps the proposed rules file there, headed by the command that made it
(mappings/rules.dataset.yaml, which `connector demo --dataset` runs with, is made so).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connector.calibrate.history import Split  # noqa: E402
from connector.calibrate.outcomes import OutcomeRules  # noqa: E402
from connector.domain.policy import RulesPolicy  # noqa: E402
from connector.mapping.loader import load_crm_mapping, load_rules  # noqa: E402
from connector.sandbox.common.config import SandboxConfig  # noqa: E402
from connector.sandbox.launch import start_sandbox  # noqa: E402
from connector.sandbox.seed import DEFAULT_NOW  # noqa: E402
from connector.sync.connect import build_adapter  # noqa: E402

#: The X Education lead history (not in the repository): BENCH_DATASET, else the shared
#: datasets folder beside the checkout.
DATASET = Path(
    os.environ.get("BENCH_DATASET")
    or Path(__file__).resolve().parents[2] / "shared" / "datasets" / "x-education-leads.csv"
)
#: held-out part by the file's own lead id: both CRMs hold out the same leads
SPLIT = Split(0.3, 42, "dataset_record_id")
IDLE_DAYS = "0"  # every lead without a sale is a non-conversion, as the file records it


def _run(env: dict[str, str], *args: str) -> tuple[dict, float]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "connector", *args, "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=3600,
    )
    seconds = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"connector {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crm", default="hubspot", choices=["hubspot", "salesforce"])
    parser.add_argument("--contacts", type=int, default=0)
    parser.add_argument("--proposed-out", type=Path, default=None)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="calibrate-bench-"))
    mappings = work / "mappings"
    mappings.mkdir()
    for name in ("hubspot.yaml", "salesforce.yaml"):
        shutil.copy(REPO / "mappings" / name, mappings / name)
    shutil.copy(REPO / "bench" / "calibrate" / "rules.yaml", mappings / "rules.yaml")
    proposed = work / "proposed" / "rules.yaml"
    proposed.parent.mkdir()

    config = SandboxConfig(contacts=options.contacts, dataset=DATASET, with_outcomes=True)
    began = time.perf_counter()
    running = start_sandbox(options.crm, config, work / "tls")
    seeding = time.perf_counter() - began
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBSPOT_", "SALESFORCE_"))}
    env.update(running.settings)
    env.update(
        {
            "CONNECTOR_CRM": options.crm,
            "CONNECTOR_MAPPINGS_DIR": str(mappings),
            "CONNECTOR_STATE_URL": str(work / "state.sqlite"),
            "CONNECTOR_AS_OF": DEFAULT_NOW.isoformat(),
            "HUBSPOT_BURST_LIMIT": "100000",
            "HUBSPOT_SEARCH_LIMIT_PER_SECOND": "1000",
        }
    )
    split = ["--idle-days", IDLE_DAYS, "--split-by", "dataset_record_id"]
    try:
        calibration, calibrate_s = _run(env, "calibrate", "--out", str(proposed), *split)
        before, _ = _run(env, "backtest", "--part", "holdout", *split)
        shipped, _ = _run(
            env,
            "backtest",
            "--part",
            "holdout",
            "--rules",
            str(REPO / "mappings/rules.yaml"),
            *split,
        )
        after, backtest_s = _run(
            env, "backtest", "--part", "holdout", "--rules", str(proposed), *split
        )
        shutil.copy(proposed, mappings / "rules.yaml")
        backfill, backfill_s = _run(env, "backfill")
        stored = _stored(options.crm, mappings, env, calibration, load_rules(proposed))
    finally:
        running.stop()
    result = {
        "crm": options.crm,
        "contacts": calibration["people_read"] + calibration["skipped"],
        "seeding_s": round(seeding, 1),
        "calibrate_s": round(calibrate_s, 1),
        "backtest_s": round(backtest_s, 1),
        "backfill_s": round(backfill_s, 1),
        "calibrate_holdout_auc": calibration["holdout_ranking"]["auc"],
        "proposed_threshold": calibration["proposed_threshold"],
        "proposed_min_grade": calibration["proposed_min_grade"],
        "target_rate": calibration["target_rate"],
        "holdout_auc_shipped_rules": shipped["ranking"]["auc"],
        "holdout_auc_candidates_at_1_point": before["ranking"]["auc"],
        "holdout_auc_proposed_rules": after["ranking"]["auc"],
        "holdout_mql_proposed": after["mql"],
        "holdout_base_rate": after["ranking"]["base_rate"],
        "stored_scores": stored,
        "backfill_exit_code": backfill.get("exit_code"),
        "rules_learned": sum(1 for r in calibration["rules"] if r["status"] == "learned"),
        "rules_dropped": sum(1 for r in calibration["rules"] if r["status"] == "dropped"),
        "rules_held_at_0": sum(1 for r in calibration["rules"] if r["status"] == "held at 0"),
        "rules_kept": sum(1 for r in calibration["rules"] if r["status"] == "kept"),
    }
    if options.proposed_out is not None:
        _keep(proposed, options.proposed_out, options, result)
    out = REPO / "bench" / "results" / f"calibrate-{options.crm}-{options.contacts}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _keep(proposed: Path, target: Path, options: argparse.Namespace, result: dict) -> None:
    """The proposed rules file at `target`, headed by how it was made and what it measured."""
    auc = result["holdout_auc_proposed_rules"]
    mql = result["holdout_mql_proposed"]
    header = (
        "# Rules learned from the X Education lead history (x-education-leads.csv) by\n"
        "# `connector calibrate`, for `connector demo --dataset`. Made with:\n"
        f"#   python bench/calibrate_bench.py --crm {options.crm} --contacts {options.contacts}"
        f" --proposed-out {target.relative_to(REPO) if target.is_relative_to(REPO) else target}\n"
        "# which loads every row into the sandbox with its outcomes and runs\n"
        "#   connector calibrate --out <this file> --idle-days 0 --split-by dataset_record_id\n"
        "# from bench/calibrate/rules.yaml (the shipped rules plus candidate rules on the file's\n"
        "# columns at 1 point each): 70 % of the leads to learn from, 30 % held out.\n"
        f"# Held out: AUC {auc:.3f}; {mql['mqls']} MQLs, {mql['precision']:.0%} of them converted\n"
        f"# (base rate {result['holdout_base_rate']:.0%}). Lines marked `calibrated:` say what\n"
        "# each value was and the evidence for the new one.\n"
        "#\n"
    )
    target.write_text(header + proposed.read_text(encoding="utf-8"), encoding="utf-8")


def _stored(
    crm: str, mappings: Path, env: dict[str, str], calibration: dict, policy: RulesPolicy
) -> dict:
    """AUC and MQL precision of the scores and grades the backfill stored, held-out part (the
    MQL gate read from them: converted leads are customers, so their stage is no MQL)."""
    limit = policy.fit.grade_rank(policy.lifecycle.mql.min_grade)
    adapter = build_adapter(crm, load_crm_mapping(mappings / f"{crm}.yaml"), environment=env)
    outcomes = OutcomeRules(idle_days=int(IDLE_DAYS))
    scores, converted, mql = [], [], []
    for contact in adapter.iter_contacts(None):
        if not SPLIT.held_out(contact):
            continue
        # the outcome as the dataset recorded it: a won deal (stages moved by the backfill
        # itself, MQL, are not outcomes)
        known = outcomes.outcome(contact, None, DEFAULT_NOW)
        if known is None or contact.score is None:
            continue
        scores.append(contact.score)
        converted.append(known)
        rank = policy.fit.grade_rank(contact.grade or "")
        passes = rank is not None and limit is not None and rank <= limit
        mql.append(passes and contact.score >= policy.lifecycle.mql.min_score)
    y, s, m = np.array(converted), np.array(scores), np.array(mql)
    return {
        "people": len(y),
        "auc": float(roc_auc_score(y, s)),
        "base_rate": float(y.mean()),
        "mqls": int(m.sum()),
        "mql_precision": float(y[m].mean()) if m.any() else None,
    }


if __name__ == "__main__":
    main()
