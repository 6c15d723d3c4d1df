"""The change-limit guard: a bad mapping edit can flip thousands of stages or owners at once, so
a run that would change more than the configured share aborts before any write."""

import re

from pydantic import BaseModel, Field

from connector.domain.outcomes import ContactUpdate, UpdatableField

_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


class ChangeLimit(BaseModel):
    """Either an absolute number of contacts or a percentage of the contacts evaluated."""

    count: int | None = Field(default=None, ge=0)
    percent: float | None = Field(default=None, ge=0, le=100)

    @classmethod
    def parse(cls, text: str) -> "ChangeLimit":
        match = _LIMIT.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a change limit: use a number (500) or a share (5%)")
        number, percent = match.groups()
        if percent:
            return cls(percent=float(number))
        if "." in number:
            raise ValueError(f"{text!r}: a count of contacts must be a whole number")
        return cls(count=int(number))

    def allows(self, changed: int, evaluated: int) -> bool:
        if self.count is not None:
            return changed <= self.count
        if self.percent is not None and evaluated:
            return changed * 100 <= self.percent * evaluated
        return True

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else f"{self.count}"


class GuardVerdict(BaseModel):
    tripped: bool
    stage_changes: int
    owner_changes: int
    changed_contacts: int
    evaluated: int
    limit: str

    def summary(self) -> str:
        return (
            f"{self.changed_contacts} of {self.evaluated} contacts would change stage or owner "
            f"({self.stage_changes} stage, {self.owner_changes} owner changes), over the limit of "
            f"{self.limit}. Nothing was written. Check the last edit of the mapping files, dry-run "
            "with --dry-run to see the plan, and re-run with --force if the change is intended."
        )


GUARDED_FIELDS = (UpdatableField.LIFECYCLE_STAGE, UpdatableField.OWNER_ID)


def check_change_limit(
    updates: list[ContactUpdate], evaluated: int, limit: ChangeLimit
) -> GuardVerdict:
    stage = sum(1 for u in updates if UpdatableField.LIFECYCLE_STAGE in u.changes)
    owner = sum(1 for u in updates if UpdatableField.OWNER_ID in u.changes)
    changed = sum(1 for u in updates if any(f in u.changes for f in GUARDED_FIELDS))
    return GuardVerdict(
        tripped=not limit.allows(changed, evaluated),
        stage_changes=stage,
        owner_changes=owner,
        changed_contacts=changed,
        evaluated=evaluated,
        limit=str(limit),
    )
