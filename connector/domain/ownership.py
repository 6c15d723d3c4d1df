"""Who owns each field the connector writes: the connector, a person, or both in turn.

A RevOps team forgives a connector many things but not overwriting a rep's choice. So every
written field has an owner, set in rules.yaml under `ownership`:

- `connector`: always the connector's (score, grade, score reasons are its own output);
- `shared`: the connector writes it only while nobody else changed it since the connector's last
  write (stage, owner, lead status, recycled-at): once a person set it, the person's value wins
  until they set it back to the connector's;
- `human`: never written.

A person's change is recognised from the CRM itself: the value the CRM holds differs from the
value the connector last wrote (or first saw), which the state store keeps per person and field.
This module is pure: it compares values; the sync layer reads and keeps the marks.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum

from connector.domain import Value
from connector.domain.outcomes import FieldValue, UpdatableField


class FieldOwner(StrEnum):
    CONNECTOR = "connector"
    SHARED = "shared"
    HUMAN = "human"


class FieldOwnership(Value):
    """`ownership:` in rules.yaml, one entry per field the connector writes; the defaults are
    the issue's (and README's) table, so a rules file without the section behaves safely."""

    score: FieldOwner = FieldOwner.CONNECTOR
    grade: FieldOwner = FieldOwner.CONNECTOR
    score_reasons: FieldOwner = FieldOwner.CONNECTOR
    lifecycle_stage: FieldOwner = FieldOwner.SHARED
    owner_id: FieldOwner = FieldOwner.SHARED
    sales_status: FieldOwner = FieldOwner.SHARED
    recycled_at: FieldOwner = FieldOwner.SHARED

    def of(self, field: UpdatableField) -> FieldOwner:
        owner: FieldOwner = getattr(self, field.value)
        return owner

    def fields(self, owner: FieldOwner) -> tuple[UpdatableField, ...]:
        return tuple(field for field in UpdatableField if self.of(field) == owner)


def canonical(value: FieldValue) -> str | None:
    """One text per value, so a mark kept in the state store compares with what the CRM holds:
    moments in UTC to the millisecond (CRMs keep no more), text without surrounding blanks,
    an empty text as no value."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.isoformat(timespec="milliseconds")
    if isinstance(value, str):
        return value.strip() or None
    return str(value)


class HumanEdit(Value):
    """A shared field someone else changed since the connector last wrote (or first saw) it."""

    field: UpdatableField
    connector_value: str | None
    crm_value: str | None


def human_edits(
    held: Mapping[UpdatableField, FieldValue],
    marks: Mapping[UpdatableField, str | None],
    ownership: FieldOwnership,
) -> dict[UpdatableField, HumanEdit]:
    """The shared fields whose CRM value (`held`) differs from the connector's mark. A field
    without a mark was never written or seen by the connector: nothing to compare, no edit."""
    edits: dict[UpdatableField, HumanEdit] = {}
    for field in ownership.fields(FieldOwner.SHARED):
        if field not in marks:
            continue
        now_held = canonical(held.get(field))
        if now_held != marks[field]:
            edits[field] = HumanEdit(field=field, connector_value=marks[field], crm_value=now_held)
    return edits
