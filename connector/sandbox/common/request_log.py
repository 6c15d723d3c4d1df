"""The request log: every call counted by endpoint and records, so tests and benchmarks can assert
exact API cost (the way airbyte-cdk's HTTP mocker and singer-sdk's sync-cost hook do).

Entries may be bounded (`keep_entries`) so a million-request benchmark keeps flat memory; the
counters are always exact, whatever is dropped from the entry list.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime

from connector.sandbox.common.faults import Fault


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    endpoint: str
    status: int  # 0 when the connection was dropped without an answer
    started_at: datetime
    records_read: int = 0
    records_written: int = 0
    fault: Fault | None = None
    # The query string's parameters (e.g. which properties a list call asked for), so tests can
    # assert what was requested, not only how often.
    query: dict[str, list[str]] = field(default_factory=dict)


class RequestLog:
    """Thread-safe log of served requests with exact per-endpoint counters."""

    def __init__(self, keep_entries: int | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=keep_entries)
        self._calls: Counter[str] = Counter()
        self._read: Counter[str] = Counter()
        self._written: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[Fault] = Counter()

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)  # a no-op when no entries are kept
            self._calls[entry.endpoint] += 1
            self._read[entry.endpoint] += entry.records_read
            self._written[entry.endpoint] += entry.records_written
            self._statuses[entry.status] += 1
            if entry.fault is not None:
                self._faults[entry.fault] += 1

    @property
    def entries(self) -> list[LoggedRequest]:
        """A copy of the kept entries, oldest first."""
        with self._lock:
            return list(self._entries)

    def _count(self, counter: Counter[str], endpoint: str | None) -> int:
        with self._lock:
            return counter[endpoint] if endpoint is not None else counter.total()

    def calls(self, endpoint: str | None = None) -> int:
        return self._count(self._calls, endpoint)

    def calls_by_endpoint(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def records_read(self, endpoint: str | None = None) -> int:
        return self._count(self._read, endpoint)

    def records_written(self, endpoint: str | None = None) -> int:
        return self._count(self._written, endpoint)

    def statuses(self) -> dict[int, int]:
        """How many answers per HTTP status (0 = dropped connection)."""
        with self._lock:
            return dict(self._statuses)

    def faults(self) -> dict[Fault, int]:
        """How many logged requests carried each injected fault."""
        with self._lock:
            return dict(self._faults)

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            for counter in (self._calls, self._read, self._written, self._statuses, self._faults):
                counter.clear()
