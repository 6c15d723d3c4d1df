"""Request limits as the CRMs enforce them: a rolling window (HubSpot's per-10-seconds burst),
a daily allowance (both CRMs) and a concurrency cap (Salesforce's long-running requests).

The clock is injectable so limit behaviour is tested without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime


class RollingWindowLimiter:
    """At most `limit` acquisitions in any `window_seconds`; `limit=None` means unlimited."""

    def __init__(
        self,
        limit: int | None,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._stamps: deque[float] = deque()

    def _prune(self, now: float) -> None:
        horizon = now - self.window_seconds
        while self._stamps and self._stamps[0] <= horizon:
            self._stamps.popleft()

    def try_acquire(self) -> bool:
        if self.limit is None:
            return True
        with self._lock:
            now = self._clock()
            self._prune(now)
            if len(self._stamps) >= self.limit:
                return False
            self._stamps.append(now)
            return True

    def remaining(self) -> int | None:
        if self.limit is None:
            return None
        with self._lock:
            self._prune(self._clock())
            return max(self.limit - len(self._stamps), 0)

    def reset(self) -> None:
        with self._lock:
            self._stamps.clear()


class DailyCounter:
    """A daily allowance that starts afresh when `today()` changes; `limit=None` is unlimited."""

    def __init__(
        self, limit: int | None, today: Callable[[], date] = lambda: datetime.now(UTC).date()
    ) -> None:
        self.limit = limit
        self._today = today
        self._lock = threading.Lock()
        self._day = today()
        self._used = 0

    def _roll(self) -> None:
        day = self._today()
        if day != self._day:
            self._day = day
            self._used = 0

    def try_acquire(self) -> bool:
        with self._lock:
            self._roll()
            if self.limit is not None and self._used >= self.limit:
                return False
            self._used += 1
            return True

    @property
    def used(self) -> int:
        with self._lock:
            self._roll()
            return self._used

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    def reset(self) -> None:
        with self._lock:
            self._used = 0


class ConcurrencyLimiter:
    """At most `limit` requests in flight at once; `limit=None` is unlimited.

    Use `try_acquire()` and, when it returned True, `release()` once the request is answered.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._in_flight = 0

    def try_acquire(self) -> bool:
        with self._lock:
            if self.limit is not None and self._in_flight >= self.limit:
                return False
            self._in_flight += 1
            return True

    def release(self) -> None:
        with self._lock:
            if self._in_flight == 0:
                raise RuntimeError("release() without a matching try_acquire()")
            self._in_flight -= 1
