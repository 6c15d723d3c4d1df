"""What seed data to build (`SeedSpec`) and what one seeded person looks like (`SeedContact`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from connector.domain.contact import Contact
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.properties import PropertyValue

#: A fixed reference time so the same spec yields the same data on every run and machine.
DEFAULT_NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class SeedDataError(ValueError):
    """The seed input (a dataset file) is unusable; the message names the file and line."""


class SeedSpec(BaseModel):
    """The recipe for seed data. Equal specs give identical data.

    `contacts` is the number of people; in dataset mode 0 means "every row of the file".
    `contacts_per_company` sets how many companies the synthetic mode creates (on average that
    many people per company; the real distribution is skewed: a few big accounts, many small).
    `with_outcomes` (dataset mode only) records each lead's known outcome as a CRM would: a
    converted lead gets a closed-won deal and the customer stage, dated after its activity.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    contacts: int = Field(ge=0)
    seed: int = 42
    dataset: Path | None = None
    now: AwareDatetime = DEFAULT_NOW
    history_days: int = Field(default=180, ge=1)
    owners: int = Field(default=8, ge=0)
    contacts_per_company: float = Field(default=4.0, ge=1.0)
    with_outcomes: bool = False

    @field_validator("now")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


@dataclass(frozen=True)
class SeedContact:
    """One seeded person: the domain contact (company and deals attached), the engagement history,
    CRM-neutral extras without a domain field (phone, city, ...) and, in dataset mode, the file's
    non-leaky columns as typed `properties` (see `dataset`).

    `extra["converted"]` (dataset mode) is the file's recorded outcome, for backtesting only: never
    loaded into a CRM field nor used as input (`SeedSpec.with_outcomes` shapes deals and stage
    instead)."""

    contact: Contact
    engagements: list[Engagement] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    properties: dict[str, PropertyValue] = field(default_factory=dict)


def engagement_history(
    contact_id: str, items: list[tuple[EngagementKind, datetime, int, str | None]], digits: int
) -> list[Engagement]:
    """(kind, when, quantity, detail) items as the person's engagements, oldest first, their
    source ids numbered in that order."""
    return [
        Engagement(
            contact_id=contact_id,
            kind=kind,
            occurred_at=at,
            quantity=max(quantity, 1),
            source_id=f"{contact_id}-e{n:0{digits}d}",
            detail=detail,
        )
        for n, (kind, at, quantity, detail) in enumerate(sorted(items, key=lambda i: i[1]), 1)
    ]


def opted_out(engagements: list[Engagement]) -> bool:
    """Whether the history holds an unsubscribe or a spam report: either CRM's e-mail opt-out."""
    return any(
        e.kind in (EngagementKind.UNSUBSCRIBE, EngagementKind.SPAM_REPORT) for e in engagements
    )


def slug(text: str) -> str:
    """Lower-case letters and digits only (for made-up e-mail addresses and domains)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def item_rng(seed: int, kind: str, index: int) -> random.Random:
    """An independent generator for item `index`, so item k needs no items before it.

    String seeds are hashed with SHA-512 by `random`, which is stable across processes and
    machines (unlike `hash()`, which PYTHONHASHSEED randomises).
    """
    return random.Random(f"{seed}:{kind}:{index}")
