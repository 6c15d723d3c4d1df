"""sObject Get Deleted (`GET /sobjects/<Type>/deleted/?start=&end=`, simple-salesforce's
`sf.Task.deleted(start, end)`): how the connector reads deletions. Get Updated is not emulated:
nothing in the connector uses it.

Per the REST API Developer Guide: "the API ignores the seconds portion" of `start` and `end`;
`start` must precede `end` (else 400 INVALID_REPLICATION_DATE); the answer is `{"deletedRecords":
[{"id", "deletedDate"}], "earliestDateAvailable", "latestDateCovered"}` with `deletedDate` "obtained
using the SystemModstamp system field", for no more than the recycle bin's 15 days (also
`earliestDateAvailable`: the sandbox never purges earlier); more than 600,000 ids answer 400
EXCEEDED_ID_LIMIT. `latestDateCovered` is `end`: the sandbox has no long-running transactions
that would hold it back.
"""

from __future__ import annotations

from datetime import datetime

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.records import object_of
from connector.sandbox.salesforce.store import RECYCLE_BIN, Store
from connector.sandbox.salesforce.values import datetime_to_ms, format_datetime, parse_datetime_text

MAX_IDS = 600_000


def _minute_ms(moment: datetime) -> int:
    return datetime_to_ms(moment.replace(second=0, microsecond=0))


def deleted_records(store: Store, request: Request) -> Response:
    """The object's deletions between `start` and `end`."""
    obj = object_of(store, request)
    bounds: list[int] = []
    for name in ("start", "end"):
        try:
            bounds.append(_minute_ms(parse_datetime_text(request.param(name) or "")))
        except ValueError:
            example = "e.g. 2013-05-05T00:00:00+00:00"
            message = f"{name} must be an ISO 8601 date and time, {example}"
            raise ApiError(400, "INVALID_REPLICATION_DATE", message) from None
    start, end = bounds
    if start >= end:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate must be before endDate")
    horizon = _minute_ms(store.clock() - RECYCLE_BIN)
    table = store.table(obj.name)
    with store.lock:
        deleted = (row for row in range(len(table)) if table.deleted[row])
        stamps = ((row, table.get(row, "SystemModstamp") or 0) for row in deleted)
        records = [
            {"id": table.ids[row], "deletedDate": format_datetime(stamp)}
            for row, stamp in stamps
            if max(start, horizon) <= stamp < end
        ]
    if len(records) > MAX_IDS:
        message = "Too many ids were requested; choose start and end dates closer together"
        raise ApiError(400, "EXCEEDED_ID_LIMIT", message)
    return Response(
        200,
        {
            "deletedRecords": records,
            "earliestDateAvailable": format_datetime(horizon),
            "latestDateCovered": format_datetime(end),
        },
    )
