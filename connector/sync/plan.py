"""The diff between what the rules want and what the CRM already holds.

Only differences are written: an unchanged contact costs no API call, and a re-run after a
crash finds nothing left to do for the records that already landed.
"""

from datetime import datetime
from enum import Enum

from connector.domain.contact import Contact
from connector.domain.engine import Evaluation
from connector.domain.outcomes import ContactUpdate, FieldValue, UpdatableField
from connector.domain.text import cut_from


def current_value(contact: Contact, field: UpdatableField) -> FieldValue:
    """What the CRM holds now for a field the connector writes, in domain terms (a stage or
    status as its value). Each field is the Contact attribute of the same name."""
    value = getattr(contact, _ATTRIBUTE[field])
    return value.value if isinstance(value, Enum) else value


#: field → its Contact attribute (a `match` on enum members is slow on Python 3.11)
_ATTRIBUTE = {field: field.value for field in UpdatableField}


def _same(old: FieldValue, new: FieldValue) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        # CRMs store milliseconds at best; a microsecond difference is not a change.
        return abs((old - new).total_seconds()) < 0.001
    if isinstance(old, str) and isinstance(new, str):
        # A text the adapter cut to its field (domain/text.py) is all the field can hold of it.
        return old.strip() == new.strip() or cut_from(old.strip(), new.strip())
    return old == new


def plan_update(contact: Contact, evaluation: Evaluation) -> ContactUpdate | None:
    """The fields whose desired value differs from the CRM's, or None when nothing differs."""
    changes: dict[UpdatableField, FieldValue] = {}
    previous: dict[UpdatableField, FieldValue] = {}
    for field, desired in evaluation.desired.items():
        held = current_value(contact, field)
        if not _same(held, desired):
            changes[field] = desired
            previous[field] = held
    if not changes:
        return None
    transition = evaluation.stage.transition
    reasons = transition.reasons if transition else ()
    return ContactUpdate(contact_id=contact.id, changes=changes, previous=previous, reasons=reasons)
