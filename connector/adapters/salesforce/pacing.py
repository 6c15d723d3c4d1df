"""Staying inside the org's daily API allowance, as every answer's `Sforce-Limit-Info:
api-usage=used/max` reports it: no request once usage reaches what the connector leaves for
other integrations (Salesforce has no burst limit to pace; REQUEST_LIMIT_EXCEEDED is retried).
"""

import math
import re
import threading
from typing import Any

import requests

from connector.adapters.errors import CrmDailyLimitError

_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class DailyAllowance:
    """The org's daily API usage as the last `Sforce-Limit-Info` header reported it."""

    def __init__(self, reserve: float) -> None:
        self.reserve = reserve
        self.used: int | None = None
        self.maximum: int | None = None
        self._lock = threading.Lock()

    def observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        found = _API_USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if found:
            with self._lock:
                self.used, self.maximum = int(found.group(1)), int(found.group(2))

    @property
    def stop_at(self) -> int | None:
        """Usage from which no request is sent: the allowance minus the reserve."""
        if self.maximum is None:
            return None
        return self.maximum - math.ceil(self.maximum * self.reserve)

    def check(self) -> None:
        with self._lock:
            used, stop_at = self.used, self.stop_at
        if used is not None and stop_at is not None and used >= stop_at:
            raise CrmDailyLimitError(
                f"Salesforce's daily API usage is {used} of {self.maximum}; the connector keeps "
                f"{self.reserve:.0%} for other integrations and stopped before using it. "
                "Nothing more was sent; run again after the allowance recovers (it is a rolling "
                "24 hours)."
            )
