"""One update per record: both CRMs refuse a batch that names a record twice."""

from collections.abc import Iterable

from connector.domain.outcomes import ContactUpdate


def merge_updates(updates: Iterable[ContactUpdate]) -> dict[str, ContactUpdate]:
    """contact id → one update: later changes win, the earliest previous value is kept (it is
    what the CRM held before any of them), reasons are concatenated. First-seen order."""
    merged: dict[str, ContactUpdate] = {}
    for update in updates:
        known = merged.get(update.contact_id)
        if known is not None:
            update = known.model_copy(
                update={
                    "changes": {**known.changes, **update.changes},
                    "previous": {**update.previous, **known.previous},
                    "reasons": (*known.reasons, *update.reasons),
                }
            )
        merged[update.contact_id] = update
    return merged
