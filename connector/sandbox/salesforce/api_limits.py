"""The org's API allowances: the daily request limit, the concurrency limit and `/limits`.

- Every REST call except the Versions resource counts against `DailyApiRequests` ("This response
  header is returned in each request to REST API (except for calls to the Versions URI, /, which
  do not count towards your org's limit)"); each answer carries `Sforce-Limit-Info:
  api-usage=<used>/<max>` (REST API "Limit Info Header").
- An exhausted allowance answers 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded.";
  too many concurrent long-running requests answer 403 REQUEST_LIMIT_EXCEEDED
  "ConcurrentPerOrgLongTxn Limit exceeded." (the REST API lists REQUEST_LIMIT_EXCEEDED under 403).
  Salesforce only counts requests running longer than 20 seconds towards the concurrency limit;
  the sandbox counts every request in flight, so a small limit is easy to provoke in tests.
- `/limits` answers `{"<Limit>": {"Max": n, "Remaining": n}, ...}` (REST API "Limits").
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.common.limits import ConcurrencyLimiter, DailyCounter

DEFAULT_DAILY_LIMIT = 100_000
DEFAULT_BULK_QUERY_JOBS = 10_000


class ApiAllowance:
    def __init__(self, daily_limit: int | None, concurrent_limit: int | None) -> None:
        self.daily = DailyCounter(daily_limit if daily_limit is not None else DEFAULT_DAILY_LIMIT)
        self.concurrency = ConcurrencyLimiter(concurrent_limit)
        self.bulk_query_jobs = DailyCounter(DEFAULT_BULK_QUERY_JOBS)

    @property
    def maximum(self) -> int:
        assert self.daily.limit is not None
        return self.daily.limit

    def header(self) -> str:
        return f"api-usage={self.daily.used}/{self.maximum}"

    def limits_body(self) -> dict[str, Any]:
        remaining = self.daily.remaining or 0

        def entry(maximum: int, left: int | None = None) -> dict[str, int]:
            return {"Max": maximum, "Remaining": maximum if left is None else left}

        bulk_max = self.bulk_query_jobs.limit or DEFAULT_BULK_QUERY_JOBS
        return {
            "ConcurrentAsyncGetReportInstances": entry(200),
            "ConcurrentSyncReportRuns": entry(20),
            "DailyApiRequests": entry(self.maximum, remaining),
            "DailyAsyncApexExecutions": entry(250_000),
            "DailyBulkApiBatches": entry(15_000),
            "DailyBulkV2QueryFileStorageMB": entry(976_562),
            "DailyBulkV2QueryJobs": entry(bulk_max, self.bulk_query_jobs.remaining),
            "DailyDurableGenericStreamingApiEvents": entry(10_000),
            "DailyDurableStreamingApiEvents": entry(10_000),
            "DailyGenericStreamingApiEvents": entry(10_000),
            "DailyStandardVolumePlatformEvents": entry(10_000),
            "DailyStreamingApiEvents": entry(10_000),
            "DailyWorkflowEmails": entry(390),
            "DataStorageMB": entry(5),
            "FileStorageMB": entry(20),
            "HourlyAsyncReportRuns": entry(1_200),
            "HourlyDashboardRefreshes": entry(200),
            "HourlySyncReportRuns": entry(500),
            "MassEmail": entry(10),
            "SingleEmail": entry(15),
        }
