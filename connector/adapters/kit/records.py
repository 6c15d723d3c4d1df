"""Per-record retries: the records a batch answer called transient (HubSpot's 207 with
`RATE_LIMITS`/`LOCKED`..., Salesforce's `UNABLE_TO_LOCK_ROW`) are sent again, alone, with the
same backoff as whole requests (adapters/retry.py `backoff`) and the adapter's injected sleep.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from connector.adapters.base import RecordError
from connector.adapters.retry import RetryPolicy, backoff

V = TypeVar("V")


@dataclass
class Outcome:
    """What one send did to each record, by key: applied, refused for good, or worth another
    try — with the reject to report if the tries run out."""

    applied: list[str] = field(default_factory=list)
    rejected: list[RecordError] = field(default_factory=list)
    transient: dict[str, RecordError] = field(default_factory=dict)

    def add(self, other: "Outcome") -> "Outcome":
        return Outcome(
            self.applied + other.applied,
            self.rejected + other.rejected,
            {**self.transient, **other.transient},
        )


def retry_records(
    items: Mapping[str, V],
    send: Callable[[dict[str, V]], Outcome],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Send `items`, then again the transient ones, up to `policy.max_attempts` sends; what is
    still transient after the last is rejected with the error its last answer gave."""
    total = Outcome()
    pending = dict(items)
    for attempt in range(1, policy.max_attempts + 1):
        if not pending:
            break
        outcome = send(pending)
        total.applied += outcome.applied
        total.rejected += outcome.rejected
        if not outcome.transient:
            break
        if attempt == policy.max_attempts:
            total.rejected += outcome.transient.values()
            break
        sleep(backoff(policy, attempt))
        pending = {key: pending[key] for key in outcome.transient if key in pending}
    return total
