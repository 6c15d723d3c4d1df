"""sObject Collections: create and update up to 200 records per call (what the connector and the
demo's reps use; upsert, delete and retrieve are not emulated).

Per the REST API Developer Guide ("sObject Collections"):
- at most 200 records (more: 400 EXCEEDED_ID_LIMIT "record limit reached. cannot submit more
  than 200 records into this call");
- results come back in the order of the request, one per record: success
  `{"id": ..., "success": true, "errors": []}`, failure
  `{"success": false, "errors": [{"statusCode", "message", "fields"}]}`;
- `allOrNone: true` rolls the whole request back when any record fails: the failing records
  carry their error, the others ALL_OR_NONE_OPERATION_ROLLED_BACK "Record rolled back because
  not all records were valid and the request was using AllOrNone header";
- each record needs `attributes.type`; update records need an `id`, a malformed one answers
  MALFORMED_ID "malformed id <id>".

A PARTIAL_BATCH fault (or a record locked with `SalesforceSandbox.lock_records`) makes records
fail with UNABLE_TO_LOCK_ROW, the transient error another transaction's lock produces.
"""

from __future__ import annotations

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
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)
#: Prepares one record's write: (record, unique values claimed by earlier records) -> write.
Prepare = Callable[[Any, dict[tuple[str, str], str]], PreparedWrite]


def _failure(error: RecordError) -> dict[str, Any]:
    return {"success": False, "errors": [error.as_result_error()]}


def _success(record_id: str) -> dict[str, Any]:
    return {"id": record_id, "success": True, "errors": []}


class CollectionResources:
    def __init__(
        self,
        store: Store,
        writer_for: Callable[[Request], Writer],
        partial_rng: Callable[[], random.Random],
        partial_fraction: float = 0.1,
    ) -> None:
        self.store = store
        self.writer_for = writer_for
        self.partial_rng = partial_rng
        self.partial_fraction = partial_fraction

    # -- request parsing ------------------------------------------------------------------------

    @staticmethod
    def _body(request: Request) -> tuple[bool, list[Any]]:
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ApiError(400, "JSON_PARSER_ERROR", "Request body must contain a list of records")
        all_or_none = body.get("allOrNone", False)
        if not isinstance(all_or_none, bool):
            raise ApiError(400, "JSON_PARSER_ERROR", "allOrNone must be a boolean")
        if len(body["records"]) > MAX_RECORDS:
            message = f"record limit reached. cannot submit more than {MAX_RECORDS} records"
            raise ApiError(400, "EXCEEDED_ID_LIMIT", f"{message} into this call")
        return all_or_none, body["records"]

    def _object_for(self, record: Any) -> ObjectDef:
        attributes = record.get("attributes") if isinstance(record, dict) else None
        type_name = attributes.get("type") if isinstance(attributes, dict) else None
        if not type_name:
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        obj = self.store.object_named(str(type_name))
        if obj is None or not obj.queryable:
            raise RecordError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
        return obj

    def _locked_indexes(self, request: Request, count: int) -> set[int]:
        if not request.partial_failure or count == 0:
            return set()
        how_many = max(1, round(count * self.partial_fraction))
        return set(self.partial_rng().sample(range(count), how_many))

    # -- writes ---------------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        writer = self.writer_for(request)

        def prepare(record: Any, pending: dict[tuple[str, str], str]) -> PreparedWrite:
            obj = self._object_for(record)
            fields = {key: value for key, value in record.items() if key != "attributes"}
            return writer.prepare_create(obj, fields, pending)

        return self._write(request, writer, prepare)

    def update(self, request: Request) -> Response:
        writer = self.writer_for(request)

        def prepare(record: Any, pending: dict[tuple[str, str], str]) -> PreparedWrite:
            obj = self._object_for(record)
            record_id = record.get("id") or record.get("Id")
            if not record_id:
                raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
            record_id = str(record_id)
            if not ids.looks_like_id(record_id) or record_id[:3] != obj.key_prefix:
                raise RecordError("MALFORMED_ID", f"malformed id {record_id}")
            fields = {
                key: value for key, value in record.items() if key not in ("attributes", "id", "Id")
            }
            return writer.prepare_update(obj, record_id, fields, pending)

        return self._write(request, writer, prepare)

    def _write(self, request: Request, writer: Writer, prepare: Prepare) -> Response:
        """Each record's result in order; with allOrNone nothing is applied unless all are valid."""
        all_or_none, records = self._body(request)
        locked = self._locked_indexes(request, len(records))
        results: list[dict[str, Any] | None] = [None] * len(records)
        with self.store.lock:
            pending: dict[tuple[str, str], str] = {}
            prepared: dict[int, PreparedWrite] = {}
            for index, record in enumerate(records):
                try:
                    if index in locked:
                        raise locked_error(self._lock_target(record, writer.user_id))
                    write = prepare(record, pending)
                except RecordError as error:
                    results[index] = _failure(error)
                    continue
                if all_or_none:
                    prepared[index] = write
                    for name, lowered in write.claimed.items():
                        pending[(name, lowered)] = write.record_id or "(pending)"
                else:
                    results[index] = _success(writer.apply(write))
            failed = any(result is not None for result in results)
            for index, write in prepared.items():
                results[index] = _failure(ROLLED_BACK) if failed else _success(writer.apply(write))
        written = sum(1 for result in results if result is not None and result["success"])
        return Response(200, results, records_written=written)

    @staticmethod
    def _lock_target(record: Any, fallback: str) -> str:
        """The record whose lock is contended: the record itself on update, else the parent
        it references (inserts contend for their Account, Who, ... or their owner)."""
        if not isinstance(record, dict):
            return fallback
        own = record.get("id") or record.get("Id")
        if own:
            return str(own)
        parents = (
            value
            for key, value in record.items()
            if key.endswith("Id") and isinstance(value, str) and ids.looks_like_id(value)
        )
        return next(parents, fallback)
