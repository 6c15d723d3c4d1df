"""sObject Collections: create, update, upsert, delete and retrieve up to 200 records per call.

Per the REST API Developer Guide ("sObject Collections"):
- at most 200 records (more: 400 EXCEEDED_ID_LIMIT "record limit reached. cannot submit more
  than 200 records into this call"; retrieve takes up to 2,000 ids in a POST body);
- results come back in the order of the request, one per record: success
  `{"id": ..., "success": true, "errors": []}`, failure
  `{"success": false, "errors": [{"statusCode", "message", "fields"}]}` (upsert results add
  `created`);
- `allOrNone: true` rolls the whole request back when any record fails: the failing records
  carry their error, the others ALL_OR_NONE_OPERATION_ROLLED_BACK "Record rolled back because
  not all records were valid and the request was using AllOrNone header";
- each record needs `attributes.type`; update records need an `id`, a malformed one answers
  MALFORMED_ID "malformed id <id>";
- retrieve answers the records with the requested fields, `null` for an id that does not exist.

A PARTIAL_BATCH fault (or a record locked with `SalesforceSandbox.lock_records`) makes records
fail with UNABLE_TO_LOCK_ROW, the transient error another transaction's lock produces.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from connector.sandbox.common.http import BadRequestBody, Request, Response
from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import (
    ROLLED_BACK_MESSAGE,
    ApiError,
    RecordError,
)
from connector.sandbox.salesforce.render import full_record_json
from connector.sandbox.salesforce.schema import ObjectDef
from connector.sandbox.salesforce.store import Store
from connector.sandbox.salesforce.writes import PreparedWrite, Writer, locked_error

MAX_RECORDS = 200
MAX_RETRIEVE_IDS = 2000


def _limit_error() -> ApiError:
    return ApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
    )


def _rolled_back() -> dict[str, Any]:
    return {
        "success": False,
        "errors": [
            {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": ROLLED_BACK_MESSAGE,
                "fields": [],
            }
        ],
    }


def _failure(error: RecordError) -> dict[str, Any]:
    return {"success": False, "errors": [error.as_result_error()]}


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
        try:
            body = request.json()
        except BadRequestBody as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", str(exc)) from exc
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ApiError(400, "JSON_PARSER_ERROR", "Request body must contain a list of records")
        all_or_none = body.get("allOrNone", False)
        if not isinstance(all_or_none, bool):
            raise ApiError(400, "JSON_PARSER_ERROR", "allOrNone must be a boolean")
        records = body["records"]
        if len(records) > MAX_RECORDS:
            raise _limit_error()
        return all_or_none, records

    def _object_for(self, record: Any) -> ObjectDef:
        if not isinstance(record, dict):
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        attributes = record.get("attributes")
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
        rng = self.partial_rng()
        how_many = max(1, round(count * self.partial_fraction))
        return set(rng.sample(range(count), how_many))

    # -- writes ---------------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        all_or_none, records = self._body(request)
        writer = self.writer_for(request)

        def prepare(index: int, record: Any, pending: dict[tuple[str, str], str]) -> PreparedWrite:
            obj = self._object_for(record)
            fields = {key: value for key, value in record.items() if key != "attributes"}
            return writer.prepare_create(obj, fields, pending)

        return self._write(request, records, all_or_none, writer, prepare)

    def update(self, request: Request) -> Response:
        all_or_none, records = self._body(request)
        writer = self.writer_for(request)

        def prepare(index: int, record: Any, pending: dict[tuple[str, str], str]) -> PreparedWrite:
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

        return self._write(request, records, all_or_none, writer, prepare)

    def upsert(self, request: Request) -> Response:
        all_or_none, records = self._body(request)
        writer = self.writer_for(request)
        obj = self.store.object_named(request.path_params["sobject"])
        if obj is None or not obj.queryable:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        field_def = obj.field(request.path_params["field"])
        if field_def is None or not field_def.external_id:
            raise ApiError(
                404,
                "NOT_FOUND",
                "Provided external ID field does not exist or is not accessible: "
                f"{request.path_params['field']}",
            )
        table = self.store.table(obj.name)
        created: dict[int, bool] = {}

        def prepare(index: int, record: Any, pending: dict[tuple[str, str], str]) -> PreparedWrite:
            record_obj = self._object_for(record)
            if record_obj is not obj:
                raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
            fields = {key: value for key, value in record.items() if key != "attributes"}
            key = next((v for k, v in fields.items() if k.lower() == field_def.name.lower()), None)
            if key is None or key == "":
                raise RecordError(
                    "MISSING_ARGUMENT", f"{field_def.name} not specified", [field_def.name]
                )
            row = table.find_unique(field_def.name, str(key)) if field_def.unique else None
            if row is not None and not table.is_deleted(row):
                created[index] = False
                return writer.prepare_update(obj, table.ids[row], fields, pending)
            created[index] = True
            return writer.prepare_create(obj, fields, pending)

        response = self._write(request, records, all_or_none, writer, prepare)
        assert isinstance(response.body, list)
        for index, result in enumerate(response.body):
            if result.get("success"):
                result["created"] = created.get(index, False)
            else:
                result["created"] = False
        return response

    def _write(
        self,
        request: Request,
        records: list[Any],
        all_or_none: bool,
        writer: Writer,
        prepare: Callable[[int, Any, dict[tuple[str, str], str]], PreparedWrite],
    ) -> Response:
        locked = self._locked_indexes(request, len(records))
        results: list[dict[str, Any] | None] = [None] * len(records)
        written = 0
        with self.store.lock:
            pending: dict[tuple[str, str], str] = {}
            prepared: dict[int, PreparedWrite] = {}
            for index, record in enumerate(records):
                try:
                    if index in locked:
                        raise locked_error(self._lock_target(record, writer.user_id))
                    write = prepare(index, record, pending)
                except RecordError as error:
                    results[index] = _failure(error)
                    continue
                if all_or_none:
                    prepared[index] = write
                    for name, lowered in write.claimed.items():
                        pending[(name, lowered)] = write.record_id or "(pending)"
                    continue
                record_id = writer.apply(write)
                results[index] = {"id": record_id, "success": True, "errors": []}
                written += 1
            if all_or_none:
                if any(result is not None for result in results):
                    for index in prepared:
                        results[index] = _rolled_back()
                else:
                    for index, write in prepared.items():
                        record_id = writer.apply(write)
                        results[index] = {"id": record_id, "success": True, "errors": []}
                        written += 1
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
        for key, value in record.items():
            if (
                key != "attributes"
                and isinstance(value, str)
                and key.endswith("Id")
                and (ids.looks_like_id(value))
            ):
                return value
        return fallback

    def delete(self, request: Request) -> Response:
        wanted = [part for part in ",".join(request.params("ids")).split(",") if part]
        if len(wanted) > MAX_RECORDS:
            raise _limit_error()
        all_or_none = (request.param("allOrNone", "false") or "false").lower() == "true"
        writer = self.writer_for(request)
        locked = self._locked_indexes(request, len(wanted))
        results: list[dict[str, Any] | None] = [None] * len(wanted)
        written = 0
        with self.store.lock:
            targets: dict[int, tuple[ObjectDef, str]] = {}
            for index, record_id in enumerate(wanted):
                located = self.store.locate(record_id)
                if located is None:
                    results[index] = _failure(
                        RecordError("MALFORMED_ID", f"malformed id {record_id}")
                    )
                    continue
                table, row = located
                if index in locked or table.ids[row] in self.store.locked_ids:
                    results[index] = _failure(locked_error(table.ids[row]))
                    continue
                if table.is_deleted(row):
                    results[index] = _failure(RecordError("ENTITY_IS_DELETED", "entity is deleted"))
                    continue
                targets[index] = (table.definition, record_id)
            if all_or_none and any(result is not None for result in results):
                for index in targets:
                    results[index] = _rolled_back()
            else:
                for index, (obj, record_id) in targets.items():
                    deleted_id = writer.delete(obj, record_id)
                    results[index] = {"id": deleted_id, "success": True, "errors": []}
                    written += 1
        return Response(200, results, records_written=written)

    # -- reads ----------------------------------------------------------------------------------

    def retrieve(self, request: Request) -> Response:
        obj = self.store.object_named(request.path_params["sobject"])
        if obj is None or not obj.queryable:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if request.method == "POST":
            try:
                body = request.json()
            except BadRequestBody as exc:
                raise ApiError(400, "JSON_PARSER_ERROR", str(exc)) from exc
            wanted_ids = [str(v) for v in (body.get("ids") or [])] if isinstance(body, dict) else []
            wanted_fields = (
                [str(v) for v in (body.get("fields") or [])] if isinstance(body, dict) else []
            )
            limit = MAX_RETRIEVE_IDS
        else:
            wanted_ids = [p for p in ",".join(request.params("ids")).split(",") if p]
            wanted_fields = [p for p in ",".join(request.params("fields")).split(",") if p]
            limit = MAX_RETRIEVE_IDS
        if not wanted_ids or not wanted_fields:
            raise ApiError(400, "MALFORMED_QUERY", "Both ids and fields are required")
        if len(wanted_ids) > limit:
            raise _limit_error()
        fields = []
        for name in wanted_fields:
            field_def = obj.field(name.strip())
            if field_def is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name.strip()}' on entity '{obj.name}'. If you are "
                    "attempting to use a custom field, be sure to append the '__c' after the "
                    "custom field name. Please reference your WSDL or the describe call for the "
                    "appropriate names.",
                )
            fields.append(field_def)
        table = self.store.table(obj.name)
        version = request.path_params["version"].lstrip("v")
        records: list[dict[str, Any] | None] = []
        with self.store.lock:
            for record_id in wanted_ids:
                located = self.store.locate(record_id)
                if located is None or located[0] is not table or table.is_deleted(located[1]):
                    records.append(None)
                    continue
                records.append(full_record_json(table, located[1], fields, version))
        read = sum(1 for record in records if record is not None)
        return Response(200, records, records_read=read)
