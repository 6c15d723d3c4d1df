"""The adapter kit: what every CRM adapter does the same way, written once.

- `transport`: send one request — check the allowance or pace, call, count, classify, retry
  (the one tenacity policy of adapters/retry.py, with the adapter's injected sleep);
- `paging`: follow cursors, refusing one already seen (a `CrmPagingError`, exit 4, not a spin);
- `records`: retry the records a batch answer called transient, with the same backoff;
- `create_once`: create records idempotently by key, settling a lost answer by looking again;
- `bounded`: a bounded least-recently-used map; `chunks`: fixed-size batches.

What stays in `adapters/hubspot/` and `adapters/salesforce/` is each CRM's dialect: its SDK
calls, request bodies, answers and error shapes.
"""

from connector.adapters.kit.bounded import BoundedMap
from connector.adapters.kit.chunks import chunks
from connector.adapters.kit.create_once import Attempt, create_once
from connector.adapters.kit.paging import CursorGuard, paginate
from connector.adapters.kit.records import Outcome, retry_records
from connector.adapters.kit.transport import Transport

__all__ = [
    "Attempt",
    "BoundedMap",
    "CursorGuard",
    "Outcome",
    "Transport",
    "chunks",
    "create_once",
    "paginate",
    "retry_records",
]
