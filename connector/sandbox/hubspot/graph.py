"""Association types (HubSpot-defined ids, listed in catalogue.yaml) and the association graph
between records. An association always exists in both directions, as in HubSpot.

Edges are packed into one int (`to_id << 16 | type_id`) in a list per (pair, from record), which
keeps a million contacts' companies and activities in a few hundred megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from connector.sandbox.hubspot.catalogue import BY_NAME, ObjectType, catalogue

_SHIFT = 16
_MASK = (1 << _SHIFT) - 1


@dataclass(frozen=True)
class AssociationType:
    from_type: ObjectType
    to_type: ObjectType
    type_id: int
    reverse_id: int
    label: str | None = None

    @property
    def v3_name(self) -> str:
        """The `type` string of GET .../objects/{type}/{id}?associations=... results."""
        base = f"{self.from_type.singular}_to_{self.to_type.singular}"
        if self.label is None and labelled_type(self.from_type, self.to_type, "Primary"):
            return base + "_unlabeled"
        return base


def _both_ways(row: list[Any]) -> tuple[AssociationType, AssociationType]:
    left, right, forward, reverse, *label = row
    name = label[0] if label else None
    return (
        AssociationType(BY_NAME[left], BY_NAME[right], forward, reverse, name),
        AssociationType(BY_NAME[right], BY_NAME[left], reverse, forward, name),
    )


_TYPES = [kind for row in catalogue()["association_types"] for kind in _both_ways(row)]
_BY_FROM_ID: dict[tuple[str, int], AssociationType] = {
    (kind.from_type.name, kind.type_id): kind for kind in _TYPES
}


def association_type(from_type: ObjectType, type_id: int) -> AssociationType | None:
    """The type `type_id` from `from_type` (type ids are unique per source object type)."""
    return _BY_FROM_ID.get((from_type.name, type_id))


@cache
def labelled_type(
    from_type: ObjectType, to_type: ObjectType, label: str | None = None
) -> AssociationType | None:
    """The HubSpot-defined type with `label` between two object types (the lowest id of them);
    the unlabeled one (what seeding and "default" associations use) without a label."""
    found = (k for k in _TYPES if (k.from_type, k.to_type, k.label) == (from_type, to_type, label))
    return min(found, key=lambda kind: kind.type_id, default=None)


class AssociationGraph:
    """Both directions of every association, by object type pair and source record id."""

    def __init__(self) -> None:
        self._edges: dict[tuple[str, str], dict[int, list[int]]] = {}

    def add(self, kind: AssociationType, from_id: int, to_id: int) -> None:
        """Associate both ways (an existing association is left as it is)."""
        for one, one_type, other, other_type, type_id in (
            (from_id, kind.from_type, to_id, kind.to_type, kind.type_id),
            (to_id, kind.to_type, from_id, kind.from_type, kind.reverse_id),
        ):
            pair = self._edges.setdefault((one_type.name, other_type.name), {})
            edges = pair.setdefault(one, [])
            packed = (other << _SHIFT) | type_id
            if packed not in edges:
                edges.append(packed)

    def targets(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType
    ) -> list[tuple[int, list[AssociationType]]]:
        """(to id, [association types by id]) pairs in ascending to-id order."""
        bucket = self._edges.get((from_type.name, to_type.name))
        if not bucket:
            return []
        grouped: dict[int, list[AssociationType]] = {}
        for packed in sorted(bucket.get(from_id, ())):  # by to id, then by type id
            kind = _BY_FROM_ID[from_type.name, packed & _MASK]
            grouped.setdefault(packed >> _SHIFT, []).append(kind)
        return list(grouped.items())
