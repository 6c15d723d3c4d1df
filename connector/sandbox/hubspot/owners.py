"""Owners (`/crm/v3/owners`): the people records can be assigned to.

Shape: the SDK's `PublicOwner` (id, email, firstName, lastName, userId, userIdIncludingInactive,
createdAt, updatedAt, archived, teams, type PERSON). A deactivated user's owner is archived and
listed only with `archived=true`, as in HubSpot. Owner and user ids are numeric strings/ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connector.sandbox.hubspot.values import format_datetime


@dataclass
class OwnerRecord:
    id: int
    user_id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    created_ms: int
    updated_ms: int
    archived: bool = False
    teams: list[dict[str, object]] = field(default_factory=list)

    def to_api(self) -> dict[str, object]:
        body: dict[str, object] = {
            "id": str(self.id),
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name or "",
            "lastName": self.last_name or "",
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": format_datetime(self.created_ms),
            "updatedAt": format_datetime(self.updated_ms),
            "archived": self.archived,
        }
        if self.teams:
            body["teams"] = self.teams
        return body


class OwnerDirectory:
    """All owners, in id order."""

    def __init__(self) -> None:
        self._owners: dict[int, OwnerRecord] = {}

    def add(self, owner: OwnerRecord) -> OwnerRecord:
        self._owners[owner.id] = owner
        return owner

    def get(self, owner_id: int) -> OwnerRecord | None:
        return self._owners.get(owner_id)

    def listing(self, *, archived: bool, email: str | None = None) -> list[OwnerRecord]:
        owners = sorted(self._owners.values(), key=lambda owner: owner.id)
        selected = [owner for owner in owners if owner.archived == archived]
        if email is not None:
            wanted = email.lower()
            selected = [owner for owner in selected if (owner.email or "").lower() == wanted]
        return selected

    def __len__(self) -> int:
        return len(self._owners)

    def __contains__(self, owner_id: object) -> bool:
        return owner_id in self._owners
