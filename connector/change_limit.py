"""The change limit as a value: a count of contacts (500) or a share (5%). On its own, below
`connector.settings` (which validates it) and `connector.sync.guard` (which applies it), so the
two do not import each other in a cycle."""

import re

from pydantic import BaseModel, Field

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

    def allows(self, changed: int, evaluated: int, floor: int = 0) -> bool:
        if changed <= floor:
            return True
        if self.count is not None:
            return changed <= self.count
        if self.percent is not None and evaluated:
            return changed * 100 <= self.percent * evaluated
        return True

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else f"{self.count}"
