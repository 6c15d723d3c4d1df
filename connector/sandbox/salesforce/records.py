"""The sObject resources: describe, single records (create, get, update, delete) and sObject
Collections (below). An object's basic information, `?fields=` on a get, and get/upsert by
external id are not emulated: the connector uses none of them.

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

sObject Collections create and update up to 200 records per call (what the connector and the
demo's reps use; upsert, delete and retrieve are not emulated). Per the REST API Developer Guide
("sObject Collections"): more than 200 records answer 400 EXCEEDED_ID_LIMIT; results come back
one per record in request order (`{"id", "success": true, "errors": []}` or `{"success": false,
"errors": [{"statusCode", "message", "fields"}]}`); `allOrNone: true` rolls the whole request
back when any record fails (the others answer ALL_OR_NONE_OPERATION_ROLLED_BACK); each record
needs `attributes.type`, and an update its `id` (MALFORMED_ID "malformed id <id>" when it is not
one). A PARTIAL_BATCH fault (or a record locked with `SalesforceSandbox.lock_records`) fails
records with UNABLE_TO_LOCK_ROW, the transient error another transaction's lock produces.
"""

from __future__ import annotations

import itertools
import random
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
from connector.sandbox.salesforce.writes import PreparedWrite, Writer, locked_error

MAX_DELETED_IDS = 600_000
MAX_RECORDS = 200  # per sObject Collections call
PARTIAL_FRACTION = 0.1  # of a PARTIAL_BATCH fault's records that fail (at least one)
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


def version_of(request: Request) -> str:
    return request.path_params["version"].lstrip("v")


def object_of(store: Store, request: Request) -> ObjectDef:
    """The object the path names (`/sobjects/<Type>/...`), else 404 NOT_FOUND."""
    obj = store.object_named(request.path_params["sobject"])
    if obj is None:
        raise not_found()
    return obj


class RecordResources:
    def __init__(self, store: Store, user_of: Callable[[Request], str], fault_seed: int) -> None:
        self.store = store
        self.user_of = user_of  # request -> the session's user, who writes
        self.fault_seed = fault_seed
        self._partial_batches = itertools.count(1)  # numbers each PARTIAL_BATCH fault's draw

    def global_describe(self, request: Request) -> Response:
        return Response(200, global_describe(self.store.objects, version_of(request)))

    def describe(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        return Response(200, sobject_describe(obj, version_of(request)))

    def create(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        record_id = self._write(request, lambda w: w.apply(w.prepare_create(obj, _body(request))))
        return Response(201, _success(record_id), records_written=1)

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

    def create_many(self, request: Request) -> Response:
        def prepare(writer: Writer, record: Any) -> PreparedWrite:  # attributes: not a field
            return writer.prepare_create(self._object_for(record), record)

        return self._write_many(request, prepare)

    def update_many(self, request: Request) -> Response:
        def prepare(writer: Writer, record: Any) -> PreparedWrite:
            obj = self._object_for(record)
            record_id = str(record.get("id") or record.get("Id") or "")
            if not record_id:
                raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
            if not ids.looks_like_id(record_id) or record_id[:3] != obj.key_prefix:
                raise RecordError("MALFORMED_ID", f"malformed id {record_id}")
            return writer.prepare_update(obj, record_id, record)  # its Id names the record

        return self._write_many(request, prepare)

    def _object_for(self, record: Any) -> ObjectDef:
        """A collection record's object, named by its `attributes.type`."""
        attributes = record.get("attributes") if isinstance(record, dict) else None
        type_name = attributes.get("type") if isinstance(attributes, dict) else None
        if not type_name:
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        obj = self.store.object_named(str(type_name))
        if obj is None:
            raise RecordError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
        return obj

    def _write_many(
        self, request: Request, prepare: Callable[[Writer, Any], PreparedWrite]
    ) -> Response:
        """Each record's result in order; with allOrNone nothing is applied unless all are valid."""
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ApiError(400, "JSON_PARSER_ERROR", "Request body must contain a list of records")
        all_or_none, records = body.get("allOrNone", False), body["records"]
        if not isinstance(all_or_none, bool):
            raise ApiError(400, "JSON_PARSER_ERROR", "allOrNone must be a boolean")
        if len(records) > MAX_RECORDS:
            message = f"record limit reached. cannot submit more than {MAX_RECORDS} records"
            raise ApiError(400, "EXCEEDED_ID_LIMIT", f"{message} into this call")
        locked: set[int] = set()
        if request.partial_failure and records:
            how_many = max(1, round(len(records) * PARTIAL_FRACTION))
            rng = random.Random(f"{self.fault_seed}:partial:{next(self._partial_batches)}")
            locked = set(rng.sample(range(len(records)), how_many))
        writer = Writer(self.store, self.user_of(request), all_or_none)
        results: list[dict[str, Any] | None] = [None] * len(records)
        with self.store.lock:
            prepared: dict[int, PreparedWrite] = {}
            for index, record in enumerate(records):
                try:
                    if index in locked:
                        raise locked_error(_lock_target(record, writer.user_id))
                    write = prepare(writer, record)
                except RecordError as error:
                    results[index] = _failure(error)
                    continue
                if all_or_none:
                    prepared[index] = write
                else:
                    results[index] = _success(writer.apply(write))
            failed = any(result is not None for result in results)
            for index, write in prepared.items():
                results[index] = _failure(ROLLED_BACK) if failed else _success(writer.apply(write))
        written = sum(1 for result in results if result is not None and result["success"])
        return Response(200, results, records_written=written)


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


def _failure(error: RecordError) -> dict[str, Any]:
    entry = {"statusCode": error.status_code, "message": error.message, "fields": error.fields}
    return {"success": False, "errors": [entry]}


def _success(record_id: str) -> dict[str, Any]:
    return {"id": record_id, "success": True, "errors": []}


def _lock_target(record: Any, owner: str) -> str:
    """The record whose lock is contended: the record itself on update, its owner on insert."""
    own = (record.get("id") or record.get("Id")) if isinstance(record, dict) else None
    return str(own or owner)
