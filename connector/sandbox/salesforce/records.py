"""The sObject resources: describe and single records (create, get, update, delete). An object's
basic information, `?fields=` on a get, and get/upsert by external id are not emulated: the
connector uses none of them.

Answers per the REST API Developer Guide: create `POST /sobjects/<Type>` -> 201
`{"id", "success": true, "errors": []}`; update `PATCH /sobjects/<Type>/<Id>` -> 204 No Content;
delete -> 204; get -> the record with `attributes` and all its fields; a wrong object or
id -> 404 NOT_FOUND "The requested resource does not exist"; an id-shaped segment that is not an
id is read as an external id field name -> 404 "Provided external ID field does not exist or is
not accessible: <segment>"; a deleted record -> 404 ENTITY_IS_DELETED.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.describe import global_describe, sobject_describe
from connector.sandbox.salesforce.errors import ApiError, RecordError, json_body, not_found
from connector.sandbox.salesforce.render import full_record_json
from connector.sandbox.salesforce.schema import ObjectDef
from connector.sandbox.salesforce.store import Store, Table
from connector.sandbox.salesforce.writes import Writer


def version_of(request: Request) -> str:
    return request.path_params["version"].lstrip("v")


def object_of(store: Store, request: Request) -> ObjectDef:
    """The queryable object the path names (`/sobjects/<Type>/...`), else 404 NOT_FOUND."""
    obj = store.object_named(request.path_params["sobject"])
    if obj is None or not obj.queryable:
        raise not_found()
    return obj


class RecordResources:
    def __init__(self, store: Store, writer_for: Callable[[Request], Writer]) -> None:
        self.store = store
        self.writer_for = writer_for  # request -> Writer (acting as the session's user)

    # -- metadata ---------------------------------------------------------------------------------

    def global_describe(self, request: Request) -> Response:
        return Response(200, global_describe(self.store.objects, version_of(request)))

    def describe(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        return Response(200, sobject_describe(obj, self.store.objects, version_of(request)))

    # -- single records ---------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        body = _sobject_body(request)
        writer = self.writer_for(request)
        with self._writing():
            record_id = writer.apply(writer.prepare_create(obj, body))
        return Response(201, {"id": record_id, "success": True, "errors": []}, records_written=1)

    def get(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        table, row = self._locate(obj, request.path_params["record_id"])
        with self.store.lock:
            record = full_record_json(table, row, obj.fields, version_of(request))
        return Response(200, record, records_read=1)

    def update(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        record_id = request.path_params["record_id"]
        self._locate(obj, record_id)
        body = _sobject_body(request)
        writer = self.writer_for(request)
        with self._writing():
            writer.apply(writer.prepare_update(obj, record_id, body))
        return Response(204, records_written=1)

    def delete(self, request: Request) -> Response:
        obj = object_of(self.store, request)
        record_id = request.path_params["record_id"]
        self._locate(obj, record_id)
        writer = self.writer_for(request)
        with self._writing():
            writer.delete(obj, record_id)
        return Response(204, records_written=1)

    # -- helpers --------------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the store's lock; a record's failure answers 400 with its error."""
        with self.store.lock:
            try:
                yield
            except RecordError as error:
                raise ApiError.from_record_error(error) from error

    def _locate(self, obj: ObjectDef, record_id: str) -> tuple[Table, int]:
        if not ids.looks_like_id(record_id):
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {record_id}",
            )
        with self.store.lock:
            located = self.store.locate(record_id)
        table = self.store.table(obj.name)
        if located is None or located[0] is not table:
            raise not_found()
        if table.is_deleted(located[1]):
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return located


def _sobject_body(request: Request) -> dict[str, Any]:
    body = json_body(request)
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of SObject from START_ARRAY value [ or request may be "
            "missing a required field",
        )
    return body
