"""The data replication resource the connector uses: sObject Get Deleted (its deletions read).

As the REST API Developer Guide describes it (`GET /sobjects/<Type>/deleted/?start=&end=`, API
29.0+, simple-salesforce's `sf.Task.deleted(start, end)`); Get Updated is not emulated: nothing
in the connector uses it.
- `start` and `end` are ISO 8601 date-times; "the API ignores the seconds portion" of both
  (12:30:15 is 12:30:00 UTC). `start` must precede `end`, else 400 INVALID_REPLICATION_DATE.
- Answer: `{"deletedRecords": [{"id", "deletedDate"}], "earliestDateAvailable",
  "latestDateCovered"}`; `deletedDate` "is obtained using the SystemModstamp system field";
  results for no more than 15 days before the call (the recycle bin's horizon, which is also
  `earliestDateAvailable` here since the sandbox never purges earlier).
- More than 600,000 ids: 400 EXCEEDED_ID_LIMIT.
`latestDateCovered` is `end` (minute-truncated): the sandbox has no long-running transactions
that would hold it back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.records import object_of
from connector.sandbox.salesforce.store import Store
from connector.sandbox.salesforce.values import (
    datetime_to_ms,
    format_datetime,
    parse_datetime_text,
)

MAX_IDS = 600_000
DELETED_DAYS = 15  # how long the recycle bin keeps a deleted record


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def deleted_records(store: Store, request: Request) -> Response:
    """`GET /sobjects/<Type>/deleted/?start=&end=`: the object's deletions in the span."""
    obj = object_of(store, request)
    start, end = _span(request)
    horizon = datetime_to_ms(_minute(store.now() - timedelta(days=DELETED_DAYS)))
    start = max(start, horizon)
    table = store.table(obj.name)
    records = []
    with store.lock:
        for row in range(len(table)):
            if not table.is_deleted(row):
                continue
            stamp = table.get(row, "SystemModstamp") or 0
            if start <= stamp < end:
                records.append({"id": table.ids[row], "deletedDate": format_datetime(stamp)})
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


def _span(request: Request) -> tuple[int, int]:
    """The request's `start` and `end` as epoch ms, seconds dropped."""
    bounds: list[int] = []
    for name in ("start", "end"):
        values = request.query.get(name) or [""]
        try:
            moment = parse_datetime_text(values[0])
        except ValueError:
            raise ApiError(
                400,
                "INVALID_REPLICATION_DATE",
                f"{name} must be an ISO 8601 date and time, e.g. 2013-05-05T00:00:00+00:00",
            ) from None
        bounds.append(datetime_to_ms(_minute(moment)))
    start, end = bounds
    if start >= end:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate must be before endDate")
    return start, end
