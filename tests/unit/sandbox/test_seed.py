"""Synthetic seed data: deterministic, random-access, streamed and realistic."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from connector.domain.contact import DealStatus, LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.stages import LifecycleStage
from connector.sandbox.seed import SeedContact, SeedData, SeedSpec
from connector.sandbox.seed.vocabulary import (
    COMPETITOR_DOMAINS,
    FREE_MAIL_DOMAINS,
    SENIORITIES,
    STUDENT_DOMAINS,
)


@pytest.fixture(scope="module")
def thousand() -> list[SeedContact]:
    return list(SeedData(SeedSpec(contacts=1000)).contacts())


def test_same_spec_gives_identical_data(thousand: list[SeedContact]) -> None:
    again = SeedData(SeedSpec(contacts=1000))
    assert list(again.contacts()) == thousand
    other = list(SeedData(SeedSpec(contacts=1000, seed=43)).contacts(0, 50))
    assert other != thousand[:50]


def test_item_k_stands_alone(thousand: list[SeedContact]) -> None:
    data = SeedData(SeedSpec(contacts=1000))
    assert list(data.contacts(737, 738)) == [thousand[737]]
    assert list(data.contacts(500, 510)) == thousand[500:510]
    assert list(data.contacts(999, 1005)) == [thousand[999]]


def test_contacts_are_streamed() -> None:
    data = SeedData(SeedSpec(contacts=1_000_000))
    stream = data.contacts()
    assert isinstance(stream, Iterator)
    assert next(stream).contact.id == "seed-000001"
    assert next(data.contacts(999_999)).contact.id == "seed-1000000"


def test_memory_stays_flat_while_streaming() -> None:
    data = SeedData(SeedSpec(contacts=1500))
    tracemalloc.start()
    try:
        count = sum(1 for _ in data.contacts())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1500
    assert peak < 2_000_000  # holding 1,500 contacts with their history would take far more


def test_a_thousand_contacts_generate_with_distinct_ids() -> None:
    people = list(SeedData(SeedSpec(contacts=1000, seed=9)).contacts())
    assert len(people) == 1000
    assert len({item.contact.id for item in people}) == 1000


def test_timestamps_are_aware_ordered_and_before_now(thousand: list[SeedContact]) -> None:
    now = SeedSpec(contacts=1).now
    for item in thousand:
        contact = item.contact
        assert contact.created_at is not None and contact.updated_at is not None
        assert contact.created_at.tzinfo is not None
        assert contact.created_at <= contact.updated_at <= now
        times = [e.occurred_at for e in item.engagements]
        assert times == sorted(times)
        for engagement in item.engagements:
            assert engagement.contact_id == contact.id
            assert engagement.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
            assert contact.created_at <= engagement.occurred_at < now
        for deal in contact.deals:
            assert deal.closed_at is None or deal.closed_at < now


def test_history_spreads_over_months(thousand: list[SeedContact]) -> None:
    now = SeedSpec(contacts=1).now
    ages = [(now - e.occurred_at).days for c in thousand for e in c.engagements]
    assert min(ages) == 0 and max(ages) >= 150
    assert sum(age > 60 for age in ages) > len(ages) * 0.2


def test_distributions_look_like_a_b2b_database(thousand: list[SeedContact]) -> None:
    stages = Counter(c.contact.lifecycle_stage for c in thousand)
    assert set(stages) == set(LifecycleStage)
    assert stages[LifecycleStage.SUBSCRIBER] + stages[LifecycleStage.LEAD] > 550
    kinds = Counter(e.kind for c in thousand for e in c.engagements)
    assert len(kinds) >= 16
    for kind in (EngagementKind.UNSUBSCRIBE, EngagementKind.EMAIL_BOUNCE):
        assert kinds[kind] > 0
    sources = Counter(c.contact.source for c in thousand)
    assert sources[LeadSource.REFERRAL] < sources[LeadSource.ORGANIC_SEARCH]
    seniorities = {c.contact.seniority for c in thousand} - {None}
    assert seniorities == set(SENIORITIES)
    countries = Counter(c.contact.country for c in thousand)
    assert len(countries) >= 10
    intensity = [len(c.engagements) for c in thousand]
    assert min(intensity) == 0 and max(intensity) >= 30


def test_funnel_is_coherent_with_deals_and_owners(thousand: list[SeedContact]) -> None:
    owner_ids = {owner.id for owner in SeedData(SeedSpec(contacts=1)).owners}
    statuses = Counter()
    for item in thousand:
        contact = item.contact
        deal_statuses = {deal.status for deal in contact.deals}
        statuses.update(deal_statuses)
        if contact.lifecycle_stage == LifecycleStage.OPPORTUNITY:
            assert DealStatus.OPEN in deal_statuses
        if contact.lifecycle_stage == LifecycleStage.CUSTOMER:
            assert DealStatus.WON in deal_statuses
        assert contact.owner_id is None or contact.owner_id in owner_ids
    assert set(statuses) == set(DealStatus)
    with_owner = sum(c.contact.owner_id is not None for c in thousand)
    assert 100 < with_owner < 900
    assert any(c.contact.bant.complete for c in thousand)


def test_emails_unique_with_free_student_and_competitor_domains(
    thousand: list[SeedContact],
) -> None:
    emails = [c.contact.email for c in thousand if c.contact.email]
    assert len(emails) == len(set(emails))
    domains = Counter(c.contact.email_domain for c in thousand)
    assert any(domain in FREE_MAIL_DOMAINS for domain in domains)
    assert any(domain in STUDENT_DOMAINS for domain in domains)
    bigger = SeedData(SeedSpec(contacts=3000)).contacts()
    assert any(c.contact.email_domain in COMPETITOR_DOMAINS for c in bigger)


def test_companies_match_the_contacts_that_reference_them(thousand: list[SeedContact]) -> None:
    data = SeedData(SeedSpec(contacts=1000))
    companies = {company.id: company for company in data.companies()}
    assert len(companies) == 250 + 2
    assert len({company.domain for company in companies.values()}) == len(companies)
    for item in thousand:
        if item.contact.company is not None:
            assert companies[item.contact.company.id] == item.contact.company
    used = Counter(c.contact.company.id for c in thousand if c.contact.company)
    assert max(used.values()) >= 10  # a few big accounts
    industries = {company.industry for company in companies.values()}
    assert len(industries) >= 10


def test_owners_include_one_inactive() -> None:
    owners = SeedData(SeedSpec(contacts=0)).owners
    assert len(owners) == 8
    assert [owner.active for owner in owners].count(False) == 1
    assert SeedData(SeedSpec(contacts=0, owners=0)).owners == []


def test_extras_are_strings(thousand: list[SeedContact]) -> None:
    assert all(
        isinstance(key, str) and isinstance(value, str)
        for item in thousand
        for key, value in item.extra.items()
    )
    assert sum("phone" in item.extra for item in thousand) > 500


def test_spec_validation() -> None:
    with pytest.raises(ValidationError):
        SeedSpec(contacts=-1)
    with pytest.raises(ValidationError):
        SeedSpec(contacts=1, now=datetime(2026, 1, 1))  # naive
    spec = SeedSpec(contacts=1, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert spec.now.tzinfo is UTC
    assert list(SeedData(SeedSpec(contacts=0)).companies()) == []
