"""Do HubSpot and Salesforce decide the same for the same rows of the X Education history?

Every row (or the first N) is loaded into both in-process sandboxes with its outcomes; each
CRM's people are read through its adapter with their engagement, exactly as a backfill reads
them, and decided by the same rules file at the seed's reference time. The decisions (score,
fit grade, stage) are compared per `dataset_record_id`, over all rows and over the held-out
part of `calibrate_bench.py`; each difference is put down to its cause where one is known:

- *source*: HubSpot's original source has no partner channel (partner sites are REFERRALS),
  so the rules' `partner` weight applies only on Salesforce;
- *page visit without visits*: the row records no visit but a page visit as its last activity;
  HubSpot counts the page view, Salesforce the visited "Website" membership;
- *a third conversion*: HubSpot keeps a contact's first and most recent form conversion only
  (`first_`/`recent_conversion_event_name`), so a download between two forms is lost there,
  while Salesforce keeps every campaign membership.

Usage: python bench/parity_dataset.py [--contacts N] [--rules mappings/rules.yaml ...]
Writes bench/results/parity-dataset-<N>.json.
"""

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connector.calibrate.history import ReadCounts, Split, iter_people  # noqa: E402
from connector.domain.contact import LeadSource  # noqa: E402
from connector.domain.engine import evaluate  # noqa: E402
from connector.domain.routing import RoutingState  # noqa: E402
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
SPLIT = Split(0.3, 42, "dataset_record_id")  # calibrate_bench.py's held-out part


def _decide(crm: str, contacts: int, rules: list[Path]) -> dict[str, dict[str, Any]]:
    config = SandboxConfig(contacts=contacts, dataset=DATASET, with_outcomes=True)
    running = start_sandbox(crm, config, Path(tempfile.mkdtemp()) / "tls")  # type: ignore[arg-type]
    policies = {str(path): load_rules(path) for path in rules}
    try:
        env = dict(os.environ)
        env.update(running.settings)
        mapping = load_crm_mapping(REPO / "mappings" / f"{crm}.yaml")
        adapter = build_adapter(crm, mapping, environment=env)
        owners = adapter.list_owners()
        decided: dict[str, dict[str, Any]] = {}
        for person in iter_people(adapter, DEFAULT_NOW, ReadCounts()):
            contact = person.contact
            row: dict[str, Any] = {
                "holdout": SPLIT.held_out(contact),
                "source": contact.source,
                "kinds": sorted({e.kind.value for e in person.engagements}),
            }
            for name, policy in policies.items():
                evaluation, _ = evaluate(
                    contact, person.engagements, policy, owners, RoutingState(), DEFAULT_NOW
                )
                stage = evaluation.final_stage or contact.lifecycle_stage
                row[name] = (
                    evaluation.score.total,
                    evaluation.fit.grade,
                    stage.value if stage else None,
                )
            decided[str(contact.properties["dataset_record_id"])] = row
        return decided
    finally:
        running.stop()


def _cause(hubspot: dict[str, Any], salesforce: dict[str, Any]) -> str:
    if salesforce["source"] == LeadSource.PARTNER and hubspot["source"] == LeadSource.REFERRAL:
        return "source: partner on Salesforce, referral on HubSpot"
    if "page_view" in hubspot["kinds"] and "website_visit" not in hubspot["kinds"]:
        return "page visit without visits"
    if set(salesforce["kinds"]) - set(hubspot["kinds"]) == {"content_download"}:
        return "a third conversion: HubSpot keeps the first and the most recent"
    return "unexplained"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=0)
    parser.add_argument(
        "--rules",
        type=Path,
        nargs="+",
        default=[REPO / "mappings" / "rules.yaml", REPO / "mappings" / "rules.dataset.yaml"],
    )
    options = parser.parse_args()
    hubspot = _decide("hubspot", options.contacts, options.rules)
    salesforce = _decide("salesforce", options.contacts, options.rules)
    assert hubspot.keys() == salesforce.keys(), "the two CRMs hold different rows"
    result: dict[str, Any] = {"rows": len(hubspot), "holdout": 0, "by_rules": {}}
    result["holdout"] = sum(1 for row in hubspot.values() if row["holdout"])
    for path in options.rules:
        name = str(path)
        differ = [i for i in hubspot if hubspot[i][name] != salesforce[i][name]]
        what = Counter(
            "+".join(
                label
                for label, k in (("score", 0), ("grade", 1), ("stage", 2))
                if hubspot[i][name][k] != salesforce[i][name][k]
            )
            for i in differ
        )
        result["by_rules"][str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)] = {
            "differ": len(differ),
            "differ_holdout": sum(1 for i in differ if hubspot[i]["holdout"]),
            "what_differs": dict(what),
            "causes": dict(Counter(_cause(hubspot[i], salesforce[i]) for i in differ)),
        }
    out = REPO / "bench" / "results" / f"parity-dataset-{options.contacts}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
