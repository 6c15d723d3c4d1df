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
    records_read: int
    records_written: int
    started_at: datetime
    duration_s: float
    fault: Fault | None
    # The query string's parameters (e.g. which properties a list call asked for), so tests can
    # assert what was requested, not only how often.
    query: dict[str, list[str]] = field(default_factory=dict)


class RequestLog:
    """Thread-safe log of served requests with exact per-endpoint counters."""

    def __init__(self, keep_entries: int | None = None) -> None:
        if keep_entries is not None and keep_entries < 0:
            raise ValueError("keep_entries must be >= 0 or None")
        self._lock = threading.Lock()
        self._keep = keep_entries
        self._entries: deque[LoggedRequest] = deque(maxlen=keep_entries)
        self._calls: Counter[str] = Counter()
        self._read: Counter[str] = Counter()
        self._written: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[Fault] = Counter()

    def record(
        self,
        *,
        method: str,
        path: str,
        endpoint: str,
        status: int,
        records_read: int = 0,
        records_written: int = 0,
        started_at: datetime,
        duration_s: float = 0.0,
        fault: Fault | None = None,
        query: dict[str, list[str]] | None = None,
    ) -> LoggedRequest:
        entry = LoggedRequest(
            method=method,
            path=path,
            endpoint=endpoint,
            status=status,
            records_read=records_read,
            records_written=records_written,
            started_at=started_at,
            duration_s=duration_s,
            fault=fault,
            query=query or {},
        )
        with self._lock:
            if self._keep != 0:
                self._entries.append(entry)
            self._calls[endpoint] += 1
            self._read[endpoint] += records_read
            self._written[endpoint] += records_written
            self._statuses[status] += 1
            if fault is not None:
                self._faults[fault] += 1
        return entry

    @property
    def entries(self) -> list[LoggedRequest]:
        """A copy of the kept entries, oldest first."""
        with self._lock:
            return list(self._entries)

    def calls(self, endpoint: str | None = None) -> int:
        with self._lock:
            return self._calls[endpoint] if endpoint is not None else self._calls.total()

    def calls_by_endpoint(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def records_read(self, endpoint: str | None = None) -> int:
        with self._lock:
            return self._read[endpoint] if endpoint is not None else self._read.total()

    def records_written(self, endpoint: str | None = None) -> int:
        with self._lock:
            return self._written[endpoint] if endpoint is not None else self._written.total()

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
            self._calls.clear()
            self._read.clear()
            self._written.clear()
            self._statuses.clear()
            self._faults.clear()
