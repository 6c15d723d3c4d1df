"""The CRM-agnostic heart: value types and pure, deterministic rules.

Nothing in this package performs I/O or knows which CRM it serves; every function takes `now`
explicitly so the same input always yields the same decision (and so dry runs can be trusted).
"""

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """The domain's models: immutable, and a key nobody declared is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")
