"""The `query` and `queryAll` resources and their locators (REST API "Query", "Query More
Results"): up to 2,000 records a page, then `done: false` and `nextRecordsUrl`
(`/services/data/vXX.X/query/01g...-2000`) until `done`; `totalSize` counts the whole result;
`queryAll` also answers deleted records; `SELECT COUNT()` answers only `totalSize`.

A locator is a snapshot of row numbers (how a million-row result pages without re-running the
query); values are read when a page is served. Locators expire after 15 idle minutes, as
Salesforce's do; an unknown one answers INVALID_QUERY_LOCATOR.
"""

from __future__ import annotations

import secrets
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.records import version_of
from connector.sandbox.salesforce.render import record_json
from connector.sandbox.salesforce.soql import BoundQuery, execute, prepare
from connector.sandbox.salesforce.store import Store

PAGE_SIZE = 2000
LOCATOR_IDLE_SECONDS = 15 * 60
MAX_OPEN_LOCATORS = 1000


@dataclass
class Locator:
    id: str
    query: BoundQuery
    rows: array[int]
    resource: str  # "query" or "queryAll"
    last_used: float


class QueryResource:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._locators: OrderedDict[str, Locator] = OrderedDict()  # under the store's lock

    def run(self, request: Request) -> Response:
        soql, resource = request.param("q"), request.endpoint  # "query" or "queryAll"
        if not soql:
            raise ApiError(400, "MALFORMED_QUERY", "Missing required 'q' parameter")
        version = version_of(request)
        with self.store.lock:
            bound = prepare(self.store, soql)
            rows = execute(self.store, bound, include_deleted=resource == "queryAll")
            if bound.count:
                return Response(200, {"totalSize": len(rows), "done": True, "records": []})
            locator = Locator("", bound, array("i", rows), resource, time.monotonic())
            return self._page(locator, 0, version)

    def more(self, request: Request) -> Response:
        version = version_of(request)
        locator_id, _, offset = request.path_params["locator"].rpartition("-")
        with self.store.lock:
            self._expire()
            locator = self._locators.get(locator_id)
            if locator is None or not offset.isdigit() or int(offset) >= len(locator.rows):
                raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            locator.last_used = time.monotonic()
            self._locators.move_to_end(locator_id)
            return self._page(locator, int(offset), version)

    def _page(self, locator: Locator, offset: int, version: str) -> Response:
        table = self.store.tables[locator.query.object.name]
        end = min(offset + PAGE_SIZE, len(locator.rows))
        records = [
            record_json(self.store, table, row, locator.query.fields, version)
            for row in locator.rows[offset:end]
        ]
        body: dict[str, Any] = {"totalSize": len(locator.rows), "done": end >= len(locator.rows)}
        if end < len(locator.rows):
            if not locator.id:
                self._register(locator)
            body["nextRecordsUrl"] = (
                f"/services/data/v{version}/{locator.resource}/{locator.id}-{end}"
            )
        body["records"] = records
        return Response(200, body, records_read=len(records))

    def _register(self, locator: Locator) -> None:
        self._expire()
        locator.id = "01ggK" + secrets.token_hex(5).upper()[:10] + "AAA"
        self._locators[locator.id] = locator
        while len(self._locators) > MAX_OPEN_LOCATORS:
            self._locators.popitem(last=False)

    def _expire(self) -> None:
        horizon = time.monotonic() - LOCATOR_IDLE_SECONDS
        stale = [key for key, loc in self._locators.items() if loc.last_used < horizon]
        for key in stale:
            del self._locators[key]
