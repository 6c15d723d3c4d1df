"""Owners (`/crm/v3/owners`): the people records can be assigned to, by owner id.

Shape: the SDK's `PublicOwner` (id, email, firstName, lastName, userId, userIdIncludingInactive,
createdAt, updatedAt, archived, type PERSON). A deactivated user's owner is archived and listed
only with `archived=true`, as in HubSpot. Owner and user ids are numeric strings/ints.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def to_api(self) -> dict[str, object]:
        return {
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


#: Every owner by owner id.
Owners = dict[int, OwnerRecord]
