"""The word lists and weights synthetic seed data is drawn from, read from vocabulary.yaml.

Kept apart from the generator so rules, mappings and tests can refer to the same constants (for
example the competitor and student domains a disqualification rule should catch). The lists are
data; this module only gives them their Python shapes (tuples, and the domain's enums where the
generator draws lead sources, stages and engagement kinds).
"""

from __future__ import annotations

from typing import Any

from connector.domain.contact import IntentLevel, LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.common.data import package_yaml, weighted

_DATA: dict[str, Any] = package_yaml("connector.sandbox.seed", "vocabulary.yaml")


def _rows(key: str) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(row) for row in _DATA[key])


FIRST_NAMES: tuple[str, ...] = tuple(_DATA["first_names"])
LAST_NAMES: tuple[str, ...] = tuple(_DATA["last_names"])
COMPANY_PREFIXES: tuple[str, ...] = tuple(_DATA["company_prefixes"])
COMPANY_CORES: tuple[str, ...] = tuple(_DATA["company_cores"])
INDUSTRIES: tuple[tuple[str, float], ...] = _rows("industries")
#: (country, region, share, top-level domain, cities)
COUNTRIES: tuple[tuple[str, str, float, str, tuple[str, ...]], ...] = tuple(
    (name, region, share, tld, tuple(cities))
    for name, region, share, tld, cities in _DATA["countries"]
)
FREE_MAIL_DOMAINS: tuple[str, ...] = tuple(_DATA["free_mail_domains"])
STUDENT_DOMAINS: tuple[str, ...] = tuple(_DATA["student_domains"])
#: (company name, domain) of the competitors disqualification rules should catch.
COMPETITORS: tuple[tuple[str, str], ...] = _rows("competitors")
COMPETITOR_DOMAINS: tuple[str, ...] = tuple(domain for _, domain in COMPETITORS)

#: Seniority values the seed uses (free strings in the domain; fit rules match on them).
SENIORITIES: tuple[str, ...] = tuple(_DATA["seniorities"])
(
    SENIORITY_C_LEVEL,
    SENIORITY_VP,
    SENIORITY_DIRECTOR,
    SENIORITY_MANAGER,
    SENIORITY_INDIVIDUAL,
    SENIORITY_INTERN,
    SENIORITY_STUDENT,
) = SENIORITIES
#: (function, C-level title or None)
FUNCTIONS: tuple[tuple[str, str | None], ...] = _rows("functions")
IC_TITLES: tuple[str, ...] = tuple(_DATA["ic_titles"])
SENIORITY_WEIGHTS: tuple[tuple[str, float], ...] = _rows("seniority_weights")
ROLE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    seniority: tuple(tuple(pair) for pair in pairs)
    for seniority, pairs in _DATA["role_weights"].items()
}
LEAD_SOURCE_WEIGHTS = weighted(LeadSource, _DATA["lead_source_weights"])
LEAD_SOURCE_DETAILS: dict[LeadSource, tuple[str, ...]] = {
    LeadSource(source): tuple(details) for source, details in _DATA["lead_source_details"].items()
}
STAGE_WEIGHTS = weighted(LifecycleStage, _DATA["stage_weights"])
ENGAGEMENT_WEIGHTS = weighted(EngagementKind, _DATA["engagement_weights"])
SALES_READY_KINDS: tuple[EngagementKind, ...] = tuple(
    EngagementKind(kind) for kind in _DATA["sales_ready_kinds"]
)
PAGES: tuple[str, ...] = tuple(_DATA["pages"])
CONTENT: tuple[str, ...] = tuple(_DATA["content"])
WEBINARS: tuple[str, ...] = tuple(_DATA["webinars"])
EMAIL_CAMPAIGNS: tuple[str, ...] = tuple(_DATA["email_campaigns"])
EVENTS: tuple[str, ...] = tuple(_DATA["events"])
FORMS: tuple[str, ...] = tuple(_DATA["forms"])
OWNER_MAIL_DOMAIN: str = _DATA["owner_mail_domain"]
OWNER_ROSTER: tuple[tuple[str, str], ...] = _rows("owner_roster")
STUDENT_STAGE_WEIGHTS = weighted(LifecycleStage, _DATA["student_stage_weights"])
COMPETITOR_STAGE_WEIGHTS = weighted(LifecycleStage, _DATA["competitor_stage_weights"])
#: ((min employees, max employees), weight)
SIZE_BUCKETS: tuple[tuple[tuple[int, int], float], ...] = tuple(
    ((low, high), weight) for (low, high), weight in _DATA["size_buckets"]
)
SALES_STATUS_WEIGHTS: dict[LifecycleStage, tuple[tuple[SalesStatus | None, float], ...]] = {
    LifecycleStage(stage): tuple(
        (SalesStatus(status) if status else None, weight) for status, weight in pairs
    )
    for stage, pairs in _DATA["sales_status_weights"].items()
}
LEGAL_SUFFIX: dict[str, str] = dict(_DATA["legal_suffix"])
CALLING_CODE: dict[str, str] = dict(_DATA["calling_code"])
INTENT_BY_STAGE: dict[LifecycleStage, tuple[IntentLevel, ...]] = {
    LifecycleStage(stage): tuple(IntentLevel(level) for level in levels)
    for stage, levels in _DATA["intent_by_stage"].items()
}
#: (min events, max events, share of "hot": events concentrated in the last weeks)
INTENSITY: dict[LifecycleStage, tuple[int, int, float]] = {
    LifecycleStage(stage): (low, high, hot)
    for stage, (low, high, hot) in _DATA["intensity"].items()
}
