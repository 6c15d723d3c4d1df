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


def _words(key: str) -> tuple[str, ...]:
    return tuple(_DATA[key])


FIRST_NAMES, LAST_NAMES = _words("first_names"), _words("last_names")
COMPANY_PREFIXES, COMPANY_CORES = _words("company_prefixes"), _words("company_cores")
INDUSTRIES: tuple[tuple[str, float], ...] = _rows("industries")
#: (country, region, share, top-level domain, cities)
COUNTRIES: tuple[tuple[str, str, float, str, tuple[str, ...]], ...] = tuple(
    (name, region, share, tld, tuple(cities))
    for name, region, share, tld, cities in _DATA["countries"]
)
FREE_MAIL_DOMAINS, STUDENT_DOMAINS = _words("free_mail_domains"), _words("student_domains")
#: (company name, domain) of the competitors disqualification rules should catch.
COMPETITORS: tuple[tuple[str, str], ...] = _rows("competitors")
COMPETITOR_DOMAINS: tuple[str, ...] = tuple(domain for _, domain in COMPETITORS)

#: Seniority values the seed uses (free strings in the domain; fit rules match on them).
SENIORITIES = _words("seniorities")
SENIORITY_C_LEVEL, *_, SENIORITY_STUDENT = SENIORITIES
TITLE_TEMPLATES: dict[str, str] = _DATA["title_templates"]
#: (function, C-level title or None)
FUNCTIONS: tuple[tuple[str, str | None], ...] = _rows("functions")
IC_TITLES = _words("ic_titles")
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
SALES_READY_KINDS = tuple(map(EngagementKind, _DATA["sales_ready_kinds"]))
SALES_READY_COUNTS: dict[LifecycleStage, tuple[int, int]] = {
    LifecycleStage(stage): (low, high) for stage, (low, high) in _DATA["sales_ready_counts"].items()
}
QUANTITIES: dict[EngagementKind, tuple[int, int]] = {
    EngagementKind(kind): (low, high) for kind, (low, high) in _DATA["quantities"].items()
}
DETAIL_LISTS: dict[EngagementKind, tuple[str, ...]] = {
    EngagementKind(kind): _words(words) for kind, words in _DATA["detail_lists"].items()
}
DETAIL_TEXTS: dict[EngagementKind, str] = {
    EngagementKind(kind): text for kind, text in _DATA["detail_texts"].items()
}
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
    LifecycleStage(stage): tuple(map(IntentLevel, levels))
    for stage, levels in _DATA["intent_by_stage"].items()
}
#: (min events, max events, share of "hot": events concentrated in the last weeks)
INTENSITY: dict[LifecycleStage, tuple[int, int, float]] = {
    LifecycleStage(stage): (low, high, hot)
    for stage, (low, high, hot) in _DATA["intensity"].items()
}
