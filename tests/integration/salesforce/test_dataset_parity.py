"""Parity on real lead history: the same X Education rows loaded into the HubSpot and the
Salesforce sandbox (with outcomes), read through both adapters, hold the same mapped properties,
and the same property rules decide the same on both.

Engagement differs by design between the two CRMs (see test_parity.py: HubSpot keeps web and
e-mail activity as counters, Salesforce as Tasks and campaign members), so the comparison is
made twice: with the shipped rules, every property score line, fit line and grade must match;
with the shipped rules minus engagement points, every decision must match (score, every line,
grade, stage).

One input differs inherently: a converted lead is a Salesforce Contact, which has no industry of
its own (its "(Individual)" Account has none), while HubSpot keeps the contact's answer. Where
it differs, the Salesforce person is decided again with HubSpot's industry, and must then decide
identically, so that input is the only cause.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from connector.adapters.hubspot import HubSpotAdapter
from connector.adapters.hubspot.settings import HubSpotSettings
from connector.adapters.salesforce import SalesforceAdapter
from connector.domain.contact import Contact
from connector.domain.engagement import Engagement
from connector.domain.engine import evaluate
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingState
from connector.mapping.crm_schema import HubSpotMapping
from connector.mapping.loader import load_crm_mapping
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.seed import DEFAULT_NOW
from tests.factories import DATASET, MAPPINGS, policy_with, shipped_policy

pytestmark = pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")

ROWS = 600


@dataclasses.dataclass(frozen=True)
class Read:
    """Everyone one adapter read, by the file's record id, with their engagement."""

    people: dict[str, Contact]
    engagement: dict[str, list[Engagement]]

    def decide(
        self, record_id: str, policy: RulesPolicy, person: Contact | None = None
    ) -> dict[str, Any]:
        person = person or self.people[record_id]
        evaluation, _ = evaluate(
            person,
            self.engagement.get(person.id, []),
            policy,
            [],
            RoutingState(),
            DEFAULT_NOW,
        )
        stage = evaluation.final_stage or person.lifecycle_stage
        return {
            "score": evaluation.score.total,
            "score lines": tuple((line.rule, line.points) for line in evaluation.score.lines),
            "grade": evaluation.fit.grade,
            "fit lines": tuple((line.rule, line.points) for line in evaluation.fit.lines),
            "stage": stage.value if stage else None,
        }


def _reconciled(hubspot: Read, salesforce: Read, record_id: str) -> Contact:
    """The Salesforce person with HubSpot's industry when it is a Contact that lost its own."""
    hs, sf = hubspot.people[record_id], salesforce.people[record_id]
    if sf.id.startswith("003") and sf.industry is None and hs.industry is not None:
        return sf.model_copy(update={"industry": hs.industry})
    return sf


def _decisions(
    hubspot: Read, salesforce: Read, policy: RulesPolicy
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Each person's decisions on both CRMs, Salesforce's with the inherent input reconciled."""
    for record_id in hubspot.people:
        person = _reconciled(hubspot, salesforce, record_id)
        yield (
            record_id,
            hubspot.decide(record_id, policy),
            salesforce.decide(record_id, policy, person),
        )


def _read(adapter: Any) -> Read:
    people = {str(c.properties["dataset_record_id"]): c for c in adapter.iter_contacts(None)}
    engagement: dict[str, list[Engagement]] = {}
    for event in adapter.iter_engagements([c.id for c in people.values()]):
        engagement.setdefault(event.contact_id, []).append(event)
    return Read(people, engagement)


@pytest.fixture(scope="module")
def both(sandbox_settings: Any) -> Iterator[tuple[Read, Read]]:
    config = SandboxConfig(contacts=ROWS, dataset=DATASET, with_outcomes=True)
    with HubSpotSandbox(config) as hubspot, SalesforceSandbox(config) as salesforce:
        mapping = load_crm_mapping(MAPPINGS / "hubspot.yaml")
        assert isinstance(mapping, HubSpotMapping)
        hs = HubSpotAdapter(
            HubSpotSettings(_env_file=None, access_token=hubspot.token, base_url=hubspot.url),
            mapping,
        )
        sf = SalesforceAdapter(
            sandbox_settings(salesforce), load_crm_mapping(MAPPINGS / "salesforce.yaml")
        )
        yield _read(hs), _read(sf)


def test_both_crms_hold_the_same_properties(both: tuple[Read, Read]):
    hubspot, salesforce = both
    assert len(hubspot.people) == ROWS
    assert set(hubspot.people) == set(salesforce.people)
    for record_id, person in hubspot.people.items():
        assert person.properties == salesforce.people[record_id].properties, record_id


def test_property_lines_fit_and_grade_are_identical_under_the_shipped_rules(
    both: tuple[Read, Read],
):
    hubspot, salesforce = both
    policy = shipped_policy()
    assert policy.scoring.properties, "the shipped rules have no property rule to compare"
    fired = 0
    for _, left, right in _decisions(hubspot, salesforce, policy):
        props = [line for line in left["score lines"] if line[0].startswith("property: ")]
        assert props == [line for line in right["score lines"] if line[0].startswith("property: ")]
        assert (left["grade"], left["fit lines"]) == (right["grade"], right["fit lines"])
        fired += bool(props)
    assert fired > ROWS // 2


def test_property_rules_alone_decide_identically(both: tuple[Read, Read]):
    """Without engagement points, every decision (score, lines, grade, stage) is the same,
    including MQLs: a property-driven score over the threshold with an acceptable fit."""
    hubspot, salesforce = both
    shipped = shipped_policy()
    policy = policy_with(
        scoring={
            "engagement": [{"kind": rule.kind, "points": 0} for rule in shipped.scoring.engagement],
            "intent_points": {},
            "properties": [
                *shipped.scoring.properties,
                {
                    "name": "engaged visitor",
                    "property": "total_visits",
                    "at_least": 5,
                    "points": 30,
                },
                {
                    "name": "sms follow-up",
                    "property": "last_activity",
                    "matches": "^sms",
                    "points": 40,
                },
                {"name": "no calls", "property": "do_not_call", "is": True, "points": -50},
            ],
        },
        lifecycle={"mql": {"min_score": 50, "min_grade": "D"}},
    )
    mqls = 0
    for record_id, left, right in _decisions(hubspot, salesforce, policy):
        assert left == right, record_id
        mqls += left["stage"] == "mql"
    assert mqls > 10
