"""The adapter kit: what every CRM adapter does the same way, written once: `transport` (pace,
call, count, classify, retry one request), `paging` (cursors that refuse to loop), `records`
(per-record retries), `create_once` (idempotent creates), `bounded` (an LRU map), `chunks`,
`values` (reading and writing CRM values), `updates`, `schema`, `settings` and `adapter` (the
adapter class's common part). What stays in `adapters/hubspot/` and `adapters/salesforce/` is
each CRM's dialect: its SDK calls, request bodies, answers and error shapes.
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
