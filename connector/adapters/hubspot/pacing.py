"""Client-side pacing: stay under HubSpot's limits instead of waiting for its 429s (errors count
against the app's error budget). HubSpot counts requests per app in a rolling ten-second window
and searches per second, and reports the window on every answer (`X-HubSpot-RateLimit-*`). The
pacer keeps under the burst limit (or the portal's maximum) and the search limit, spaces
requests out once the portal reports little left (other integrations share it), and stops with
`CrmDailyLimitError` before eating into the daily reserve.
"""

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from connector.adapters.errors import CrmDailyLimitError

SEARCH_WINDOW_SECONDS = 1.0


def _int(headers: Mapping[str, Any] | Any, name: str) -> int | None:
    try:
        return int(str(headers.get(name)))  # an absent header reads "None": no number either
    except ValueError:
        return None


class RatePacer:
    """Thread-safe; `before()` blocks until a request may go, `after()` learns from headers."""

    def __init__(
        self,
        *,
        burst_limit: int,
        window_seconds: float,
        search_per_second: int,
        slow_down_below: float = 0.1,
        daily_reserve: int = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.burst_limit = burst_limit
        self.window = window_seconds
        self.search_per_second = search_per_second
        self.slow_down_below = slow_down_below
        self.daily_reserve = daily_reserve
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._searches: deque[float] = deque()
        self.portal_max: int | None = None
        self.portal_remaining: int | None = None
        self.portal_window: float | None = None
        self.daily_remaining: int | None = None
        self.waited_seconds = 0.0

    # ---- before a request -------------------------------------------------------------------
    def before(self, *, search: bool = False) -> None:
        with self._lock:
            if self.daily_remaining is not None and self.daily_remaining <= self.daily_reserve:
                raise CrmDailyLimitError(
                    f"HubSpot's daily API allowance is down to {self.daily_remaining} requests "
                    f"(the connector keeps {self.daily_reserve} in reserve). Nothing more was "
                    "sent; run again after the allowance resets at midnight in the portal's "
                    "time zone."
                )
            wait = self._wait(self._clock(), search)
            if wait > 0:
                self.waited_seconds += wait
                self._sleep(wait)
            now = self._clock()
            self._sent.append(now)
            if search:
                self._searches.append(now)

    def _wait(self, now: float, search: bool) -> float:
        window = self.portal_window or self.window
        limit = min(self.burst_limit, self.portal_max or self.burst_limit)
        while self._sent and self._sent[0] <= now - window:
            self._sent.popleft()
        wait = 0.0
        if len(self._sent) >= limit:
            # A little past the window's end: HubSpot timestamps a request when it arrives,
            # a moment after we sent it, so leaving exactly on time can still be one too many.
            margin = min(0.25, window * 0.02)
            wait = self._sent[len(self._sent) - limit] + window + margin - now
        if (
            self.portal_max
            and self.portal_remaining is not None
            and self.portal_remaining <= max(1, int(self.portal_max * self.slow_down_below))
            and self._sent
        ):
            # Little left in the portal's window: one request per average slot, from the last.
            spacing = window / self.portal_max
            wait = max(wait, self._sent[-1] + spacing - now)
        if search:
            while self._searches and self._searches[0] <= now - SEARCH_WINDOW_SECONDS:
                self._searches.popleft()
            if len(self._searches) >= self.search_per_second:
                index = len(self._searches) - self.search_per_second
                margin = SEARCH_WINDOW_SECONDS * 0.02
                wait = max(wait, self._searches[index] + SEARCH_WINDOW_SECONDS + margin - now)
        return max(wait, 0.0)

    # ---- after an answer --------------------------------------------------------------------
    def after(self, headers: Mapping[str, Any] | Any) -> None:
        """Learn the portal's view of the limits from an answer's headers (error answers too)."""
        if not headers:
            return
        maximum = _int(headers, "X-HubSpot-RateLimit-Max")
        remaining = _int(headers, "X-HubSpot-RateLimit-Remaining")
        interval = _int(headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
        daily = _int(headers, "X-HubSpot-RateLimit-Daily-Remaining")
        with self._lock:
            if maximum:
                self.portal_max = maximum
            if remaining is not None:
                self.portal_remaining = remaining
            if interval:
                self.portal_window = interval / 1000
            if daily is not None:
                self.daily_remaining = daily
