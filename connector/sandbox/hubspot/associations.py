"""Associations v4: default creation (single and batch), listing, batch read and the association
type labels - what the connector, the demo and the tests' setup use. Labelled creation and
removal are not emulated (records are associated at creation or by default type here).

Shapes are the SDK's `hubspot.crm.associations.v4` models: `BatchResponsePublicDefaultAssociation`
(default create, both directions), `BatchResponsePublicAssociationMultiWithLabel` (batch read; a
record without associations is a 207 error entry with subCategory
`crm.associations.NO_ASSOCIATIONS_FOUND`, message "No company is associated with contact 1.", as
HubSpot answers) and `CollectionResponseMultiAssociatedObjectWithLabelForwardPaging`. v4 answers
carry record ids as numbers where HubSpot sends numbers (`toObjectId`), which the SDK turns into
strings.
"""

from __future__ import annotations

from typing import TypeVar

from connector.sandbox.common.http import Request, Response, Router
from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.catalogue import ObjectType
from connector.sandbox.hubspot.graph import (
    AssociationType,
    association_type,
    association_types,
    labelled_type,
)
from connector.sandbox.hubspot.state import (
    CrmState,
    batch_inputs,
    batch_response,
    int_param,
    json_object,
    object_type_of,
    record_id,
    register,
)

LIST_DEFAULT_LIMIT = 500
LIST_MAX_LIMIT = 500
V4 = "/crm/v4"
#: Association batch reads take up to 1,000 ids since February 2025 (HubSpot changelog "Bug Fix:
#: Batch Read Limit for HubSpot Associations API"); batch creates stay at 100.
ASSOCIATION_READ_LIMIT = 1000
T = TypeVar("T")


def _page(items: list[T], after: str, limit: int) -> tuple[list[T], dict[str, object]]:
    """One page from offset `after`, and the `paging` to the next one when there is one."""
    start = int(after) if after.isdigit() else 0
    if start + limit < len(items):
        return items[start : start + limit], {"paging": {"next": {"after": str(start + limit)}}}
    return items[start : start + limit], {}


class AssociationsApi:
    def __init__(self, crm: CrmState) -> None:
        self.crm = crm

    def register(self, router: Router) -> list[str]:
        objects = V4 + "/objects/{from_type}/{from_id}/associations"
        pairs = V4 + "/associations/{from_type}/{to_type}"
        routes = [
            ("PUT", objects + "/default/{to_type}/{to_id}", self.create_default),
            ("GET", objects + "/{to_type}", self.list),
            ("POST", pairs + "/batch/associate/default", self.batch_create_default),
            ("POST", pairs + "/batch/read", self.batch_read),
            ("GET", pairs + "/labels", self.labels),
        ]
        register(router, self.crm, routes)
        return [f"POST {pairs}/batch/associate/default"]

    # ---- helpers ------------------------------------------------------------------------------
    def _types(self, request: Request) -> tuple[ObjectType, ObjectType]:
        return object_type_of(request, "from_type"), object_type_of(request, "to_type")

    def _exists(self, object_type: ObjectType, raw: object) -> int | None:
        number = record_id(raw)
        return number if self.crm.store.table(object_type).live_row(number) is not None else None

    def _require(self, object_type: ObjectType, raw: object) -> int:
        number = self._exists(object_type, raw)
        if number is None:
            message = f"{object_type.upper} {raw} does not exist"
            raise errors.validation(message, context={"id": [str(raw)]})
        return number

    def _default(self, from_type: ObjectType, to_type: ObjectType) -> AssociationType:
        kind = labelled_type(from_type, to_type)
        if kind is None:
            raise errors.validation(
                "There is no default association type from "
                f"{from_type.singular} to {to_type.singular}"
            )
        return kind

    def _associate(
        self, kind: AssociationType, pairs: list[tuple[int, int]], started: int
    ) -> Response:
        """Associate each (from, to) pair by default; the answer lists both directions."""
        results: list[dict[str, object]] = []
        for from_id, to_id in pairs:
            self.crm.graph.add(kind, from_id, to_id)
            for one, other, type_id in (
                (from_id, to_id, kind.type_id),
                (to_id, from_id, kind.reverse_id),
            ):
                spec = {"associationCategory": kind.category, "associationTypeId": type_id}
                results.append(
                    {"from": {"id": str(one)}, "to": {"id": str(other)}, "associationSpec": spec}
                )
        return batch_response(results, [], started, self.crm.store.now_ms(), written=len(pairs))

    def _targets(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType
    ) -> list[dict[str, object]]:
        out = []
        for to_id, type_ids in self.crm.graph.targets(from_type, from_id, to_type):
            specs = [
                kind.spec_with_label()
                for type_id in type_ids
                if (kind := association_type(from_type, type_id, to_type)) is not None
            ]
            out.append({"toObjectId": to_id, "associationTypes": specs})
        return out

    # ---- single record ------------------------------------------------------------------------
    def create_default(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        kind = self._default(from_type, to_type)
        from_id = self._require(from_type, request.path_params["from_id"])
        to_id = self._require(to_type, request.path_params["to_id"])
        return self._associate(kind, [(from_id, to_id)], self.crm.store.now_ms())

    def list(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        from_id = self._exists(from_type, request.path_params["from_id"])
        if from_id is None:
            raise errors.not_found()
        limit = max(1, min(int_param(request, "limit", LIST_DEFAULT_LIMIT), LIST_MAX_LIMIT))
        targets = self._targets(from_type, from_id, to_type)
        page, paging = _page(targets, request.param("after") or "", limit)
        body: dict[str, object] = {"results": page, **paging}
        return Response(200, body, records_read=len(page))

    # ---- batches ------------------------------------------------------------------------------
    def batch_create_default(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        kind = self._default(from_type, to_type)
        started = self.crm.store.now_ms()
        inputs = batch_inputs(json_object(request))
        pairs = [
            (
                self._require(from_type, (item.get("from") or {}).get("id")),
                self._require(to_type, (item.get("to") or {}).get("id")),
            )
            for item in inputs
        ]
        return self._associate(kind, pairs, started)

    def batch_read(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        started = self.crm.store.now_ms()
        inputs = batch_inputs(json_object(request), ASSOCIATION_READ_LIMIT)
        results: list[dict[str, object]] = []
        problems: list[dict[str, object]] = []
        records_read = 0
        for item in inputs:
            raw = str(item.get("id", ""))
            from_id = record_id(raw)
            targets = self._targets(from_type, from_id, to_type) if from_id is not None else []
            page, paging = _page(targets, str(item.get("after") or ""), LIST_MAX_LIMIT)
            if not page:
                problems.append(
                    errors.standard_error(
                        f"No {to_type.singular} is associated with {from_type.singular} {raw}.",
                        "OBJECT_NOT_FOUND",
                        {
                            "fromObjectId": [raw],
                            "fromObjectType": [from_type.singular],
                            "toObjectType": [to_type.singular],
                        },
                        sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                    )
                )
                continue
            results.append({"from": {"id": raw}, "to": page, **paging})
            records_read += len(page)
        now = self.crm.store.now_ms()
        return batch_response(results, problems, started, now, read=records_read)

    def labels(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        results = [kind.spec_with_label() for kind in association_types(from_type, to_type)]
        return Response(200, {"results": results})
