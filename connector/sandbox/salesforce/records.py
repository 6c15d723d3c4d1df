"""The sObject resources: describe and single records (create, get, update, delete). An object's
basic information, `?fields=` on a get, and get/upsert by external id are not emulated: the
connector uses none of them.

Per the REST API Developer Guide: create -> 201 `{"id", "success": true, "errors": []}`; update
and delete -> 204; get -> the record with `attributes` and all its fields; a wrong object or id
-> 404 NOT_FOUND; a segment that is not an id is read as an external id field name -> 404
"Provided external ID field does not exist or is not accessible: <segment>"; a deleted record ->
404 ENTITY_IS_DELETED.

sObject Get Deleted (`GET /sobjects/<Type>/deleted/?start=&end=`, simple-salesforce's
`sf.Task.deleted(start, end)`) is how the connector reads deletions; Get Updated is not emulated:
nothing in the connector uses it. Per the REST API Developer Guide: "the API ignores the seconds
portion" of `start` and `end`; `start` must precede `end` (else 400 INVALID_REPLICATION_DATE); the
answer is `{"deletedRecords": [{"id", "deletedDate"}], "earliestDateAvailable",
"latestDateCovered"}` with `deletedDate` "obtained using the SystemModstamp system field", for no
more than the recycle bin's 15 days (also `earliestDateAvailable`: the sandbox never purges
earlier); more than 600,000 ids answer 400 EXCEEDED_ID_LIMIT. `latestDateCovered` is `end`: the
sandbox has no long-running transactions that would hold it back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.describe import global_describe, sobject_describe
from connector.sandbox.salesforce.errors import ApiError, RecordError, json_body, not_found
from connector.sandbox.salesforce.render import record_json
from connector.sandbox.salesforce.schema import ObjectDef
from connector.sandbox.salesforce.soql import BoundPath
from connector.sandbox.salesforce.store import RECYCLE_BIN, Store, Table
from connector.sandbox.salesforce.values import datetime_to_ms, format_datetime, parse_datetime_text
from connector.sandbox.salesforce.writes import Writer

MAX_DELETED_IDS = 600_000


def version_of(request: Request) -> str:
    return request.path_params["version"].lstrip("v")


def object_of(store: Store, request: Request) -> ObjectDef:
    """The object the path names (`/sobjects/<Type>/...`), else 404 NOT_FOUND."""
    obj = store.object_named(request.path_params["sobject"])
    if obj is None:
        raise not_found()
    return obj


class RecordResources:
    def __init__(self, store: Store, user_of: Callable[[Request], str]) -> None:
        self.store = store
        self.user_of = user_of  # request -> the session's user, who writes

    def global_describe(self, request: Request) -> Response:
        return Response(200, global_describe(self.store.objects, version_of(request)))

    def describe(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        return Response(200, sobject_describe(obj, version_of(request)))

    def create(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        record_id = self._write(request, lambda w: w.apply(w.prepare_create(obj, _body(request))))
        return Response(201, {"id": record_id, "success": True, "errors": []}, records_written=1)

    def get(self, request: Request) -> Response:
        table, row, obj = self._record(request)
        every_field = [BoundPath(f.name, (), (), f, 0) for f in obj.fields]  # flat, in order
        with self.store.lock:
            record = record_json(self.store, table, row, every_field, version_of(request))
        return Response(200, record, records_read=1)

    def update(self, request: Request) -> Response:
        _, _, obj = self._record(request)
        record_id = request.path_params["record_id"]
        self._write(request, lambda w: w.apply(w.prepare_update(obj, record_id, _body(request))))
        return Response(204, records_written=1)

    def delete(self, request: Request) -> Response:
        _, _, obj = self._record(request)
        self._write(request, lambda w: w.delete(obj, request.path_params["record_id"]))
        return Response(204, records_written=1)

    def deleted(self, request: Request) -> Response:
        """The object's deletions between `start` and `end`."""
        obj = object_of(self.store, request)
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
        horizon = _minute_ms(self.store.clock() - RECYCLE_BIN)
        table = self.store.tables[obj.name]
        with self.store.lock:
            deleted = (row for row in range(len(table)) if table.deleted[row])
            stamps = ((row, table.get(row, "SystemModstamp") or 0) for row in deleted)
            records = [
                {"id": table.ids[row], "deletedDate": format_datetime(stamp)}
                for row, stamp in stamps
                if max(start, horizon) <= stamp < end
            ]
        if len(records) > MAX_DELETED_IDS:
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

    def _write(self, request: Request, write: Callable[[Writer], str]) -> str:
        """Run `write` under the store's lock; a record's failure answers 400 with its error."""
        writer = Writer(self.store, self.user_of(request))
        with self.store.lock:
            try:
                return write(writer)
            except RecordError as error:
                raise ApiError(400, error.status_code, error.message, error.fields) from error

    def _record(self, request: Request) -> tuple[Table, int, ObjectDef]:
        """The live record the path names: its table, row and object."""
        obj = object_of(self.store, request)
        record_id = request.path_params["record_id"]
        if not ids.looks_like_id(record_id):
            message = f"Provided external ID field does not exist or is not accessible: {record_id}"
            raise ApiError(404, "NOT_FOUND", message)
        table = self.store.tables[obj.name]
        with self.store.lock:
            row = table.row(record_id)
        if row is None:
            raise not_found()
        if table.is_deleted(row):
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return table, row, obj


def _minute_ms(moment: datetime) -> int:
    return datetime_to_ms(moment.replace(second=0, microsecond=0))


def _body(request: Request) -> dict[str, Any]:
    body = json_body(request)
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of SObject from START_ARRAY value [ or request may be "
            "missing a required field",
        )
    return body
