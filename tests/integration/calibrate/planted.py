"""Synthetic sales history with planted weights, loaded into a sandbox through its seeding
module: each person's engagement and fit are drawn at random, and the outcome is drawn from a
logistic model with known weights, then recorded the way a CRM holds it (stage, deals, lead
status) — so calibration can be checked against the weights that made the history."""

import math
import random
from collections.abc import Callable, Iterator
from datetime import timedelta

from connector.domain.contact import Contact, Deal, DealStatus, LeadSource
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.seed import DEFAULT_NOW, SeedContact, SeedData, SeedSpec

#: log-odds per event (engagement) or per match (fit), the truth calibration must recover
PLANTED: dict[str, float] = {
    "engagement: meeting_booked": 2.4,
    "engagement: call": 1.2,
    "engagement: unsubscribe": -1.8,
    "core market": 0.9,
}
INTERCEPT = -1.2
KINDS = {
    EngagementKind.MEETING_BOOKED: "engagement: meeting_booked",
    EngagementKind.CALL: "engagement: call",
    EngagementKind.UNSUBSCRIBE: "engagement: unsubscribe",
}

#: how an outcome is recorded: (converted?, index) -> stage, sales status, deals
Recorder = Callable[[bool, int], tuple[LifecycleStage, SalesStatus | None, tuple[Deal, ...]]]


def _deal(index: int, status: DealStatus) -> Deal:
    return Deal(
        id=f"deal-{index}", status=status, amount=1000.0, closed_at=DEFAULT_NOW - timedelta(days=1)
    )


def by_stage(converted: bool, index: int) -> tuple[LifecycleStage, SalesStatus | None, tuple]:
    """Outcome in the stage and lead status (a perfect leak were they ever features); every
    person has one lost deal, so record ids run as in `by_deals`."""
    if converted:
        return LifecycleStage.SQL, SalesStatus.QUALIFIED, (_deal(index, DealStatus.LOST),)
    return LifecycleStage.LEAD, SalesStatus.REJECTED, (_deal(index, DealStatus.LOST),)


def by_deals(converted: bool, index: int) -> tuple[LifecycleStage, SalesStatus | None, tuple]:
    """The same outcomes recorded differently: customers with a won deal, and people sales
    disqualified with a lost one (deals a perfect leak were they ever features)."""
    if converted:
        return LifecycleStage.CUSTOMER, None, (_deal(index, DealStatus.WON),)
    return LifecycleStage.OTHER, SalesStatus.DISQUALIFIED, (_deal(index, DealStatus.LOST),)


def by_status(converted: bool, index: int) -> tuple[LifecycleStage, SalesStatus | None, tuple]:
    """Stage and lead status only, no deals: on Salesforce a person with a deal is a Contact
    under an Account, and Contacts have no lead status."""
    if converted:
        return LifecycleStage.SQL, SalesStatus.QUALIFIED, ()
    return LifecycleStage.LEAD, SalesStatus.REJECTED, ()


def only_converted(converted: bool, index: int) -> tuple[LifecycleStage, SalesStatus | None, tuple]:
    return LifecycleStage.SQL, SalesStatus.QUALIFIED, ()


class PlantedHistory(SeedData):
    """`people` planted people (plus the synthetic owners); no companies."""

    def __init__(self, people: int, record: Recorder = by_stage, seed: int = 5) -> None:
        super().__init__(SeedSpec(contacts=people, seed=seed))
        self.people = people
        self.record = record
        self.seed = seed

    @property
    def contact_count(self) -> int | None:
        return self.people

    def companies(self) -> Iterator:
        return iter(())

    def contacts(self, start: int = 0, stop: int | None = None) -> Iterator[SeedContact]:
        for index in range(start, self.people if stop is None else min(stop, self.people)):
            yield self.contact(index)

    def contact(self, index: int) -> SeedContact:
        rng = random.Random(f"{self.seed}:{index}")
        now = DEFAULT_NOW
        created = now - timedelta(days=20, hours=index % 24)
        logit = INTERCEPT
        engagements = []
        for kind, label in KINDS.items():
            if rng.random() < 0.3:
                at = now - timedelta(days=rng.randint(1, 10), minutes=index % 50)
                engagements.append(
                    Engagement(
                        contact_id=f"p{index}",
                        kind=kind,
                        occurred_at=at,
                        source_id=f"p{index}-{kind.value}",
                    )
                )
                logit += PLANTED[label]
        core_market = rng.random() < 0.4
        if core_market:
            logit += PLANTED["core market"]
        converted = rng.random() < 1 / (1 + math.exp(-logit))
        stage, status, deals = self.record(converted, index)
        contact = Contact(
            id=f"p{index}",
            email=f"person{index}@planted.example",
            first_name="Pat",
            last_name=f"Planted{index}",
            job_title="Analyst",
            country="Germany" if core_market else "Brazil",
            source=LeadSource.DIRECT,
            lifecycle_stage=stage,
            sales_status=status,
            deals=deals,
            created_at=created,
            updated_at=now - timedelta(hours=1),
        )
        return SeedContact(contact=contact, engagements=engagements)
