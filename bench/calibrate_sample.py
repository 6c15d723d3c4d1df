"""Does a capped training sample give the same points as every training person?

Reads the synthetic history of N people once out of an in-process HubSpot sandbox (through the
real adapter and SDK, as `connector calibrate` does), keeps every person's feature row, then
replays the same rows, in the same order, into calibrate's `History` with each `--sample-size`
and fits: the proposed points, rule by rule, against those learned from every training person
(a cap above the training part), and the holdout AUC of each (measured on every held-out person,
so only the fit differs).

Usage: python bench/calibrate_sample.py --contacts 50000 --sizes 5000 10000 20000 40000
Writes bench/results/calibrate-sample-<N>.json.
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connector.adapters.hubspot import HubSpotAdapter  # noqa: E402
from connector.adapters.hubspot.settings import HubSpotSettings  # noqa: E402
from connector.adapters.retry import RetryPolicy  # noqa: E402
from connector.calibrate.calibrate import _choose  # noqa: E402
from connector.calibrate.features import FeatureSpace, Row  # noqa: E402
from connector.calibrate.fit import CalibrateOptions, History, fit_points  # noqa: E402
from connector.calibrate.history import ReadCounts, Split, iter_people  # noqa: E402
from connector.mapping.crm_schema import HubSpotMapping  # noqa: E402
from connector.mapping.loader import load_mapping_dir, load_rules  # noqa: E402
from connector.sandbox.common.config import SandboxConfig  # noqa: E402
from connector.sandbox.hubspot import HubSpotSandbox  # noqa: E402
from connector.sandbox.seed import DEFAULT_NOW  # noqa: E402

MAPPINGS = REPO / "mappings"
EVERYONE = 10**9


def _read(contacts: int, space: FeatureSpace, options: CalibrateOptions) -> list[tuple]:
    mapping = load_mapping_dir(MAPPINGS).crms["hubspot"]
    assert isinstance(mapping, HubSpotMapping)
    rows = []
    split = Split(options.holdout_share, options.split_seed, options.split_by)
    with HubSpotSandbox(SandboxConfig(contacts=contacts)) as sandbox:
        settings = HubSpotSettings(
            _env_file=None,  # type: ignore[call-arg]
            access_token=sandbox.token,
            base_url=sandbox.url,
            retry=RetryPolicy(max_attempts=8, initial_wait=0.005, max_wait=0.05, jitter=0.005),
            burst_limit=100_000,
            search_limit_per_second=1000,
        )
        adapter = HubSpotAdapter(settings, mapping)
        for person in iter_people(adapter, DEFAULT_NOW, ReadCounts()):
            outcome = options.outcomes.outcome(person.contact, person.last_activity, DEFAULT_NOW)
            if outcome is not None:
                row = space.row(person.contact, person.engagements, DEFAULT_NOW)
                rows.append((row, outcome, split.held_out(person.contact)))
    return rows


def _fit(rows: list[tuple], space: FeatureSpace, size: int, options: CalibrateOptions) -> dict:
    sized = options.model_copy(update={"sample_size": size, "holdout_size": EVERYONE})
    history = History(len(space.features), size, EVERYONE, options.split_seed)
    for row, outcome, held_out in rows:
        history.add(Row(row.values, row.disqualified), outcome, held_out)
    history.finish()
    rules = fit_points(space, history, sized)
    ranking, *_ = _choose(space, space.policy, rules, history.holdout_sample(), sized)
    return {
        "fit_rows": history.fit_rows,
        "train": history.counts.people,
        "holdout_auc": round(ranking.auc, 4),
        "points": {rule.label: rule.proposed for rule in rules},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 10_000, 20_000, 40_000])
    options_in = parser.parse_args()
    policy = load_rules(MAPPINGS / "rules.yaml")
    space = FeatureSpace(policy)
    options = CalibrateOptions()
    rows = _read(options_in.contacts, space, options)
    everyone = _fit(rows, space, EVERYONE, options)
    result: dict = {"contacts": options_in.contacts, "known_outcome": len(rows)}
    result["everyone"] = everyone
    for size in options_in.sizes:
        fitted = _fit(rows, space, size, options)
        moved = {
            label: [everyone["points"][label], points]
            for label, points in fitted["points"].items()
            if points != everyone["points"][label]
        }
        result[str(size)] = {
            "fit_rows": fitted["fit_rows"],
            "holdout_auc": fitted["holdout_auc"],
            "rules_moved": moved,
            "most_moved": max((abs(a - b) for a, b in moved.values()), default=0.0),
        }
        print(size, json.dumps(result[str(size)]), flush=True)
    out = REPO / "bench" / "results" / f"calibrate-sample-{options_in.contacts}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "everyone"}, indent=1))


if __name__ == "__main__":
    main()
