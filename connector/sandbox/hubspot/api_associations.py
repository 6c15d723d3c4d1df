"""Associations v4: default and labelled creation (single and batch), listing, batch read,
removal and the association type labels.

Shapes are the SDK's `hubspot.crm.associations.v4` models: `BatchResponsePublicDefaultAssociation`
(default create, both directions), `LabelsBetweenObjectPair` (201), `BatchResponsePublicAssociation
MultiWithLabel` (batch read; a record without associations is a 207 error entry with
subCategory `crm.associations.NO_ASSOCIATIONS_FOUND`, message "No company is associated with
contact 1.", as HubSpot answers) and `CollectionResponseMultiAssociatedObjectWithLabel
ForwardPaging`. v4 answers carry record ids as numbers where HubSpot sends numbers
(`toObjectId`), which the SDK turns into strings.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.common.http import Request, Response, Router
from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.associations import (
    HUBSPOT_DEFINED,
    AssociationType,
    association_type,
    association_types,
    default_type,
)
from connector.sandbox.hubspot.catalogue import ObjectType
from connector.sandbox.hubspot.state import (
    CrmState,
    batch_body,
    batch_inputs,
    guarded,
    int_param,
    json_body,
    json_object,
    object_type_of,
    record_id,
)

LIST_DEFAULT_LIMIT = 500
LIST_MAX_LIMIT = 500
V4 = "/crm/v4"
#: Association batch reads take up to 1,000 ids since February 2025 (HubSpot changelog "Bug Fix:
#: Batch Read Limit for HubSpot Associations API"); batch creates stay at 100.
ASSOCIATION_READ_LIMIT = 1000


class AssociationsApi:
    def __init__(self, crm: CrmState) -> None:
        self.crm = crm

    def register(self, router: Router) -> list[str]:
        objects = V4 + "/objects/{from_type}/{from_id}/associations"
        pairs = V4 + "/associations/{from_type}/{to_type}"
        routes = [
            ("PUT", objects + "/default/{to_type}/{to_id}", self.create_default),
            ("PUT", objects + "/{to_type}/{to_id}", self.create_labelled),
            ("DELETE", objects + "/{to_type}/{to_id}", self.archive),
            ("GET", objects + "/{to_type}", self.list),
            ("POST", pairs + "/batch/associate/default", self.batch_create_default),
            ("POST", pairs + "/batch/create", self.batch_create),
            ("POST", pairs + "/batch/read", self.batch_read),
            ("POST", pairs + "/batch/archive", self.batch_archive),
            ("GET", pairs + "/labels", self.labels),
        ]
        for method, pattern, handler in routes:
            router.add(method, pattern, guarded(self.crm, handler), name=f"{method} {pattern}")
        return [f"POST {pairs}/batch/create", f"POST {pairs}/batch/associate/default"]

    # ---- helpers ------------------------------------------------------------------------------
    def _types(self, request: Request) -> tuple[ObjectType, ObjectType]:
        return object_type_of(request, "from_type"), object_type_of(request, "to_type")

    def _exists(self, object_type: ObjectType, raw: object) -> int | None:
        number = record_id(raw)
        if number is None:
            return None
        table = self.crm.store.table(object_type)
        row = table.row_of(number)
        if row is None or table.is_archived(row):
            return None
        return number

    def _require(self, object_type: ObjectType, raw: object) -> int:
        number = self._exists(object_type, raw)
        if number is None:
            raise errors.HubSpotError(
                400,
                errors.error_body(
                    f"{object_type.upper} {raw} does not exist",
                    "VALIDATION_ERROR",
                    context={"id": [str(raw)]},
                ),
            )
        return number

    def _default(self, from_type: ObjectType, to_type: ObjectType) -> AssociationType:
        kind = default_type(from_type, to_type)
        if kind is None:
            raise errors.validation(
                "There is no default association type from "
                f"{from_type.singular} to {to_type.singular}"
            )
        return kind

    @staticmethod
    def _default_results(
        kind: AssociationType, from_id: int, to_id: int
    ) -> list[dict[str, object]]:
        def spec(type_id: int) -> dict[str, object]:
            return {"associationCategory": kind.category, "associationTypeId": type_id}

        return [
            {
                "from": {"id": str(from_id)},
                "to": {"id": str(to_id)},
                "associationSpec": spec(kind.type_id),
            },
            {
                "from": {"id": str(to_id)},
                "to": {"id": str(from_id)},
                "associationSpec": spec(kind.reverse_id),
            },
        ]

    def _labels_between(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int
    ) -> dict[str, object]:
        type_ids: list[int] = next(
            (
                types
                for target, types in self.crm.graph.targets(from_type, from_id, to_type)
                if target == to_id
            ),
            [],
        )
        labels = [
            kind.label
            for type_id in type_ids
            if (kind := association_type(from_type, to_type, type_id)) is not None and kind.label
        ]
        return {
            "fromObjectTypeId": from_type.type_id,
            "fromObjectId": from_id,
            "toObjectTypeId": to_type.type_id,
            "toObjectId": to_id,
            "labels": labels,
        }

    def _kinds(
        self, from_type: ObjectType, to_type: ObjectType, specs: Any
    ) -> list[AssociationType]:
        if not isinstance(specs, list) or not specs:
            raise errors.invalid_json("types must be a non-empty list of association specs")
        kinds: list[AssociationType] = []
        for spec in specs:
            spec = spec if isinstance(spec, dict) else {}
            type_id = spec.get("associationTypeId")
            kind = (
                association_type(from_type, to_type, int(type_id))
                if isinstance(type_id, int)
                else None
            )
            if kind is None or spec.get("associationCategory", HUBSPOT_DEFINED) != kind.category:
                raise errors.validation(
                    f"association type id {type_id} doesn't exist between "
                    f"{from_type.singular} and {to_type.singular}"
                )
            kinds.append(kind)
        return kinds

    def _targets(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType
    ) -> list[dict[str, object]]:
        out = []
        for to_id, type_ids in self.crm.graph.targets(from_type, from_id, to_type):
            specs = [
                kind.spec_with_label()
                for type_id in type_ids
                if (kind := association_type(from_type, to_type, type_id)) is not None
            ]
            out.append({"toObjectId": to_id, "associationTypes": specs})
        return out

    # ---- single record ------------------------------------------------------------------------
    def create_default(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        kind = self._default(from_type, to_type)
        from_id = self._require(from_type, request.path_params["from_id"])
        to_id = self._require(to_type, request.path_params["to_id"])
        started = self.crm.store.now_ms()
        self.crm.graph.add(kind, from_id, to_id)
        body = batch_body(
            self._default_results(kind, from_id, to_id), [], started, self.crm.store.now_ms()
        )
        return Response(200, body, records_written=1)

    def create_labelled(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        kinds = self._kinds(from_type, to_type, json_body(request))
        from_id = self._require(from_type, request.path_params["from_id"])
        to_id = self._require(to_type, request.path_params["to_id"])
        for kind in kinds:
            self.crm.graph.add(kind, from_id, to_id)
        return Response(
            201, self._labels_between(from_type, from_id, to_type, to_id), records_written=1
        )

    def archive(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        from_id = record_id(request.path_params["from_id"])
        to_id = record_id(request.path_params["to_id"])
        removed = 0
        if from_id is not None and to_id is not None:
            removed = self.crm.graph.remove(from_type, from_id, to_type, to_id)
        return Response(204, records_written=1 if removed else 0)

    def list(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        from_id = self._exists(from_type, request.path_params["from_id"])
        if from_id is None:
            raise errors.not_found()
        limit = max(1, min(int_param(request, "limit", LIST_DEFAULT_LIMIT), LIST_MAX_LIMIT))
        targets = self._targets(from_type, from_id, to_type)
        after = request.param("after")
        start = int(after) if after and after.isdigit() else 0
        page = targets[start : start + limit]
        body: dict[str, object] = {"results": page}
        if start + limit < len(targets):
            body["paging"] = {"next": {"after": str(start + limit)}}
        return Response(200, body, records_read=len(page))

    # ---- batches ------------------------------------------------------------------------------
    def batch_create_default(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        kind = self._default(from_type, to_type)
        started = self.crm.store.now_ms()
        inputs = batch_inputs(json_object(request))
        pairs = [
            (
                self._require(from_type, ((item or {}).get("from") or {}).get("id")),
                self._require(to_type, ((item or {}).get("to") or {}).get("id")),
            )
            for item in inputs
        ]
        results: list[dict[str, object]] = []
        for from_id, to_id in pairs:
            self.crm.graph.add(kind, from_id, to_id)
            results.extend(self._default_results(kind, from_id, to_id))
        body = batch_body(results, [], started, self.crm.store.now_ms())
        return Response(200, body, records_written=len(pairs))

    def batch_create(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        started = self.crm.store.now_ms()
        inputs = batch_inputs(json_object(request))
        planned: list[tuple[int, int, list[AssociationType]]] = []
        problems: list[dict[str, object]] = []
        for index, item in enumerate(inputs):
            item = item if isinstance(item, dict) else {}
            kinds = self._kinds(from_type, to_type, item.get("types"))
            raw_from = (item.get("from") or {}).get("id")
            raw_to = (item.get("to") or {}).get("id")
            from_id, to_id = self._exists(from_type, raw_from), self._exists(to_type, raw_to)
            if request.partial_failure and index % 2 == 1:
                problems.append(
                    errors.standard_error(
                        "Injected partial batch failure (sandbox fault); "
                        "the input was not processed.",
                        "INTERNAL_ERROR",
                        {"fromObjectId": [str(raw_from)], "toObjectId": [str(raw_to)]},
                    )
                )
                continue
            if from_id is None or to_id is None:
                missing = raw_from if from_id is None else raw_to
                missing_type = from_type if from_id is None else to_type
                problems.append(
                    errors.standard_error(
                        f"{missing_type.upper} {missing} does not exist",
                        "VALIDATION_ERROR",
                        {"id": [str(missing)]},
                    )
                )
                continue
            planned.append((from_id, to_id, kinds))
        results = []
        for from_id, to_id, kinds in planned:
            for kind in kinds:
                self.crm.graph.add(kind, from_id, to_id)
            results.append(self._labels_between(from_type, from_id, to_type, to_id))
        status = 207 if problems else 201
        body = batch_body(results, problems, started, self.crm.store.now_ms())
        return Response(status, body, records_written=len(results))

    def batch_read(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        started = self.crm.store.now_ms()
        inputs = batch_inputs(json_object(request), ASSOCIATION_READ_LIMIT)
        results: list[dict[str, object]] = []
        problems: list[dict[str, object]] = []
        for item in inputs:
            item = item if isinstance(item, dict) else {}
            raw = str(item.get("id", ""))
            from_id = record_id(raw)
            targets = self._targets(from_type, from_id, to_type) if from_id is not None else []
            after = str(item.get("after") or "")
            start = int(after) if after.isdigit() else 0
            page = targets[start : start + LIST_MAX_LIMIT]
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
            result: dict[str, object] = {"from": {"id": raw}, "to": page}
            if start + LIST_MAX_LIMIT < len(targets):
                result["paging"] = {"next": {"after": str(start + LIST_MAX_LIMIT)}}
            results.append(result)
        status = 207 if problems else 200
        body = batch_body(results, problems, started, self.crm.store.now_ms())
        return Response(status, body, records_read=sum(len(r["to"]) for r in results))  # type: ignore[arg-type]

    def batch_archive(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        removed = 0
        for item in batch_inputs(json_object(request)):
            item = item if isinstance(item, dict) else {}
            from_id = record_id((item.get("from") or {}).get("id", ""))
            for target in item.get("to") or []:
                to_id = record_id((target or {}).get("id", ""))
                if from_id is not None and to_id is not None:
                    removed += 1 if self.crm.graph.remove(from_type, from_id, to_type, to_id) else 0
        return Response(204, records_written=removed)

    def labels(self, request: Request) -> Response:
        from_type, to_type = self._types(request)
        results = [kind.spec_with_label() for kind in association_types(from_type, to_type)]
        return Response(200, {"results": results})
