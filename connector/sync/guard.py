"""The change-limit guard: a bad mapping edit can flip thousands of stages or owners at once, so
a run that would change more than the configured share aborts before any write.

A share is judged against the account's population (every contact the CRM holds), not against
the contacts one incremental sync happened to read: on a quiet day a sync reads the handful of
people sales touched, and "2 of 7 would change" is normal work, not a broken mapping. Below an
absolute floor (`CONNECTOR_MAX_CHANGES_FLOOR`, 10 people) it never aborts at all, so a small
account is not stopped by a handful of genuine qualifications.
"""

from collections.abc import Iterable

from pydantic import BaseModel, Field

from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.settings import ChangeLimit

__all__ = ["ChangeCount", "ChangeLimit", "GuardVerdict", "check_change_limit"]


class GuardVerdict(BaseModel):
    tripped: bool
    stage_changes: int
    owner_changes: int
    changed_contacts: int
    evaluated: int = Field(description="the population the share is taken of")
    limit: str

    def summary(self) -> str:
        return (
            f"{self.changed_contacts} of {self.evaluated} contacts would change stage or owner "
            f"({self.stage_changes} stage, {self.owner_changes} owner changes), over the limit of "
            f"{self.limit}. Nothing was written. Check the last edit of the mapping files, dry-run "
            "with --dry-run to see the plan, and re-run with --force if the change is intended."
        )


class ChangeCount(BaseModel):
    """How many planned updates change a stage, an owner, either: counted page by page, so the
    guard can judge a whole run without holding its plans in memory."""

    stage: int = 0
    owner: int = 0
    changed: int = 0

    def add(self, updates: Iterable[ContactUpdate]) -> None:
        """Count these updates in (a page's, as it is journaled)."""
        for update in updates:
            stage = UpdatableField.LIFECYCLE_STAGE in update.changes
            owner = UpdatableField.OWNER_ID in update.changes
            self.stage += stage
            self.owner += owner
            self.changed += stage or owner


def check_change_limit(
    count: ChangeCount, evaluated: int, limit: ChangeLimit, floor: int = 0
) -> GuardVerdict:
    """Judge a run's summed counts against the limit, taking a share of `evaluated` (the
    account's population); `floor` changed people or fewer always pass."""
    return GuardVerdict(
        tripped=not limit.allows(count.changed, evaluated, floor),
        stage_changes=count.stage,
        owner_changes=count.owner,
        changed_contacts=count.changed,
        evaluated=evaluated,
        limit=str(limit),
    )
