"""API cost accounting: every request an adapter makes is counted by endpoint and records, so
a run can report what it cost and tests can assert exact call counts."""

import threading
from collections import Counter

from pydantic import BaseModel


class EndpointUsage(BaseModel):
    calls: int = 0
    records: int = 0


class ApiUsage:
    """Thread-safe counters keyed by a stable endpoint label, e.g.
    "POST /crm/v3/objects/contacts/batch/update"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._records: Counter[str] = Counter()

    def record(self, endpoint: str, records: int = 0) -> None:
        with self._lock:
            self._calls[endpoint] += 1
            self._records[endpoint] += records

    def calls(self, endpoint: str | None = None) -> int:
        with self._lock:
            return self._calls[endpoint] if endpoint else sum(self._calls.values())

    def by_endpoint(self) -> dict[str, EndpointUsage]:
        with self._lock:
            return {
                name: EndpointUsage(calls=self._calls[name], records=self._records[name])
                for name in sorted(self._calls)
            }

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._records.clear()
