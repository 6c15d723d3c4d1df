"""Associations v4: listing one record's associations and batch read, what the connector and
the tests' setup read. Records are associated at creation (v3 `associations`) or by the seed:
default and labelled creation, removal and the labels are not emulated (nothing uses them).

Shapes are the SDK's `associations.v4` models; a record without associations is a 207 error
entry of batch read with subCategory `crm.associations.NO_ASSOCIATIONS_FOUND` ("No company is
associated with contact 1.", as HubSpot answers). v4 sends record ids as numbers (`toObjectId`).
"""

from __future__ import annotations

from typing import TypeVar

from connector.sandbox.common.http import Request, Response, Router
from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.catalogue import ObjectType
from connector.sandbox.hubspot.state import (
    CrmState,
    batch_inputs,
    batch_response,
    json_object,
    limit_param,
    object_type_of,
)
from connector.sandbox.hubspot.store import record_id

LIST_DEFAULT_LIMIT = 500
LIST_MAX_LIMIT = 500
V4 = "/crm/v4"
#: Association batch reads take up to 1,000 ids since February 2025 (HubSpot changelog "Bug Fix:
#: Batch Read Limit for HubSpot Associations API").
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

    def register(self, router: Router) -> None:
        router.add("GET", V4 + "/objects/{from_type}/{from_id}/associations/{to_type}", self.list)
        router.add("POST", V4 + "/associations/{from_type}/{to_type}/batch/read", self.batch_read)

    def _types(self, request: Request) -> tuple[ObjectType, ObjectType]:
        return object_type_of(request, "from_type"), object_type_of(request, "to_type")

    def _targets(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType
    ) -> list[dict[str, object]]:
        out = []
        for to_id, kinds in self.crm.graph.targets(from_type, from_id, to_type):
            # Every type the portal has is HubSpot's own: none is user-defined.
            specs = [
                {"category": "HUBSPOT_DEFINED", "typeId": kind.type_id, "label": kind.label}
                for kind in kinds
            ]
            out.append({"toObjectId": to_id, "associationTypes": specs})
        return out

    def list(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        from_id = record_id(request.path_params["from_id"])
        if from_id is None or self.crm.store.table(from_type).live_row(from_id) is None:
            raise errors.not_found()
        limit = limit_param(request, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT)
        targets = self._targets(from_type, from_id, to_type)
        page, paging = _page(targets, request.param("after") or "", limit)
        body: dict[str, object] = {"results": page, **paging}
        return Response(200, body, records_read=len(page))

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
