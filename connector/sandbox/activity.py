"""Sales activity between two runs, simulated through the CRM's public API — what reps do in
the CRM while the connector is not running — so the demo's incremental sync has real changes
to find: some people get their BANT qualification filled in (they should become SQLs), some get
a "rejected" lead status (sales turned them down: recycle).

The writes go through the sandbox's HTTP API as any other integration's would (never into its
memory), so they move modification dates exactly as a real CRM does.
"""

import random
from collections.abc import Iterator, Sequence
from typing import Any

import requests
from pydantic import BaseModel
from simple_salesforce import Salesforce

from connector.domain.stages import SalesStatus
from connector.mapping.crm_schema import (
    ContactField,
    HubSpotMapping,
    PersonMapping,
    SalesforceMapping,
)
from connector.sandbox.launch import RunningSandbox

BANT = (
    ContactField.BANT_BUDGET,
    ContactField.BANT_AUTHORITY,
    ContactField.BANT_NEED,
    ContactField.BANT_TIMELINE,
)


class ActivityReport(BaseModel):
    qualified: int = 0  # BANT filled in by a rep
    rejected: int = 0  # lead status set to the mapping's "rejected" value


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pick(ids: list[str], share: float, rng: random.Random) -> tuple[list[str], list[str]]:
    """Two disjoint random samples, each `share / 2` of the people."""
    count = max(1, round(len(ids) * share / 2)) if ids else 0
    chosen = rng.sample(ids, min(len(ids), 2 * count))
    return chosen[:count], chosen[count:]


def _rejected_value(person: PersonMapping) -> str | None:
    values = person.values.sales_status.get(SalesStatus.REJECTED)
    return values[0] if values else None


def simulate_hubspot(
    running: RunningSandbox, mapping: HubSpotMapping, share: float, seed: int
) -> ActivityReport:
    base, token = running.url.rstrip("/"), running.settings["HUBSPOT_ACCESS_TOKEN"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    ids: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"after": after} if after else {})}
        answer = http.get(f"{base}/crm/v3/objects/contacts", params=params, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        ids += [record["id"] for record in body["results"]]
        after = body.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
    qualify, reject = _pick(ids, share, random.Random(seed))
    fields = mapping.contact.fields
    rejected = _rejected_value(mapping.contact)
    inputs = [
        {"id": i, "properties": {fields[f]: "true" for f in BANT if f in fields}} for i in qualify
    ]
    if rejected and ContactField.SALES_STATUS in fields:
        status = fields[ContactField.SALES_STATUS]
        inputs += [{"id": i, "properties": {status: rejected}} for i in reject]
    for chunk in _chunks(inputs, 100):
        answer = http.post(
            f"{base}/crm/v3/objects/contacts/batch/update", json={"inputs": chunk}, timeout=30
        )
        answer.raise_for_status()
    return ActivityReport(qualified=len(qualify), rejected=len(reject) if rejected else 0)


def simulate_salesforce(
    running: RunningSandbox, mapping: SalesforceMapping, share: float, seed: int
) -> ActivityReport:
    sandbox = running.sandbox
    assert sandbox is not None
    # As a rep, not as the integration user: the connector leaves its own writes out of an
    # incremental read, and these are people's changes it must see.
    client = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))
    rows = client.query_all("SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id")
    ids = [row["Id"] for row in rows["records"]]
    qualify, reject = _pick(ids, share, random.Random(seed))
    fields = mapping.lead.fields
    rejected = _rejected_value(mapping.lead)
    records: list[dict[str, Any]] = [
        {"attributes": {"type": "Lead"}, "Id": i, **{fields[f]: True for f in BANT if f in fields}}
        for i in qualify
    ]
    if rejected and ContactField.SALES_STATUS in fields:
        status = fields[ContactField.SALES_STATUS]
        records += [{"attributes": {"type": "Lead"}, "Id": i, status: rejected} for i in reject]
    for chunk in _chunks(records, 200):
        client.restful(
            "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": chunk}
        )
    return ActivityReport(qualified=len(qualify), rejected=len(reject) if rejected else 0)
