"""The org's API allowances: the daily request limit and the concurrency limit.

- Every REST call except the Versions resource counts against `DailyApiRequests` ("This response
  header is returned in each request to REST API (except for calls to the Versions URI, /, which
  do not count towards your org's limit)"); each answer carries `Sforce-Limit-Info:
  api-usage=<used>/<max>` (REST API "Limit Info Header").
- An exhausted allowance answers 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded.";
  too many concurrent long-running requests answer 403 REQUEST_LIMIT_EXCEEDED
  "ConcurrentPerOrgLongTxn Limit exceeded." (the REST API lists REQUEST_LIMIT_EXCEEDED under 403).
  Salesforce only counts requests running longer than 20 seconds towards the concurrency limit;
  the sandbox counts every request in flight, so a small limit is easy to provoke in tests.
- The `/limits` resource is not emulated: the connector reads its usage from `Sforce-Limit-Info`.
"""

from __future__ import annotations

from connector.sandbox.common.limits import ConcurrencyLimiter, DailyCounter

DEFAULT_DAILY_LIMIT = 100_000


class ApiAllowance:
    def __init__(self, daily_limit: int | None, concurrent_limit: int | None) -> None:
        self.daily = DailyCounter(daily_limit if daily_limit is not None else DEFAULT_DAILY_LIMIT)
        self.concurrency = ConcurrencyLimiter(concurrent_limit)

    def header(self) -> str:
        return f"api-usage={self.daily.used}/{self.daily.limit}"
