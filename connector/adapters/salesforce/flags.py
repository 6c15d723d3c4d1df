"""E-mail flags on the person record itself (HasOptedOutOfEmail, EmailBouncedDate) as
engagements; the person read fetches them, so they are kept (bounded) for `iter_engagements`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from connector.adapters.kit import BoundedMap
from connector.adapters.kit.values import boolean, flagged
from connector.domain.engagement import Engagement
from connector.mapping.crm_schema import SalesforceFlag

#: People whose flags a read keeps: the engine asks for a page's engagement right after the
#: page (2,000 people at most), so a few pages' worth is enough.
DEFAULT_CACHE_SIZE = 10_000


def flag_fields(flags: Sequence[SalesforceFlag]) -> list[str]:
    return [name for flag in flags for name in (flag.field, flag.date) if name]


def _is_set(value: Any) -> bool:
    """A checkbox that is true, or any other field that holds a value (a bounce date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    return boolean(value, default=True)  # a date or text: being filled in is the event


def flag_engagements(
    person_id: str,
    record: Mapping[str, Any],
    flags: Sequence[SalesforceFlag],
    created_at: datetime | None,
) -> tuple[Engagement, ...]:
    """Engagements for the flags set on one person record; one without a date field (an
    opt-out checkbox) is dated at the record's creation, inside any evaluation time."""
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


#: Flag engagements of recently read people (id -> engagements, possibly none).
FlagCache = BoundedMap[str, tuple[Engagement, ...]]
