"""HubSpot's two request limits and the headers that report them.

Per private app: a rolling ten-second window (policy TEN_SECONDLY_ROLLING) and a day (DAILY);
429 once either is spent, and `X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds`,
`-Daily`, `-Daily-Remaining` on answers (HubSpot's usage guidelines). A limit left unconfigured
is neither enforced nor reported: the emulator does not pretend to know a portal's tier.
"""

from __future__ import annotations

from connector.sandbox.common.limits import DailyCounter, RollingWindowLimiter
from connector.sandbox.hubspot import errors

WINDOW_SECONDS = 10.0
TEN_SECONDLY_ROLLING = "TEN_SECONDLY_ROLLING"
DAILY = "DAILY"


class RateLimits:
    def __init__(self, burst: int | None, daily: int | None) -> None:
        self.burst = RollingWindowLimiter(burst, WINDOW_SECONDS)
        self.daily = DailyCounter(daily)

    def acquire(self) -> errors.HubSpotError | None:
        """Count one request; the 429 to answer instead when a limit is spent."""
        if self.daily.remaining == 0:  # None: no daily limit
            return errors.rate_limited(DAILY, self.headers())
        if not self.burst.try_acquire():
            return errors.rate_limited(TEN_SECONDLY_ROLLING, self.headers())
        if not self.daily.try_acquire():  # pragma: no cover - raced by another thread
            return errors.rate_limited(DAILY, self.headers())
        return None

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.burst.limit is not None:
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(int(WINDOW_SECONDS * 1000))
            headers["X-HubSpot-RateLimit-Max"] = str(self.burst.limit)
            headers["X-HubSpot-RateLimit-Remaining"] = str(self.burst.remaining())
        if self.daily.limit is not None:
            headers["X-HubSpot-RateLimit-Daily"] = str(self.daily.limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(self.daily.remaining)
        return headers

    def forced_headers(self) -> dict[str, str]:
        """Headers for an injected 429: the window reported as spent."""
        burst = self.burst.limit if self.burst.limit is not None else 100
        return {
            **self.headers(),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW_SECONDS * 1000)),
            "X-HubSpot-RateLimit-Max": str(burst),
            "X-HubSpot-RateLimit-Remaining": "0",
        }

    def reset(self) -> None:
        self.burst.reset()
        self.daily.reset()
