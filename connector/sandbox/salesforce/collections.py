"""sObject Collections: create and update up to 200 records per call (what the connector and the
demo's reps use; upsert, delete and retrieve are not emulated).

Per the REST API Developer Guide ("sObject Collections"): more than 200 records answer 400
EXCEEDED_ID_LIMIT; results come back one per record in request order (`{"id", "success": true,
"errors": []}` or `{"success": false, "errors": [{"statusCode", "message", "fields"}]}`);
`allOrNone: true` rolls the whole request back when any record fails (the others answer
ALL_OR_NONE_OPERATION_ROLLED_BACK); each record needs `attributes.type`, and an update its `id`
(MALFORMED_ID "malformed id <id>" when it is not one). A PARTIAL_BATCH fault (or a record locked
with `SalesforceSandbox.lock_records`) fails records with UNABLE_TO_LOCK_ROW, the transient error
another transaction's lock produces.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import ApiError, RecordError, json_body
from connector.sandbox.salesforce.schema import ObjectDef
from connector.sandbox.salesforce.store import Store
from connector.sandbox.salesforce.writes import PreparedWrite, Writer, locked_error

MAX_RECORDS = 200
PARTIAL_FRACTION = 0.1  # of a PARTIAL_BATCH fault's records that fail (at least one)
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


class CollectionResources:
    def __init__(self, store: Store, user_of: Callable[[Request], str], fault_seed: int) -> None:
        self.store = store
        self.user_of = user_of
        self.fault_seed = fault_seed
        self._partial_batches = itertools.count(1)  # numbers each PARTIAL_BATCH fault's draw

    def create(self, request: Request) -> Response:
        def prepare(writer: Writer, record: Any) -> PreparedWrite:  # attributes: not a field
            return writer.prepare_create(self._object_for(record), record)

        return self._write(request, prepare)

    def update(self, request: Request) -> Response:
        def prepare(writer: Writer, record: Any) -> PreparedWrite:
            obj = self._object_for(record)
            record_id = str(record.get("id") or record.get("Id") or "")
            if not record_id:
                raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
            if not ids.looks_like_id(record_id) or record_id[:3] != obj.key_prefix:
                raise RecordError("MALFORMED_ID", f"malformed id {record_id}")
            return writer.prepare_update(obj, record_id, record)  # its Id names the record

        return self._write(request, prepare)

    def _object_for(self, record: Any) -> ObjectDef:
        attributes = record.get("attributes") if isinstance(record, dict) else None
        type_name = attributes.get("type") if isinstance(attributes, dict) else None
        if not type_name:
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        obj = self.store.object_named(str(type_name))
        if obj is None:
            raise RecordError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
        return obj

    def _write(self, request: Request, prepare: Callable[[Writer, Any], PreparedWrite]) -> Response:
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


def _failure(error: RecordError) -> dict[str, Any]:
    entry = {"statusCode": error.status_code, "message": error.message, "fields": error.fields}
    return {"success": False, "errors": [entry]}


def _success(record_id: str) -> dict[str, Any]:
    return {"id": record_id, "success": True, "errors": []}


def _lock_target(record: Any, owner: str) -> str:
    """The record whose lock is contended: the record itself on update, its owner on insert."""
    own = (record.get("id") or record.get("Id")) if isinstance(record, dict) else None
    return str(own or owner)
