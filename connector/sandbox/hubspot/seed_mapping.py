"""How the neutral seed becomes HubSpot property values (the tables: catalogue.yaml, `seeding`).

Pure functions of one seeded item returning picklable rows (`ContactRows`), so worker processes
can convert while the loader (`seeding.Seeder`) assigns ids and associations in seed order.
Engagement kinds HubSpot keeps nowhere on a contact (webinar and event attendance, chat) are not
loaded.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from connector.domain.contact import Company, DealStatus, LeadSource, Owner
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.common.data import keyed
from connector.sandbox.hubspot.catalogue import CALL_DISPOSITIONS, seeding
from connector.sandbox.hubspot.values import datetime_to_ms as _ms
from connector.sandbox.seed import SeedContact, SeedData, SeedSpec
from connector.sandbox.seed.dataset_properties import DATASET_PROPERTIES

Values = dict[str, str | int | None]

#: First HubSpot owner id / user id handed out to seeded owners.
FIRST_OWNER_ID = 52_000_001
FIRST_USER_ID = 9_100_001

LIFECYCLE: dict[LifecycleStage, str] = keyed(LifecycleStage, seeding("lifecycle"))
LEAD_STATUS: dict[SalesStatus, str] = keyed(SalesStatus, seeding("lead_status"))
ANALYTICS_SOURCE: dict[LeadSource, str] = keyed(LeadSource, seeding("analytics_source"))
BUYING_ROLE: dict[str, str] = dict(seeding("buying_role"))
#: The seed's free-text industries (lower case) → HubSpot's company `industry` values.
INDUSTRY: dict[str, str] = dict(seeding("industry"))
#: Engagements HubSpot records as a conversion (a form submission on the contact).
CONVERSION_NAMES: dict[EngagementKind, str] = keyed(EngagementKind, seeding("conversion_names"))
_OPEN_DEAL_STAGES: tuple[str, ...] = tuple(seeding("open_deal_stages"))
_CLOSED_DEAL_STAGES = {DealStatus.WON: "closedwon", DealStatus.LOST: "closedlost"}
BANT = ("budget", "authority", "need", "timeline")
#: Engagement kind -> the HubSpot counter it adds to and the "last" date property it moves.
_COUNTED: dict[EngagementKind, list[str]] = keyed(EngagementKind, seeding("counters"))


def conversion_name(engagement: Engagement) -> str | None:
    kind = engagement.kind
    if kind in CONVERSION_NAMES:
        return CONVERSION_NAMES[kind]
    if kind == EngagementKind.FORM_SUBMISSION:
        return engagement.detail or "Contact us"
    if kind == EngagementKind.CONTENT_DOWNLOAD:
        return f"Whitepaper download: {engagement.detail or 'content'}"
    if kind == EngagementKind.WEBINAR_REGISTERED:
        return f"Webinar registration: {engagement.detail or 'webinar'}"
    return None


def _amount(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else repr(value)


def _stable(text: str) -> int:
    """A deterministic small hash (Python's `hash` is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


@dataclass
class ContactRows:
    """One seeded contact and its deals and activities as plain values (no ids yet)."""

    values: Values
    created: int
    updated: int
    company: Company | None  # the seed's company, mapped to a HubSpot id by the loader
    deals: list[tuple[Values, int, int]] = field(default_factory=list)
    meetings: list[tuple[Values, int]] = field(default_factory=list)
    calls: list[tuple[Values, int]] = field(default_factory=list)


def owner_ids(owners: list[Owner]) -> dict[str, int]:
    """Seed owner id → HubSpot owner id (by position, so every process agrees)."""
    return {owner.id: FIRST_OWNER_ID + index for index, owner in enumerate(owners)}


def _owner(owners: dict[str, int], owner_id: str | None) -> str | None:
    mapped = owners.get(owner_id) if owner_id is not None else None
    return str(mapped) if mapped is not None else None


def company_values(company: Company, owners: dict[str, int], now_ms: int) -> tuple[Values, int]:
    created = now_ms - (400 + _stable(company.id) % 400) * 86_400_000
    values: Values = {
        "createdate": created,
        "name": company.name,
        "domain": company.domain,
        "industry": INDUSTRY.get((company.industry or "").lower()),
        "numberofemployees": str(company.employees) if company.employees is not None else None,
        "annualrevenue": _amount(company.annual_revenue),
        "country": company.country,
        "state": company.region,
        "hubspot_owner_id": _owner(owners, company.owner_id),
    }
    return values, created


def convert_contact(item: SeedContact, owners: dict[str, int], now: datetime) -> ContactRows:
    contact, extra = item.contact, item.extra
    created = _ms(contact.created_at or now)
    updated = _ms(contact.updated_at or contact.created_at or now)
    owner = _owner(owners, contact.owner_id)
    company = contact.company
    values: Values = {
        "createdate": created,
        "email": contact.email,
        "firstname": contact.first_name,
        "lastname": contact.last_name,
        "jobtitle": contact.job_title,
        "hs_buying_role": BUYING_ROLE.get(contact.decision_role or ""),
        "country": contact.country,
        "state": contact.region,
        "city": extra.get("city"),
        "phone": extra.get("phone"),
        "company": extra.get("company_name") or (company.name if company else None),
        # A person without a company may still have answered an industry question (the
        # dataset's specialization): HubSpot's contact `industry` then holds it in HubSpot's own
        # spelling, as Salesforce's seed puts it in Lead.Industry.
        "industry": company.industry
        if company
        else INDUSTRY.get((extra.get("industry") or "").lower()),
        "lifecyclestage": LIFECYCLE.get(contact.lifecycle_stage)
        if contact.lifecycle_stage
        else None,
        "hs_lead_status": LEAD_STATUS.get(contact.sales_status) if contact.sales_status else None,
        "hubspot_owner_id": owner,
        "hs_analytics_source": ANALYTICS_SOURCE.get(contact.source) if contact.source else None,
        **{f"bant_{key}": _bool(getattr(contact.bant, key)) for key in BANT},
    }
    if contact.score is not None:
        values["connector_score"] = str(contact.score)
    if contact.grade is not None:
        values["connector_grade"] = contact.grade
    if contact.recycled_at is not None:
        values["connector_recycled_at"] = _ms(contact.recycled_at)
    values.update(_activity_counters(item.engagements, extra))
    if item.properties:
        values.update(_dataset_values(item, values))
    rows = ContactRows(values, created, updated, company)

    who = company.name if company and company.name else contact.last_name
    for index, deal in enumerate(contact.deals):
        opened = contact.created_at or now
        if deal.closed_at is not None:
            opened = min(max(opened, deal.closed_at - timedelta(days=45)), deal.closed_at)
        stage = (
            _CLOSED_DEAL_STAGES.get(deal.status)
            or _OPEN_DEAL_STAGES[_stable(deal.id) % len(_OPEN_DEAL_STAGES)]
        )
        close = deal.closed_at or (now + timedelta(days=15 + _stable(deal.id) % 60))
        deal_values: Values = {
            "createdate": _ms(opened),
            "dealname": f"{who or 'Deal'} - "
            + ("new business" if index == 0 else f"expansion {index}"),
            "amount": _amount(deal.amount),
            "dealstage": stage,
            "pipeline": "default",
            "closedate": _ms(close),
            "hubspot_owner_id": owner,
        }
        rows.deals.append((deal_values, _ms(opened), _ms(deal.closed_at or opened)))

    caller = " ".join(part for part in ("Call with", contact.first_name, contact.last_name) if part)
    for engagement in item.engagements:
        booked = _ms(engagement.occurred_at)
        if engagement.kind == EngagementKind.MEETING_BOOKED:
            start = engagement.occurred_at + timedelta(days=2)
            meeting: Values = {
                "hs_createdate": booked,
                "hs_timestamp": _ms(start),
                "hs_meeting_title": "Discovery call with " + (contact.first_name or "prospect"),
                "hs_meeting_start_time": _ms(start),
                "hs_meeting_end_time": _ms(start + timedelta(minutes=30)),
                "hs_meeting_outcome": "SCHEDULED" if start > now else "COMPLETED",
                "hubspot_owner_id": owner,
            }
            rows.meetings.append((meeting, booked))
        elif engagement.kind == EngagementKind.CALL:
            outcome = "Connected" if _stable(engagement.source_id or "") % 3 else "Left voicemail"
            call: Values = {
                "hs_createdate": booked,
                "hs_timestamp": booked,
                "hs_call_title": caller,
                "hs_call_disposition": CALL_DISPOSITIONS[outcome],
                "hs_call_direction": "OUTBOUND",
                "hs_call_status": "COMPLETED",
                "hs_call_duration": "420000" if outcome == "Connected" else "45000",
                "hubspot_owner_id": owner,
            }
            rows.calls.append((call, booked))
    return rows


@lru_cache(maxsize=2)
def _seed_for(spec_json: str) -> SeedData:
    return SeedData(SeedSpec.model_validate_json(spec_json))


def convert_range(spec_json: str, start: int, stop: int) -> list[ContactRows]:
    """Worker entry point: convert seed contacts `start`..`stop-1` (runs in a child process)."""
    data = _seed_for(spec_json)
    owners = owner_ids(data.owners)
    return [convert_contact(item, owners, data.spec.now) for item in data.contacts(start, stop)]


def _dataset_values(item: SeedContact, values: Values) -> Values:
    """The dataset's columns in their HubSpot properties, as HubSpot returns them (numbers and
    yes/no as strings). A standard property takes the file's value, or stays empty when the
    file has none (an imported contact HubSpot never tracked has no session count); the opt-out
    keeps what the engagement history set, written as "false" otherwise, since the file
    answers the question for every lead."""
    out: Values = {}
    for prop in DATASET_PROPERTIES:
        value = item.properties.get(prop.name)
        if prop.name == "do_not_email":
            out[prop.hubspot] = "true" if values.get(prop.hubspot) == "true" or value else "false"
        elif isinstance(value, bool):
            out[prop.hubspot] = "true" if value else "false"
        elif isinstance(value, float):
            out[prop.hubspot] = _amount(value)
        elif value is not None:
            out[prop.hubspot] = str(value)
        elif prop.hubspot_standard:
            out[prop.hubspot] = None
    return out


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _activity_counters(
    engagements: list[Engagement], extra: dict[str, str]
) -> dict[str, str | int | None]:
    """HubSpot's web, e-mail and conversion counters from an engagement history."""
    counts = dict.fromkeys((counter for counter, _ in _COUNTED.values()), 0)
    last: dict[str, datetime | None] = dict.fromkeys(date for _, date in _COUNTED.values())
    optout = extra.get("email_opt_out") == "true"
    conversions: list[tuple[datetime, str]] = []
    for engagement in engagements:
        kind, at = engagement.kind, engagement.occurred_at
        if kind in _COUNTED:
            counter, date = _COUNTED[kind]
            counts[counter] += engagement.quantity
            latest = last[date]
            last[date] = at if latest is None or at > latest else latest
        elif kind in (EngagementKind.UNSUBSCRIBE, EngagementKind.SPAM_REPORT):
            optout = True
        else:
            name = conversion_name(engagement)
            if name is not None:
                conversions.append((at, name))
    if extra.get("email_bounced") == "true" and not counts["hs_email_bounce"]:
        counts["hs_email_bounce"] = 1
    conversions.sort(key=lambda item: item[0])
    # Every open, click or bounce follows a send, so the latest of them is the latest send the
    # history proves.
    emails = ("hs_email_last_send_date", "hs_email_last_open_date", "hs_email_last_click_date")
    last[emails[0]] = max((d for d in map(last.get, emails) if d), default=None)
    values: dict[str, str | int | None] = {name: str(count) for name, count in counts.items()}
    values.update({name: _ms(at) if at else None for name, at in last.items()})
    values["hs_email_optout"] = "true" if optout else None
    values["num_conversion_events"] = str(len(conversions))
    if conversions:
        values["first_conversion_date"] = _ms(conversions[0][0])
        values["first_conversion_event_name"] = conversions[0][1]
        values["recent_conversion_date"] = _ms(conversions[-1][0])
        values["recent_conversion_event_name"] = conversions[-1][1]
    return values
