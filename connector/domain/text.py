"""Text cut to what a CRM field holds, visibly.

A CRM refuses (Salesforce: STRING_TOO_LONG) or silently truncates a value longer than its field,
and a 100 KB company name pasted into a form would otherwise become a 100 KB task subject. So
every text the connector writes is cut to the field's documented length, on a character
boundary (never inside a multi-byte character or a surrogate pair, never leaving a lone
combining mark), ending in a visible ellipsis so a reader knows it was cut.
"""

import unicodedata
from collections.abc import Mapping

from connector.domain.outcomes import ContactUpdate, UpdatableField

ELLIPSIS = "…"


def bounded(text: str, limit: int | None) -> str:
    """`text` if it fits in `limit` characters, else its start and an ellipsis, `limit`
    characters in all (no limit: unchanged)."""
    if limit is None or len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = limit - len(ELLIPSIS)
    # Do not end on a base character whose combining marks were cut away, nor keep marks
    # without their base: step back to the start of the last whole character cluster.
    while cut > 0 and unicodedata.combining(text[cut]):
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def cut_from(held: str, text: str) -> bool:
    """Whether `held` is `text` as `bounded` cut it for some field: its start and the ellipsis.

    That is what the CRM holds after the connector wrote `text` into a shorter field, and all of
    `text` it can hold, so a plan must count it as unchanged; otherwise every sync would write
    the same cut value again."""
    if not held.endswith(ELLIPSIS) or len(held) >= len(text):
        return False
    return text.startswith(held[: -len(ELLIPSIS)])


def bounded_update(update: ContactUpdate, limits: Mapping[UpdatableField, int]) -> ContactUpdate:
    """`update` with each text value cut to its field's limit (fields without one unchanged)."""
    changes = {
        field: bounded(value, limits.get(field)) if isinstance(value, str) else value
        for field, value in update.changes.items()
    }
    if changes == update.changes:
        return update
    return update.model_copy(update={"changes": changes})
