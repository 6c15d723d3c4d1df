"""The people, companies, deals and owners the rules reason about, in CRM-neutral terms.

Adapters translate CRM records into these through the mapping files; the rules never see a CRM
field name. Every field a CRM may leave empty is optional, because real CRM data is incomplete.
"""

from collections.abc import Mapping
from enum import StrEnum

from pydantic import AwareDatetime, Field

from connector.domain import Value
from connector.domain.properties import PropertyValue
from connector.domain.stages import LifecycleStage, SalesStatus


class LeadSource(StrEnum):
    REFERRAL = "referral"
    PARTNER = "partner"
    ORGANIC_SEARCH = "organic_search"
    PAID_SEARCH = "paid_search"
    SOCIAL = "social"
    PAID_SOCIAL = "paid_social"
    EMAIL = "email"
    DIRECT = "direct"
    EVENT = "event"
    CHAT = "chat"
    PURCHASED_LIST = "purchased_list"
    OTHER = "other"


class IntentLevel(StrEnum):
    """Where the buyer is in their journey; later levels convert better."""

    AWARENESS = "awareness"
    INTEREST = "interest"
    CONSIDERATION = "consideration"
    DECISION = "decision"


class DealStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Company(Value):
    id: str
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0)
    annual_revenue: float | None = Field(default=None, ge=0)
    country: str | None = None
    region: str | None = None
    owner_id: str | None = None


class Deal(Value):
    id: str
    status: DealStatus
    amount: float | None = None
    closed_at: AwareDatetime | None = None


class Bant(Value):
    """Sales' verification of budget, authority, need and timeline; None means not yet asked."""

    budget: bool | None = None
    authority: bool | None = None
    need: bool | None = None
    timeline: bool | None = None

    @property
    def complete(self) -> bool:
        return all((self.budget, self.authority, self.need, self.timeline))


class Owner(Value):
    id: str
    name: str | None = None
    email: str | None = None
    active: bool = True


class Contact(Value):
    """A person in the CRM (a HubSpot contact, a Salesforce Lead or Contact).

    `industry` is the person's own answer (many forms ask it); the company's industry, when
    known, wins over it. `stage_set_manually` is decided by the adapter (for example: the stage
    differs from the one the connector last wrote), because only the adapter can see the CRM's
    history; the rules merely respect it. `recycled_at` is the connector's own marker of its
    last recycle, kept in the CRM so a recycled lead needs fresh engagement before it is
    promoted again. `properties` holds the values of the properties the CRM file maps under
    `properties` (shared name -> number, text, date or bool; absent when the CRM holds none),
    which rules name with `property:`.
    """

    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    industry: str | None = None
    seniority: str | None = None
    decision_role: str | None = None
    country: str | None = None
    region: str | None = None
    source: LeadSource | None = None
    intent: IntentLevel | None = None
    lifecycle_stage: LifecycleStage | None = None
    stage_set_manually: bool = False
    sales_status: SalesStatus | None = None
    bant: Bant = Bant()
    owner_id: str | None = None
    company: Company | None = None
    deals: tuple[Deal, ...] = ()
    score: int | None = None
    grade: str | None = None
    score_reasons: str | None = None
    recycled_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    properties: Mapping[str, PropertyValue] = {}

    @property
    def email_domain(self) -> str | None:
        if not self.email or "@" not in self.email:
            return None
        return self.email.rsplit("@", 1)[1].strip().lower() or None
