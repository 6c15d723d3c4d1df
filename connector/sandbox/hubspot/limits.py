"""HubSpot's two request limits and the headers that report them.

HubSpot counts requests per private app in a rolling ten-second window (policy
TEN_SECONDLY_ROLLING) and per day (policy DAILY), answers 429 with the body in `errors.rate_limited`
once either is spent, and reports the state on responses with `X-HubSpot-RateLimit-Max`,
`-Remaining`, `-Interval-Milliseconds` (the burst window) and `X-HubSpot-RateLimit-Daily`,
`-Daily-Remaining` (HubSpot's usage guidelines and its 2018/2019 changelog entries on these
headers; the `-Secondly` pair is deprecated and not sent).

A limit left unconfigured (None) is not enforced and its headers are not sent: the emulator does
not pretend to know a portal's tier.
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
        if self.daily.limit is not None and (self.daily.remaining or 0) <= 0:
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
