"""Synthetic B2B seed data: people, companies, deals, owners and months of engagement.

Every item is derived from its own generator seeded with (seed, kind, index) so item k can be
built alone (emulators load lazily or in chunks, a million contacts stream in flat memory) and
the output is identical on every run. Distributions aim at what a marketing database looks like:
mostly subscribers and leads with little activity, a thinner funnel further down, some free-mail,
student and competitor addresses for disqualification rules, unsubscribes and bounces.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from connector.domain.contact import Bant, Company, Contact, Deal, DealStatus, Owner
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.seed import vocabulary as v
from connector.sandbox.seed.spec import SeedContact, SeedSpec, engagement_history, item_rng, slug

T = TypeVar("T")

_NAME_SPACE = len(v.FIRST_NAMES) * len(v.LAST_NAMES)
_COMPANY_SPACE = len(v.COMPANY_PREFIXES) * len(v.COMPANY_CORES)
_STRIDE = 7919  # a prime: k -> k*STRIDE mod N is a permutation when it does not divide N
assert math.gcd(_STRIDE, _NAME_SPACE) == 1 and math.gcd(_STRIDE, _COMPANY_SPACE) == 1

_MINUTE = timedelta(minutes=1)


def _weighted(pairs: Sequence[tuple[T, float]]) -> Callable[[random.Random], T]:
    """A categorical distribution drawn with one `random()` call (cheap at a million items)."""
    values = [value for value, _ in pairs]
    cumulative = list(itertools.accumulate(weight for _, weight in pairs))
    return lambda rng: values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


_INDUSTRY = _weighted(v.INDUSTRIES)
_COUNTRY = _weighted([(entry, entry[2]) for entry in v.COUNTRIES])
_SENIORITY = _weighted(v.SENIORITY_WEIGHTS)
_ROLES = {seniority: _weighted(pairs) for seniority, pairs in v.ROLE_WEIGHTS.items()}
_SOURCE = _weighted(v.LEAD_SOURCE_WEIGHTS)
_STAGE = _weighted(v.STAGE_WEIGHTS)
_ENGAGEMENT = _weighted(v.ENGAGEMENT_WEIGHTS)
_STUDENT_STAGE = _weighted(v.STUDENT_STAGE_WEIGHTS)
_COMPETITOR_STAGE = _weighted(v.COMPETITOR_STAGE_WEIGHTS)
_SIZE_BUCKETS = _weighted(v.SIZE_BUCKETS)
_SALES_STATUS = {stage: _weighted(pairs) for stage, pairs in v.SALES_STATUS_WEIGHTS.items()}
_DOWNSTREAM = frozenset(LifecycleStage) - {
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.OTHER,
}


def _at(now: datetime, age: timedelta) -> datetime:
    """A timestamp `age` before `now`, to the second (CRMs store no finer)."""
    return (now - age).replace(microsecond=0)


class SyntheticSeed:
    """Random-access synthetic data for one spec: contact k and `company(i)` stand alone."""

    def __init__(self, spec: SeedSpec) -> None:
        self.spec = spec
        self.company_count = (
            math.ceil(spec.contacts / spec.contacts_per_company) if spec.contacts else 0
        )
        self._name_offset = (spec.seed * 104_729) % _NAME_SPACE
        self._company_offset = (spec.seed * 1_299_709) % _COMPANY_SPACE
        self.owners = [self._owner(index) for index in range(spec.owners)]
        self._active_owners = [owner for owner in self.owners if owner.active]
        self.company = lru_cache(maxsize=4096)(self._company)

    # ---- owners ------------------------------------------------------------------------------
    def _owner(self, index: int) -> Owner:
        if index < len(v.OWNER_ROSTER):
            first, last = v.OWNER_ROSTER[index]
        else:
            rng = item_rng(self.spec.seed, "owner", index)
            first, last = rng.choice(v.FIRST_NAMES), f"{rng.choice(v.LAST_NAMES)}{index}"
        # One deactivated owner (a leaver) when the team is big enough: routing must skip it.
        active = not (self.spec.owners >= 4 and index == self.spec.owners - 1)
        return Owner(
            id=f"seed-owner-{index + 1:02d}",
            name=f"{first} {last}",
            email=f"{slug(first)}.{slug(last)}@{v.OWNER_MAIL_DOMAIN}",
            active=active,
        )

    def _pick_owner(self, rng: random.Random, *, allow_inactive: float = 0.0) -> str | None:
        if not self.owners:
            return None
        if allow_inactive and rng.random() < allow_inactive:
            return rng.choice(self.owners).id
        pool = self._active_owners or self.owners
        return rng.choice(pool).id

    # ---- companies ---------------------------------------------------------------------------
    def companies(self) -> Iterator[Company]:
        if not self.company_count:
            return
        for index in range(len(v.COMPETITORS)):
            yield self._competitor(index)
        for index in range(self.company_count):
            yield self.company(index)

    def _competitor(self, index: int) -> Company:
        name, domain = v.COMPETITORS[index]
        return Company(
            id=f"seed-company-competitor-{index + 1}",
            name=name,
            domain=domain,
            industry="Software",
            employees=(240, 1150)[index % 2],
            annual_revenue=(31_000_000.0, 180_000_000.0)[index % 2],
            country="United States",
            region="NA",
        )

    def _company(self, index: int) -> Company:
        rng = item_rng(self.spec.seed, "company", index)
        slot = (index * _STRIDE + self._company_offset) % _COMPANY_SPACE
        generation = index // _COMPANY_SPACE
        prefix = v.COMPANY_PREFIXES[slot % len(v.COMPANY_PREFIXES)]
        core = v.COMPANY_CORES[slot // len(v.COMPANY_PREFIXES)]
        number = f" {generation + 1}" if generation else ""
        country, region, _, tld, _ = _COUNTRY(rng)
        base = f"{prefix} {core}{number}"
        suffix = v.LEGAL_SUFFIX.get(country)
        name = f"{base} {suffix}" if suffix and rng.random() < 0.5 else base
        low, high = _SIZE_BUCKETS(rng)
        employees = round(math.exp(rng.uniform(math.log(low), math.log(high))))
        revenue = round(employees * rng.uniform(60_000, 350_000), -3)
        return Company(
            id=f"seed-company-{index + 1:06d}",
            name=name,
            domain=f"{slug(prefix + core)}{generation + 1 if generation else ''}.{tld}",
            industry=_INDUSTRY(rng) if rng.random() < 0.95 else None,
            employees=employees if rng.random() < 0.93 else None,
            annual_revenue=revenue if rng.random() < 0.85 else None,
            country=country,
            region=region,
            owner_id=self._pick_owner(rng, allow_inactive=0.05) if rng.random() < 0.55 else None,
        )

    # ---- contacts ----------------------------------------------------------------------------
    def contacts(self, start: int = 0, stop: int | None = None) -> Iterator[SeedContact]:
        end = self.spec.contacts if stop is None else min(stop, self.spec.contacts)
        for index in range(max(start, 0), end):
            yield _ContactBuilder(self, index).build()


class _ContactBuilder:
    """Builds contact `index`; one instance per contact keeps the steps readable."""

    def __init__(self, seed: SyntheticSeed, index: int) -> None:
        self.seed = seed
        self.spec = seed.spec
        self.index = index
        self.rng = item_rng(self.spec.seed, "contact", index)
        self.id = f"seed-{index + 1:06d}"

    def build(self) -> SeedContact:
        rng, spec = self.rng, self.spec
        slot = (self.index * _STRIDE + self.seed._name_offset) % _NAME_SPACE
        generation = self.index // _NAME_SPACE
        first = v.FIRST_NAMES[slot % len(v.FIRST_NAMES)]
        last = v.LAST_NAMES[slot // len(v.FIRST_NAMES)]
        local = f"{slug(first)}.{slug(last)}{generation + 1 if generation else ''}"

        kind = rng.random()
        company: Company | None = None
        if kind < 0.005:
            company = self.seed._competitor(rng.randrange(len(v.COMPETITORS)))
            persona = "competitor"
        elif kind < 0.065:
            persona, domain = "freemail", rng.choice(v.FREE_MAIL_DOMAINS)
        elif kind < 0.095:
            persona, domain = "student", rng.choice(v.STUDENT_DOMAINS)
        else:
            # Skewed: a few big accounts hold many people, many companies hold one or two.
            position = int(self.seed.company_count * rng.random() ** 1.6)
            company = self.seed.company(min(position, self.seed.company_count - 1))
            persona = "employee"
        if company is not None:
            assert company.domain is not None
            domain = company.domain
        email: str | None = f"{local}@{domain}"
        if persona == "employee" and rng.random() < 0.01:
            email = None  # a business card typed in without the address

        if persona == "student":
            stage = _STUDENT_STAGE(rng)
            seniority = v.SENIORITY_STUDENT
            title = rng.choice(("Student", "MBA Student", "Graduate Student"))
        else:
            stage = _COMPETITOR_STAGE(rng) if persona == "competitor" else _STAGE(rng)
            seniority = _SENIORITY(rng)
            function, chief = rng.choice(v.FUNCTIONS)
            title = self._title(seniority, function, chief)
        role = _ROLES[seniority](rng) if rng.random() < 0.6 else None

        country: str | None
        region: str | None
        if company is not None and company.country and rng.random() < 0.9:
            country, region = company.country, company.region
        else:
            country, region, *_ = _COUNTRY(rng)
        if rng.random() < 0.04:
            country, region = None, None  # never asked

        source = _SOURCE(rng) if rng.random() < 0.92 else None
        history = timedelta(days=spec.history_days)
        created_at = _at(
            spec.now, timedelta(seconds=rng.uniform(2 * 86_400, (history * 1.6).total_seconds()))
        )
        engagements = self._engagements(stage, created_at)
        updated_at = max([created_at, *(e.occurred_at for e in engagements)])

        if stage in _SALES_STATUS:
            status = _SALES_STATUS[stage](rng)
        else:  # subscribers have none; sales qualified every opportunity and customer
            status = SalesStatus.QUALIFIED if stage in _DOWNSTREAM else None
        contact = Contact(
            id=self.id,
            email=email,
            first_name=first,
            last_name=last,
            job_title=title,
            seniority=seniority if rng.random() < 0.8 else None,
            decision_role=role,
            country=country,
            region=region,
            source=source,
            intent=rng.choice(v.INTENT_BY_STAGE[stage]) if rng.random() < 0.35 else None,
            lifecycle_stage=stage,
            sales_status=status,
            bant=self._bant(stage),
            owner_id=self._owner(stage, company),
            company=company,
            deals=self._deals(stage, company, created_at),
            created_at=created_at,
            updated_at=updated_at,
        )
        return SeedContact(contact=contact, engagements=engagements, extra=self._extra(country))

    @staticmethod
    def _title(seniority: str, function: str, chief: str | None) -> str:
        if seniority == v.SENIORITY_C_LEVEL and chief:
            return chief
        template = v.TITLE_TEMPLATES.get(seniority)
        if template is not None:
            return template.format(function=function)
        return f"{function} {v.IC_TITLES[len(function) % len(v.IC_TITLES)]}"

    def _owner(self, stage: LifecycleStage, company: Company | None) -> str | None:
        rng = self.rng
        share = 0.85 if stage in _DOWNSTREAM else {LifecycleStage.LEAD: 0.3}.get(stage, 0.05)
        if rng.random() >= share:
            return None
        if company is not None and company.owner_id and rng.random() < 0.7:
            return company.owner_id  # account-based: the account owner owns its people
        return self.seed._pick_owner(rng, allow_inactive=0.03)

    def _bant(self, stage: LifecycleStage) -> Bant:
        rng = self.rng
        if stage in (LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.OTHER):
            return Bant()
        if stage == LifecycleStage.MQL:
            return Bant(need=True) if rng.random() < 0.2 else Bant()
        if stage == LifecycleStage.SQL and rng.random() < 0.6:
            answers = [True if rng.random() < 0.7 else rng.choice((None, False)) for _ in range(4)]
            return Bant(**dict(zip(Bant.model_fields, answers, strict=True)))
        return Bant(budget=True, authority=True, need=True, timeline=True)

    def _deals(
        self, stage: LifecycleStage, company: Company | None, created_at: datetime
    ) -> tuple[Deal, ...]:
        rng, now = self.rng, self.spec.now
        size = (company.employees if company and company.employees else 20) or 20
        typical = 4_000 * max(size, 5) ** 0.45

        def amount() -> float:
            return float(round(rng.lognormvariate(math.log(typical), 0.5), -2))

        def closed() -> datetime:
            horizon = max((now - created_at).total_seconds(), 86_400.0)
            return _at(now, timedelta(seconds=rng.uniform(3_600, horizon)))

        deals: list[tuple[DealStatus, float, datetime | None]] = []
        if stage == LifecycleStage.OPPORTUNITY:
            deals.append((DealStatus.OPEN, amount(), None))
            if rng.random() < 0.2:
                deals.append((DealStatus.LOST, amount(), closed()))
        elif stage in (LifecycleStage.CUSTOMER, LifecycleStage.EVANGELIST):
            deals.append((DealStatus.WON, amount(), closed()))
            if rng.random() < 0.3:
                deals.append((DealStatus.OPEN, amount(), None))
        elif stage in (LifecycleStage.LEAD, LifecycleStage.OTHER) and rng.random() < 0.05:
            deals.append((DealStatus.LOST, amount(), closed()))
        return tuple(
            Deal(id=f"seed-deal-{self.index + 1:06d}-{n + 1}", status=s, amount=a, closed_at=c)
            for n, (s, a, c) in enumerate(deals)
        )

    def _engagements(self, stage: LifecycleStage, created_at: datetime) -> list[Engagement]:
        rng, spec = self.rng, self.spec
        window_start = max(created_at, spec.now - timedelta(days=spec.history_days))
        span = max((spec.now - window_start).total_seconds() - 60, 60.0)
        low, high, hot_share = v.INTENSITY[stage]
        hot = rng.random() < hot_share
        idle = stage == LifecycleStage.MQL and rng.random() < 0.25  # recycle candidates
        count = rng.randint(low, high)
        if stage == LifecycleStage.LEAD and hot:
            count += rng.randint(8, 20)  # leads that are ready to become MQLs

        def when() -> datetime:
            if hot and not idle:
                age = rng.expovariate(1 / (14 * 86_400))
                if age > span:  # redraw instead of clamping, which would pile events up
                    age = rng.uniform(0, span)
            elif idle:
                age = rng.uniform(min(70 * 86_400, span * 0.8), span)
            else:
                age = rng.uniform(0, span)
            return _at(spec.now, timedelta(seconds=age) + _MINUTE)

        items: list[tuple[EngagementKind, datetime]] = [
            (_ENGAGEMENT(rng), when()) for _ in range(count)
        ]
        sales_ready = v.SALES_READY_COUNTS.get(stage)
        if sales_ready is None and stage == LifecycleStage.MQL and rng.random() < 0.15:
            sales_ready = (1, 1)  # asked for a demo: an SQL the connector should find
        if sales_ready is not None:
            items += [
                (rng.choice(v.SALES_READY_KINDS), when()) for _ in range(rng.randint(*sales_ready))
            ]
        if count:
            roll = rng.random()
            if roll < 0.03:
                items.append((EngagementKind.UNSUBSCRIBE, when()))
            elif roll < 0.05:
                items.append((EngagementKind.EMAIL_BOUNCE, when()))
            elif roll < 0.053:
                items.append((EngagementKind.SPAM_REPORT, when()))
        items.sort(key=lambda item: item[1])
        detailed = [(kind, at, self._quantity(kind), self._detail(kind)) for kind, at in items]
        return engagement_history(self.id, detailed, 3)

    def _quantity(self, kind: EngagementKind) -> int:
        bounds = v.QUANTITIES.get(kind)
        return self.rng.randint(*bounds) if bounds is not None else 1

    def _detail(self, kind: EngagementKind) -> str | None:
        words = v.DETAIL_LISTS.get(kind)
        return self.rng.choice(words) if words is not None else v.DETAIL_TEXTS.get(kind)

    def _extra(self, country: str | None) -> dict[str, str]:
        rng = self.rng
        extra: dict[str, str] = {}
        if rng.random() < 0.8:
            extra["phone"] = self._phone(country)
        entry = next((item for item in v.COUNTRIES if item[0] == country), None)
        if entry is not None and rng.random() < 0.85:
            extra["city"] = rng.choice(entry[4])
        return extra

    def _phone(self, country: str | None) -> str:
        rng = self.rng
        code = v.CALLING_CODE.get(country or "", "+1")
        if code == "+1":
            return f"+1 {rng.randint(201, 989)} 555 01{rng.randint(0, 99):02d}"  # fictional
        if code == "+44":
            return f"+44 20 7946 0{rng.randint(0, 999):03d}"  # Ofcom drama range
        return f"{code} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(0, 9999):04d}"
