"""The rules engine alone: engagement events decided per second, no CRM, no I/O.

Contacts come from the sandbox's deterministic seed (realistic firmographics, owners, stages);
each one's engagement history is then stretched to `events_per_contact` events by repeating its
seeded events at earlier hours, so the per-event work (sorting, daily caps, decay, intent)
dominates as it does for an active contact. Everything is built before the clock starts: the
timing covers `connector.domain.engine.evaluate` — score, fit, stage, routing, task — only.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from connector.domain.contact import Contact
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.engine import evaluate
from connector.domain.routing import RoutingState
from connector.domain.scoring import score_contact
from connector.mapping.loader import load_rules
from connector.sandbox.seed import DEFAULT_NOW, SeedData, SeedSpec


@dataclass
class EngineResult:
    contacts: int
    events: int
    evaluate_seconds: float
    score_seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.evaluate_seconds

    @property
    def score_events_per_second(self) -> float:
        return self.events / self.score_seconds

    def as_dict(self) -> dict[str, float | int]:
        return {
            "contacts": self.contacts,
            "events": self.events,
            "evaluate_seconds": self.evaluate_seconds,
            "events_per_second": self.events_per_second,
            "contacts_per_second": self.contacts / self.evaluate_seconds,
            "score_only_seconds": self.score_seconds,
            "score_only_events_per_second": self.score_events_per_second,
        }


def _history(contact: Contact, seeded: list[Engagement], size: int, rng: random.Random) -> list:
    """`size` events: the seeded ones, then copies of them (or of random kinds, for a contact
    with none) an hour apart going back in time, each with its own source id."""
    pattern = seeded or [
        Engagement(
            contact_id=contact.id,
            kind=rng.choice(list(EngagementKind)),
            occurred_at=DEFAULT_NOW - timedelta(days=rng.uniform(0, 90)),
        )
    ]
    out: list[Engagement] = []
    step = 0
    while len(out) < size:
        for event in pattern:
            if len(out) >= size:
                break
            out.append(
                event.model_copy(
                    update={
                        "occurred_at": event.occurred_at - timedelta(hours=step),
                        "source_id": f"{event.source_id or event.kind}:{step}",
                    }
                )
            )
        step += 1
    return out


def run_engine(
    mappings: Path, contacts: int = 2_000, events_per_contact: int = 500, seed: int = 42
) -> EngineResult:
    policy = load_rules(mappings / "rules.yaml")
    data = SeedData(SeedSpec(contacts=contacts, seed=seed))
    owners = data.owners
    rng = random.Random(seed)
    people = [
        (item.contact, _history(item.contact, item.engagements, events_per_contact, rng))
        for item in data.contacts()
    ]
    events = sum(len(history) for _, history in people)

    routing = RoutingState()
    began = time.perf_counter()
    for contact, history in people:
        _, routing = evaluate(contact, history, policy, owners, routing, DEFAULT_NOW)
    evaluate_seconds = time.perf_counter() - began

    began = time.perf_counter()
    for contact, history in people:
        score_contact(contact, history, policy.scoring, DEFAULT_NOW)
    score_seconds = time.perf_counter() - began
    return EngineResult(len(people), events, evaluate_seconds, score_seconds)
