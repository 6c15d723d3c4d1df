"""Association types (HubSpot-defined ids) and the association graph between records.

Type ids are HubSpot's defaults from the associations v4 guide ("Association type ID values",
developers.hubspot.com/docs/api/crm/associations): contact→company 279 (unlabeled) and 1
(Primary), deal→contact 3, task→contact 204, meeting→contact 200, call→contact 194,
email→contact 198, note→contact 202, and their company/deal counterparts. Every type has a
reverse type, and an association always exists in both directions, as in HubSpot.

Edges are packed into one int (`to_id << 16 | type_id`) in a list per (pair, from record), which
keeps a million contacts' companies and activities in a few hundred megabytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connector.sandbox.hubspot.catalogue import (
    CALLS,
    COMPANIES,
    CONTACTS,
    DEALS,
    EMAILS,
    MEETINGS,
    NOTES,
    TASKS,
    ObjectType,
)

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
USER_DEFINED = "USER_DEFINED"
_SHIFT = 16
_MASK = (1 << _SHIFT) - 1


@dataclass(frozen=True)
class AssociationType:
    from_type: ObjectType
    to_type: ObjectType
    type_id: int
    reverse_id: int
    label: str | None = None
    category: str = HUBSPOT_DEFINED

    @property
    def v3_name(self) -> str:
        """The `type` string of GET .../objects/{type}/{id}?associations=... results."""
        base = f"{self.from_type.singular}_to_{self.to_type.singular}"
        if self.label is None and _has_primary(self.from_type, self.to_type):
            return base + "_unlabeled"
        return base

    def spec_with_label(self) -> dict[str, object]:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


def _pair(
    left: ObjectType,
    right: ObjectType,
    left_to_right: int,
    right_to_left: int,
    label: str | None = None,
) -> list[AssociationType]:
    return [
        AssociationType(left, right, left_to_right, right_to_left, label),
        AssociationType(right, left, right_to_left, left_to_right, label),
    ]


_TYPES: list[AssociationType] = [
    *_pair(CONTACTS, COMPANIES, 279, 280),
    *_pair(CONTACTS, COMPANIES, 1, 2, "Primary"),
    *_pair(DEALS, CONTACTS, 3, 4),
    *_pair(DEALS, COMPANIES, 341, 342),
    *_pair(DEALS, COMPANIES, 5, 6, "Primary"),
]
for _activity, (_to_contact, _to_company, _to_deal) in {
    CALLS: (194, 182, 206),
    EMAILS: (198, 186, 210),
    MEETINGS: (200, 188, 212),
    NOTES: (202, 190, 214),
    TASKS: (204, 192, 216),
}.items():
    # HubSpot numbers the reverse (record → activity) one below the activity → record id.
    _TYPES += _pair(_activity, CONTACTS, _to_contact, _to_contact - 1)
    _TYPES += _pair(_activity, COMPANIES, _to_company, _to_company - 1)
    _TYPES += _pair(_activity, DEALS, _to_deal, _to_deal - 1)

_BY_ID: dict[tuple[str, str, int], AssociationType] = {
    (kind.from_type.name, kind.to_type.name, kind.type_id): kind for kind in _TYPES
}
_BY_PAIR: dict[tuple[str, str], list[AssociationType]] = {}
for _kind in _TYPES:
    _BY_PAIR.setdefault((_kind.from_type.name, _kind.to_type.name), []).append(_kind)


def _has_primary(from_type: ObjectType, to_type: ObjectType) -> bool:
    return any(kind.label == "Primary" for kind in _BY_PAIR.get((from_type.name, to_type.name), ()))


def association_types(from_type: ObjectType, to_type: ObjectType) -> list[AssociationType]:
    return sorted(_BY_PAIR.get((from_type.name, to_type.name), []), key=lambda kind: kind.type_id)


def association_type(
    from_type: ObjectType, to_type: ObjectType, type_id: int
) -> AssociationType | None:
    return _BY_ID.get((from_type.name, to_type.name, type_id))


def default_type(from_type: ObjectType, to_type: ObjectType) -> AssociationType | None:
    """The unlabeled HubSpot-defined type that "default" associations create."""
    for kind in _BY_PAIR.get((from_type.name, to_type.name), ()):
        if kind.label is None:
            return kind
    return None


def primary_type(from_type: ObjectType, to_type: ObjectType) -> AssociationType | None:
    for kind in _BY_PAIR.get((from_type.name, to_type.name), ()):
        if kind.label == "Primary":
            return kind
    return None


class AssociationGraph:
    """Both directions of every association, by object type pair and source record id."""

    def __init__(self) -> None:
        self._edges: dict[tuple[str, str], dict[int, list[int]]] = {}

    def _bucket(self, from_type: ObjectType, to_type: ObjectType) -> dict[int, list[int]]:
        key = (from_type.name, to_type.name)
        bucket = self._edges.get(key)
        if bucket is None:
            bucket = self._edges[key] = {}
        return bucket

    def _add_one(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int, type_id: int
    ) -> bool:
        packed = (to_id << _SHIFT) | type_id
        edges = self._bucket(from_type, to_type).setdefault(from_id, [])
        if packed in edges:
            return False
        edges.append(packed)
        return True

    def add(self, kind: AssociationType, from_id: int, to_id: int) -> bool:
        """Associate both ways; True when the association did not exist yet."""
        added = self._add_one(kind.from_type, from_id, kind.to_type, to_id, kind.type_id)
        self._add_one(kind.to_type, to_id, kind.from_type, from_id, kind.reverse_id)
        return added

    def remove(self, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int) -> int:
        """Remove every association between two records (both ways); how many types went."""
        removed = self._drop(from_type, from_id, to_type, to_id)
        self._drop(to_type, to_id, from_type, from_id)
        return removed

    def _drop(self, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int) -> int:
        bucket = self._edges.get((from_type.name, to_type.name))
        if not bucket or from_id not in bucket:
            return 0
        kept = [packed for packed in bucket[from_id] if packed >> _SHIFT != to_id]
        removed = len(bucket[from_id]) - len(kept)
        if kept:
            bucket[from_id] = kept
        else:
            del bucket[from_id]
        return removed

    def targets(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType
    ) -> list[tuple[int, list[int]]]:
        """(to id, [type ids]) pairs in ascending to-id order."""
        bucket = self._edges.get((from_type.name, to_type.name))
        if not bucket:
            return []
        grouped: dict[int, list[int]] = {}
        for packed in bucket.get(from_id, ()):
            grouped.setdefault(packed >> _SHIFT, []).append(packed & _MASK)
        return sorted((to_id, sorted(types)) for to_id, types in grouped.items())

    def target_ids(
        self, from_type: ObjectType, from_ids: Iterable[int], to_type: ObjectType
    ) -> set[int]:
        bucket = self._edges.get((from_type.name, to_type.name))
        if not bucket:
            return set()
        found: set[int] = set()
        for from_id in from_ids:
            for packed in bucket.get(from_id, ()):
                found.add(packed >> _SHIFT)
        return found
