"""E-mail flags that live on the person record itself (HasOptedOutOfEmail, EmailBouncedDate),
turned into engagements per `engagement.flags` of mappings/salesforce.yaml.

The person read already fetches these fields, so their engagements are kept in a bounded
cache and `iter_engagements` for the same people costs no extra call; a person not in the cache
(e.g. engagement asked for without a read before) is looked up in bulk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from connector.adapters.kit import BoundedMap
from connector.adapters.kit.values import flagged
from connector.domain.engagement import Engagement
from connector.mapping.crm_schema import SalesforceFlag
from connector.mapping.translate import parse_bool

#: People whose flags a read keeps for `iter_engagements`. The engine asks for a page's
#: engagement right after reading the page (2,000 people at most), so a few pages' worth is
#: enough; a cache sized for the whole run only makes memory grow with the number of people.
DEFAULT_CACHE_SIZE = 10_000


def flag_fields(flags: Sequence[SalesforceFlag]) -> list[str]:
    return [name for flag in flags for name in (flag.field, flag.date) if name]


def _is_set(value: Any) -> bool:
    """A checkbox that is true, or any other field that holds a value (a bounce date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    if isinstance(value, bool):
        return value
    try:
        return parse_bool(value)
    except ValueError:
        return True  # a date or text: being filled in is the event


def flag_engagements(
    person_id: str,
    record: Mapping[str, Any],
    flags: Sequence[SalesforceFlag],
    created_at: datetime | None,
) -> tuple[Engagement, ...]:
    """Engagements for the flags set on one person record.

    A flag without a date field (an opt-out checkbox) is dated at the record's creation:
    negative points never decay, and the earliest possible date keeps the event inside any
    evaluation time (a later date could fall after the `now` of a dry run).
    """
    found: list[Engagement] = []
    for flag in flags:
        if not _is_set(record.get(flag.field)):
            continue
        found += flagged(
            person_id,
            flag.kind,
            flag.field,
            record.get(flag.date) if flag.date else None,
            created_at,
        )
    return tuple(found)


class FlagCache(BoundedMap[str, tuple[Engagement, ...]]):
    """Flag engagements of recently read people (id -> engagements, possibly none)."""

    def __init__(self, size: int = DEFAULT_CACHE_SIZE) -> None:
        super().__init__(size)
