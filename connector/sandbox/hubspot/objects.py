"""CRM v3 object endpoints (list, get, create, update, archive, batch read/create/update, search)
for every type in `catalogue.OBJECT_TYPES`; batch upsert/archive are not emulated (unused).

As "Using Object APIs" and the SDK's models have it: list pages by `limit` (default 10, at most
100) and `after` (the next record's id) with an absolute `paging.next.link`, and no `paging` on
the last page (the SDK's `fetch_all` stops on that); batches take at most 100 inputs; ids missing
from a batch read/update are one OBJECT_NOT_FOUND error of a 207 answer; a bad input fails a
batch create whole unless every input carries an `objectWriteTraceId` (then 207 with per-input
errors); a duplicate contact e-mail is 409 "Contact already exists. Existing ID: N"; an owner
property naming no owner is a 400 whose property error is INVALID_OWNER_ID.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connector.sandbox.common.http import Request, Response, Router
from connector.sandbox.hubspot import errors, records
from connector.sandbox.hubspot.catalogue import (
    CONTACTS,
    OBJECT_TYPES,
    ObjectType,
    resolve_object_type,
)
from connector.sandbox.hubspot.graph import AssociationType, association_type
from connector.sandbox.hubspot.records import Projection, split_names
from connector.sandbox.hubspot.search import MAX_RESULTS, SearchBody
from connector.sandbox.hubspot.state import (
    CrmState,
    batch_inputs,
    batch_response,
    flag,
    id_page,
    json_object,
    limit_param,
    object_type_of,
    parse_body,
)
from connector.sandbox.hubspot.store import Table, record_id

LIST_DEFAULT_LIMIT = 10
LIST_MAX_LIMIT = 100
#: The batch writes that honour PARTIAL_BATCH fault injection.
BATCH_WRITES = ("create", "update")

ObjectHandler = Callable[[Table, Request], Response]
Link = tuple[AssociationType, int]  # a new record's association: its type and the other id


def _not_found(object_type: ObjectType, context: dict[str, list[str]]) -> dict[str, object]:
    message = (
        f"Could not get some {object_type.singular.upper()} objects, they may be deleted or "
        "not exist. Check that ids are valid."
    )
    return errors.standard_error(message, "OBJECT_NOT_FOUND", context)


def _injected_failure(context: dict[str, list[str]]) -> dict[str, object]:
    """A per-input error for the PARTIAL_BATCH fault. HubSpot documents no transient per-record
    error, so the emulator says plainly that this one is injected."""
    return errors.standard_error(
        "Injected partial batch failure (sandbox fault); the input was not processed. Retry it.",
        "INTERNAL_ERROR",
        context,
    )


def _inputs_context(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The `context` of an error about some update inputs: their ids and any trace ids."""
    context = {"ids": [str(item.get("id", "")) for item in items]}
    traces = [str(item["objectWriteTraceId"]) for item in items if item.get("objectWriteTraceId")]
    if traces:
        context["objectWriteTraceId"] = traces
    return context


def _refuse_not_emulated(given: Mapping[str, Any]) -> None:
    """Read options HubSpot documents that nothing here uses (see the package docstring) are a
    400 naming them, never an answer that silently left them out. Empty is absent: the SDK's
    batch read always sends `propertiesWithHistory`, as an empty list."""
    if found := [name for name in ("idProperty", "propertiesWithHistory") if given.get(name)]:
        raise errors.validation(f"the sandbox does not emulate {', '.join(found)}")


def _properties(item: dict[str, Any]) -> dict[str, Any]:
    """An input's `properties` object, which HubSpot requires on every create and update."""
    properties = item.get("properties")
    if not isinstance(properties, dict):
        raise errors.invalid_json("Missing required creator property 'properties'")
    return properties


def _written(table: Table, row: int, prepared: records.Prepared) -> dict[str, object]:
    """A written record as HubSpot answers it: the defaults and the properties written."""
    return Projection(table, [*table.object_type.default_properties, *prepared]).record(row)


class ObjectsApi:
    def __init__(self, crm: CrmState) -> None:
        self.crm = crm

    # ---- routing ----------------------------------------------------------------------------
    def register(self, router: Router) -> list[str]:
        """Register every route; returns the names of the batch writes (PARTIAL_BATCH-aware)."""
        handlers: list[tuple[str, str, ObjectHandler]] = [
            ("POST", "/batch/read", self.batch_read),
            ("POST", "/batch/create", self.batch_create),
            ("POST", "/batch/update", self.batch_update),
            ("POST", "/search", self.search),
            ("GET", "", self.list_records),
            ("POST", "", self.create),
            ("GET", "/{object_id}", self.get),
            ("PATCH", "/{object_id}", self.update),
            ("DELETE", "/{object_id}", self.archive),
        ]
        prefixes: list[tuple[str, ObjectType | None]] = [
            (f"/crm/v3/objects/{t.name}", t) for t in OBJECT_TYPES
        ]
        prefixes.append(("/crm/v3/objects/{object_type}", None))
        for prefix, object_type in prefixes:
            for method, suffix, handler in handlers:
                router.add(method, prefix + suffix, self._bind(handler, object_type))
        return [
            f"POST {prefix}/batch/{action}" for prefix, _ in prefixes for action in BATCH_WRITES
        ]

    def _bind(
        self, handler: ObjectHandler, object_type: ObjectType | None
    ) -> Callable[[Request], Response]:
        """The route's handler, called with the table of its object type."""
        store = self.crm.store
        return lambda request: handler(store.table(object_type or object_type_of(request)), request)

    # ---- helpers ------------------------------------------------------------------------------
    def _locate(self, table: Table, raw_id: str, archived: bool = False) -> int | None:
        number = record_id(raw_id)
        row = table.row_of(number) if number is not None else None
        return row if row is not None and table.is_archived(row) == archived else None

    def _associations(
        self, table: Table, row: int, kinds: Sequence[ObjectType]
    ) -> dict[str, object]:
        record = table.ids[row]
        out: dict[str, object] = {}
        for other in kinds:
            results = [
                {"id": str(to_id), "type": kind.v3_name}
                for to_id, kinds in self.crm.graph.targets(table.object_type, record, other)
                for kind in kinds
            ]
            if results:
                out[other.name] = {"results": results}
        return out

    def _renderer(self, table: Table, request: Request) -> Callable[[int], dict[str, object]]:
        """Renders rows as a GET asks: `properties` and `associations`. An `associations` type
        the portal lacks is skipped: "If any of the specified associations do not exist, they
        will be ignored" (HubSpot's CRM objects OpenAPI spec, as the SDK's `basic_api.get_page`
        docstring carries it)."""
        _refuse_not_emulated(request.query)
        projection = Projection(table, split_names(request.params("properties")) or None)
        found = map(resolve_object_type, split_names(request.params("associations")))
        kinds = list(dict.fromkeys(other for other in found if other is not None))

        def render(row: int) -> dict[str, object]:
            body = projection.record(row)
            if linked := self._associations(table, row, kinds):
                body["associations"] = linked
            return body

        return render

    def _check_email(
        self,
        table: Table,
        prepared: records.Prepared,
        row: int | None = None,
        batch: set[str] | None = None,
    ) -> None:
        """A contact's e-mail is unique: in the portal and among one batch create's inputs."""
        email = prepared.get("email")
        if table.object_type is not CONTACTS or not isinstance(email, str):
            return
        existing = table.find_unique("email", email)
        if existing is not None and existing != row:
            raise errors.conflict(f"Contact already exists. Existing ID: {table.ids[existing]}")
        if batch is not None:
            if email.lower() in batch:
                raise errors.conflict("Contact already exists in this batch: duplicate email")
            batch.add(email.lower())

    def _accept(
        self, table: Table, item: dict[str, Any], batch: set[str] | None = None
    ) -> tuple[records.Prepared, list[Link]]:
        """A create input's checked properties and associations; HubSpotError when refused."""
        prepared = records.prepare(table, _properties(item), self.crm.owners, creating=True)
        self._check_email(table, prepared, batch=batch)
        return prepared, self._resolve_associations(table.object_type, item.get("associations"))

    def _apply(self, table: Table, row: int, prepared: records.Prepared) -> dict[str, object]:
        """Update `row` with checked properties; the record as HubSpot answers the update."""
        self._check_email(table, prepared, row)
        records.apply(table, row, prepared, self.crm.store.now_ms())
        return _written(table, row, prepared)

    def _resolve_associations(self, object_type: ObjectType, raw: Any) -> list[Link]:
        """Validate the `associations` of a create input: [(AssociationType, to id)]."""
        if raw in (None, []):
            return []
        if not isinstance(raw, list):
            raise errors.invalid_json("associations must be a list")
        resolved: list[Link] = []
        for item in raw:
            item = item if isinstance(item, dict) else {}
            given_to = item.get("to")
            to = given_to if isinstance(given_to, dict) else {}
            to_id = record_id(to.get("id", ""))
            for spec in item.get("types") or []:
                type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
                number = record_id(type_id) if type_id is not None else None
                kind = association_type(object_type, number) if number is not None else None
                if kind is None:
                    raise errors.validation(
                        f"association type id {type_id} doesn't exist from {object_type.singular}"
                    )
                if to_id is None or self.crm.store.table(kind.to_type).live_row(to_id) is None:
                    raise errors.validation(
                        f"No {kind.to_type.singular} with id {to.get('id')} exists to associate"
                    )
                resolved.append((kind, to_id))
        return resolved

    # ---- single-record endpoints ---------------------------------------------------------------
    def list_records(self, table: Table, request: Request) -> Response:
        limit = limit_param(request, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT)
        wanted = int(flag(request, "archived"))
        rows, paging = id_page(
            request, table.ids, limit, "a record id", lambda row: table.archived[row] == wanted
        )
        render = self._renderer(table, request)
        body = {"results": [render(row) for row in rows], **paging}
        return Response(200, body, records_read=len(rows))

    def get(self, table: Table, request: Request) -> Response:
        row = self._locate(table, request.path_params["object_id"], flag(request, "archived"))
        if row is None:
            raise errors.not_found()
        return Response(200, self._renderer(table, request)(row), records_read=1)

    def create(self, table: Table, request: Request) -> Response:
        prepared, links = self._accept(table, json_object(request))
        return Response(201, self._create(table, prepared, links), records_written=1)

    def update(self, table: Table, request: Request) -> Response:
        properties = _properties(json_object(request))
        row = self._locate(table, request.path_params["object_id"])
        if row is None:
            raise errors.not_found()
        prepared = records.prepare(table, properties, self.crm.owners, creating=False)
        return Response(200, self._apply(table, row, prepared), records_written=1)

    def archive(self, table: Table, request: Request) -> Response:
        row = self._locate(table, request.path_params["object_id"])
        if row is not None:
            table.archive(row, self.crm.store.now_ms())
        return Response(204, records_written=1 if row is not None else 0)

    def _create(
        self, table: Table, prepared: records.Prepared, links: list[Link]
    ) -> dict[str, object]:
        """Store a new record; the record as HubSpot answers the create."""
        store = self.crm.store
        new_id = store.next_id()
        row = records.create(table, new_id, prepared, store.now_ms())
        # Associating the new record (a meeting, a call, a task) leaves the records it points
        # at alone: HubSpot documents no synchronous change of a contact's `lastmodifieddate`
        # when an activity is logged on it (its calculated activity properties, such as
        # `notes_last_updated`, are refreshed in the background, with no promise of when).
        for kind, to_id in links:
            self.crm.graph.add(kind, new_id, to_id)
        return _written(table, row, prepared)

    # ---- batch endpoints ------------------------------------------------------------------------
    def batch_read(self, table: Table, request: Request) -> Response:
        started = self.crm.store.now_ms()
        body = json_object(request)
        _refuse_not_emulated(body)
        inputs = batch_inputs(body)
        archived = flag(request, "archived")
        projection = Projection(table, [str(name) for name in body.get("properties") or []] or None)
        results: list[dict[str, object]] = []
        missing: list[str] = []
        seen: set[int] = set()
        for item in inputs:
            raw = str(item.get("id", ""))
            row = self._locate(table, raw, archived)
            if row is None:
                missing.append(raw)
            elif row not in seen:
                seen.add(row)
                results.append(projection.record(row))
        problems = [_not_found(table.object_type, {"ids": missing})] if missing else []
        return batch_response(
            results, problems, started, self.crm.store.now_ms(), read=len(results)
        )

    def batch_create(self, table: Table, request: Request) -> Response:
        started = self.crm.store.now_ms()
        inputs = batch_inputs(json_object(request))
        traced = bool(inputs) and all(item.get("objectWriteTraceId") for item in inputs)
        problems: list[dict[str, object]] = []
        accepted: list[tuple[records.Prepared, list[Link]]] = []
        emails_in_batch: set[str] = set()
        for index, item in enumerate(inputs):
            trace = item.get("objectWriteTraceId")
            context = {"objectWriteTraceId": [str(trace)]} if trace else {"index": [str(index)]}
            if request.partial_failure and index % 2 == 1:
                problems.append(_injected_failure(context))
                continue
            try:
                accepted.append(self._accept(table, item, emails_in_batch))
            except errors.HubSpotError as failure:
                if not traced:
                    raise
                problems.append(
                    errors.standard_error(
                        str(failure.body.get("message")),
                        str(failure.body.get("category")),
                        context,
                        errors=failure.body.get("errors") or [],  # type: ignore[arg-type]
                    )
                )
        results = [self._create(table, prepared, links) for prepared, links in accepted]
        return batch_response(
            results, problems, started, self.crm.store.now_ms(), ok=201, written=len(results)
        )

    def batch_update(self, table: Table, request: Request) -> Response:
        store = self.crm.store
        started = store.now_ms()
        inputs = batch_inputs(json_object(request))
        ids = [str(item.get("id", "")) for item in inputs]
        duplicates = sorted({value for value in ids if ids.count(value) > 1})
        if duplicates:
            listed = ", ".join(duplicates)
            message = f"Duplicate IDs found in batch input: [{listed}]. IDs must be unique"
            raise errors.validation(message, context={"ids": duplicates})
        prepared_inputs = [
            records.prepare(table, _properties(item), self.crm.owners, creating=False)
            for item in inputs
        ]
        problems: list[dict[str, object]] = []
        missing: list[dict[str, Any]] = []
        results: list[dict[str, object]] = []
        for index, (item, prepared) in enumerate(zip(inputs, prepared_inputs, strict=True)):
            if request.partial_failure and index % 2 == 1:
                problems.append(_injected_failure(_inputs_context([item])))
                continue
            row = self._locate(table, ids[index])
            if row is None:
                missing.append(item)
            else:
                results.append(self._apply(table, row, prepared))
        if missing:
            problems.insert(0, _not_found(table.object_type, _inputs_context(missing)))
        return batch_response(results, problems, started, store.now_ms(), written=len(results))

    # ---- search -------------------------------------------------------------------------------
    def search(self, table: Table, request: Request) -> Response:
        body = parse_body(SearchBody, json_object(request))
        engine = self.crm.search
        offset = engine.offset(body)
        rows = engine.matching_rows(table, body)
        end = min(offset + body.limit, len(rows), MAX_RESULTS)
        page = rows[offset:end]
        projection = Projection(table, body.properties or None)
        response: dict[str, object] = {
            "total": len(rows),
            "results": [projection.record(row) for row in page],
        }
        if page and end < len(rows):
            response["paging"] = {"next": {"after": str(end)}}
        return Response(200, response, records_read=len(page))
