"""Parity: the same seed loaded into the HubSpot and the Salesforce sandbox, read through both
adapters and decided by the same rules (mappings/rules.yaml), gives the same decisions: the score
and every rule's points in it, the fit grade and every criterion in it, the stage, and the owner
(compared by e-mail).

The CRM files translate each CRM's values into one domain vocabulary (stage, lead status,
source, industry, buying role), and both adapters date engagement by the same convention (a
meeting when it was booked), so a difference that is not listed below fails the test.

Inherent differences: inputs the two CRMs cannot hold alike whatever the connector does. Each is
asserted exactly where the seed says it occurs, and the people it touches are decided again on
Salesforce's side with HubSpot's value of that one input, which must then decide identically:

- Source. HubSpot's original source (hs_analytics_source) has no partner, chat or purchased-list
  channel; the seed stores them as REFERRALS, DIRECT_TRAFFIC and OFFLINE, which
  mappings/hubspot.yaml reads as referral, direct and event. Salesforce's LeadSource holds all
  three. Only the score's source-weight line can differ (chat and direct weigh the same).
- A Lead's company country. A Salesforce Lead has one address, which the seed fills with the
  person's own (none when the person's country was never asked); its company's country is known
  only from an Account of the same name. HubSpot keeps the company's country on the company. Only
  the "core market" criterion can differ, for a Lead whose person has no country of their own.

Inputs that differ but by construction change no decision (read, not compared): a Salesforce
Contact has no lead status and a Lead always has one ("Open - Not Contacted" by default); BANT
checkboxes are never empty in Salesforce (unknown reads as unchecked, and only all four checked
counts); an opportunity's close date is a date, and an open one's is not read; a Contact without a
company sits under an "(Individual)" Account without firmographics; HubSpot's contact `industry`
is free text the company's industry overrides.

Engagement. Only kinds both CRMs keep as individual, dated records are compared: calls and
meetings (HubSpot call/meeting objects; Salesforce Tasks with TaskSubtype Call and Events) and the
opt-out flag (hs_email_optout; HasOptedOutOfEmail), so the seed used here keeps only those. The
rest differs by design: HubSpot keeps web visits, page views, e-mail opens/clicks and bounces as
counters with only the latest date (one engagement with a quantity), and keeps only the first and
the most recent form conversion; Salesforce keeps e-mail activity as one Task per event (no
quantity), and web activity, forms, downloads, webinars and events as one CampaignMember per
campaign whose status only moves up (Registered -> Attended collapses into one attended
membership; page views and visits both become "Visited" members of Website campaigns, which
mappings/salesforce.yaml reads as website_visit). Chat conversations are Salesforce Tasks that
mappings/salesforce.yaml has no rule for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from connector.domain.contact import Contact, LeadSource, Owner
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.engine import evaluate
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingState
from connector.mapping.crm_schema import HubSpotMapping
from connector.mapping.loader import load_crm_mapping, load_rules
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.seed import DEFAULT_NOW, SeedContact, SeedData, SeedSpec

try:
    from connector.adapters.hubspot import HubSpotAdapter
except ImportError:  # pragma: no cover - until issue 5 lands
    pytest.skip("the HubSpot adapter (issue 5) is not available yet", allow_module_level=True)

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
PEOPLE = 400
PER_EVENT_KINDS = frozenset(
    {
        EngagementKind.CALL,
        EngagementKind.MEETING_BOOKED,
        EngagementKind.UNSUBSCRIBE,
        EngagementKind.SPAM_REPORT,
    }
)
#: The seed's source -> what HubSpot's original source holds of it, read back (see the module
#: docstring); every other source reads back as itself.
HUBSPOT_COLLAPSES = {
    LeadSource.PARTNER: LeadSource.REFERRAL,
    LeadSource.CHAT: LeadSource.DIRECT,
    LeadSource.PURCHASED_LIST: LeadSource.EVENT,
}
LEAD_ID_PREFIX = "00Q"


class PerEventSeed(SeedData):
    """The seed with only the engagement both CRMs keep as individual, dated records."""

    def contacts(self, start: int = 0, stop: int | None = None) -> Iterator[SeedContact]:
        for item in super().contacts(start, stop):
            yield _per_event(item)


def _per_event(item: SeedContact) -> SeedContact:
    kept = [e for e in item.engagements if e.kind in PER_EVENT_KINDS]
    return dataclasses.replace(item, engagements=kept)


@dataclasses.dataclass(frozen=True)
class Crm:
    """Everyone one adapter read (by lower-cased e-mail), with their engagement, and the owners."""

    people: dict[str, Contact]
    engagement: dict[str, list[Engagement]]
    owners: list[Owner]
    policy: RulesPolicy

    def decide(self, email: str, contact: Contact | None = None) -> dict[str, Any]:
        """Every decision about one person, in CRM-neutral terms; `contact` replaces the person
        as read (to decide again with one input changed)."""
        person = contact or self.people[email]
        email_of = {owner.id: (owner.email or "").lower() for owner in self.owners}
        # A fresh routing state per person: a round robin's next pick depends on everyone routed
        # before, so one difference would otherwise shift every later owner.
        evaluation, _ = evaluate(
            person,
            self.engagement.get(person.id, []),
            self.policy,
            self.owners,
            RoutingState(),
            DEFAULT_NOW,
        )
        routed = evaluation.routing.assignment if evaluation.routing else None
        owner = routed.owner_id if routed else person.owner_id
        stage = evaluation.final_stage or person.lifecycle_stage
        return {
            "score": evaluation.score.total,
            "score lines": tuple((line.rule, line.points) for line in evaluation.score.lines),
            "grade": evaluation.fit.grade,
            "fit lines": tuple((line.rule, line.points) for line in evaluation.fit.lines),
            "disqualified": evaluation.fit.disqualified_reasons,
            "stage": stage.value if stage else None,
            "owner": email_of.get(owner) if owner else None,
        }

    def events(self, email: str) -> list[tuple[str, datetime]]:
        return sorted(
            (e.kind.value, e.occurred_at) for e in self.engagement.get(self.people[email].id, [])
        )


def _read(adapter: Any) -> Crm:
    people = {
        (c.email or "").lower(): c
        for page in adapter.iter_contact_pages(None)
        for c in page.contacts
        if c.email
    }
    engagement: dict[str, list[Engagement]] = {}
    for event in adapter.iter_engagements([c.id for c in people.values()]):
        engagement.setdefault(event.contact_id, []).append(event)
    return Crm(people, engagement, adapter.list_owners(), load_rules(MAPPINGS / "rules.yaml"))


@dataclasses.dataclass(frozen=True)
class Both:
    hubspot: Crm
    salesforce: Crm
    seed: dict[str, Contact]  # the seeded person, by lower-cased e-mail

    @property
    def emails(self) -> list[str]:
        return sorted(self.hubspot.people)


@pytest.fixture(scope="module")
def both(sandbox_settings: Any) -> Iterator[Both]:
    from connector.adapters.hubspot.settings import HubSpotSettings
    from connector.adapters.salesforce import SalesforceAdapter

    data = PerEventSeed(SeedSpec(contacts=PEOPLE, seed=7))
    config = SandboxConfig(contacts=PEOPLE, seed=7)
    seed = {(i.contact.email or "").lower(): i.contact for i in data.contacts() if i.contact.email}
    with (
        HubSpotSandbox(config, seed_data=data) as hubspot,
        SalesforceSandbox(config, seed_data=data) as salesforce,
    ):
        hubspot_mapping = load_crm_mapping(MAPPINGS / "hubspot.yaml")
        assert isinstance(hubspot_mapping, HubSpotMapping)
        hs = HubSpotAdapter(
            HubSpotSettings(_env_file=None, access_token=hubspot.token, base_url=hubspot.url),
            hubspot_mapping,
        )
        sf = SalesforceAdapter(
            sandbox_settings(salesforce), load_crm_mapping(MAPPINGS / "salesforce.yaml")
        )
        yield Both(_read(hs), _read(sf), seed)


def test_every_person_is_read_from_both_crms(both: Both):
    assert len(both.hubspot.people) == len(both.salesforce.people) >= PEOPLE - 5
    assert set(both.hubspot.people) == set(both.salesforce.people) <= set(both.seed)


def test_engagement_is_identical_and_meetings_are_dated_at_booking(both: Both):
    """Calls, meetings and the opt-out flag match to the second in kind and date; a meeting is
    dated when it was booked (the seed's date), not at its start, in both CRMs."""
    meetings = 0
    for email in both.emails:
        assert both.hubspot.events(email) == both.salesforce.events(email), email
        meetings += sum(k == EngagementKind.MEETING_BOOKED for k, _ in both.hubspot.events(email))
    assert meetings >= 10, "the seed booked too few meetings to compare their dates"


def test_sources_differ_only_where_hubspot_cannot_hold_the_channel(both: Both):
    collapsed = 0
    for email in both.emails:
        seeded = both.seed[email].source
        assert both.salesforce.people[email].source == seeded, email
        assert both.hubspot.people[email].source == HUBSPOT_COLLAPSES.get(seeded, seeded), email
        collapsed += seeded in HUBSPOT_COLLAPSES
    assert collapsed >= 10, "no collapsed channel in the seed: the difference is not exercised"


def _with_hubspots_inherent_inputs(both: Both, email: str) -> Contact | None:
    """The Salesforce person with HubSpot's value of each input the two cannot hold alike (the
    module docstring lists them), or None when no such input differs."""
    hs, sf = both.hubspot.people[email], both.salesforce.people[email]
    update: dict[str, Any] = {}
    if sf.source != hs.source:
        assert sf.source is not None and HUBSPOT_COLLAPSES.get(sf.source) == hs.source, email
        update["source"] = hs.source
    is_lead = sf.id.startswith(LEAD_ID_PREFIX)
    if is_lead and sf.company and hs.company and sf.company.country != hs.company.country:
        update["company"] = sf.company.model_copy(update={"country": hs.company.country})
    return sf.model_copy(update=update) if update else None


def test_same_rules_same_decisions(both: Both):
    """Identical decisions for every person; where an inherent input differs, identical once
    Salesforce's person holds HubSpot's value of it, so that input is the only cause."""
    different: dict[str, list[str]] = {}
    unexplained: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for email in both.emails:
        left, right = both.hubspot.decide(email), both.salesforce.decide(email)
        if left == right:
            continue
        different[email] = [name for name in left if left[name] != right[name]]
        reconciled = _with_hubspots_inherent_inputs(both, email)
        again = both.salesforce.decide(email, reconciled) if reconciled else right
        if again != left:
            unexplained[email] = (left, again)
    assert unexplained == {}
    # The inherent differences touch only the decisions the module docstring says they can.
    touched = {name for names in different.values() for name in names}
    assert touched <= {"score", "score lines", "grade", "fit lines", "stage"}, different
    for name in ("score", "score lines", "grade", "fit lines", "stage", "owner"):
        same = sum(name not in different.get(email, ()) for email in both.emails)
        print(f"{name}: {same} of {len(both.emails)} identical")
    print(
        f"all decisions: {len(both.emails) - len(different)} identical, {len(different)} "
        "differ by an inherent input only"
    )
