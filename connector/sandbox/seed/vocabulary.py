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
from connector.sandbox.common.data import keyed, package_yaml, weighted

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
ROLE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = keyed(
    str, _DATA["role_weights"], lambda pairs: tuple(map(tuple, pairs))
)
LEAD_SOURCE_WEIGHTS = weighted(LeadSource, _DATA["lead_source_weights"])
STAGE_WEIGHTS = weighted(LifecycleStage, _DATA["stage_weights"])
ENGAGEMENT_WEIGHTS = weighted(EngagementKind, _DATA["engagement_weights"])
SALES_READY_KINDS = tuple(map(EngagementKind, _DATA["sales_ready_kinds"]))
#: (min, max) per stage; (min events, max events, share of "hot": events in the last weeks)
SALES_READY_COUNTS: dict[LifecycleStage, tuple[int, int]] = keyed(
    LifecycleStage, _DATA["sales_ready_counts"], tuple
)
INTENSITY: dict[LifecycleStage, tuple[int, int, float]] = keyed(
    LifecycleStage, _DATA["intensity"], tuple
)
QUANTITIES: dict[EngagementKind, tuple[int, int]] = keyed(
    EngagementKind, _DATA["quantities"], tuple
)
DETAIL_LISTS: dict[EngagementKind, tuple[str, ...]] = keyed(
    EngagementKind, _DATA["detail_lists"], _words
)
DETAIL_TEXTS: dict[EngagementKind, str] = keyed(EngagementKind, _DATA["detail_texts"])
OWNER_MAIL_DOMAIN: str = _DATA["owner_mail_domain"]
OWNER_ROSTER: tuple[tuple[str, str], ...] = _rows("owner_roster")
STUDENT_STAGE_WEIGHTS = weighted(LifecycleStage, _DATA["student_stage_weights"])
COMPETITOR_STAGE_WEIGHTS = weighted(LifecycleStage, _DATA["competitor_stage_weights"])
#: ((min employees, max employees), weight)
SIZE_BUCKETS: tuple[tuple[tuple[int, int], float], ...] = tuple(
    (tuple(bounds), weight) for bounds, weight in _DATA["size_buckets"]
)
SALES_STATUS_WEIGHTS: dict[LifecycleStage, tuple[tuple[SalesStatus | None, float], ...]] = keyed(
    LifecycleStage,
    _DATA["sales_status_weights"],
    lambda pairs: tuple((SalesStatus(s) if s else None, w) for s, w in pairs),
)
LEGAL_SUFFIX: dict[str, str] = dict(_DATA["legal_suffix"])
CALLING_CODE: dict[str, str] = dict(_DATA["calling_code"])
INTENT_BY_STAGE: dict[LifecycleStage, tuple[IntentLevel, ...]] = keyed(
    LifecycleStage, _DATA["intent_by_stage"], lambda levels: tuple(map(IntentLevel, levels))
)
