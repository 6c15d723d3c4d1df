"""Owners (`/crm/v3/owners`) and the properties API (`/crm/v3/properties`): the schema side of
the portal that adapters read to validate mappings and to provision missing custom fields.

Owners page like HubSpot's (`limit` default 100, at most 500, `after`, `email`, `archived`).
Properties: list (the `CollectionResponsePropertyNoPaging` shape), read one, create (201
`ModelProperty`; an existing name is a 409), groups list/create (201 `PropertyGroup`). Not
emulated, because no adapter reads them: one owner by id, one group by name, properties batch
read. The SDK calls the
owners list as `/crm/v3/owners/` with a trailing slash; the router ignores trailing slashes.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from connector.sandbox.common.http import Request, Response, Router
from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.schema import (
    FIELD_TYPES,
    PROPERTY_NAME,
    PROPERTY_TYPES,
    Option,
    PropertyCreateBody,
    PropertyDef,
    PropertyGroup,
    PropertyGroupCreateBody,
    PropertyRegistry,
)
from connector.sandbox.hubspot.state import (
    CrmState,
    flag,
    guarded,
    int_param,
    json_object,
    object_type_of,
    record_id,
)
from connector.sandbox.hubspot.values import format_datetime

OWNERS_DEFAULT_LIMIT = 100
OWNERS_MAX_LIMIT = 500
M = TypeVar("M", bound=BaseModel)


def _body(model: type[M], request: Request) -> M:
    """The request body as `model`; a wrong one is HubSpot's 400 naming the first bad field."""
    try:
        return model.model_validate(json_object(request))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise errors.invalid_json(f"{where}: {first['msg']}") from None


def _check_name(kind: str, name: str) -> None:
    """A new property's or group's name must be HubSpot's pattern (lowercase, a-z, 0-9, _)."""
    if not PROPERTY_NAME.match(name):
        raise errors.validation(
            f"{kind} name {name} must start with a lowercase letter and use only a-z, 0-9 and _"
        )


def _refuse_taken(kind: str, name: str, taken: bool) -> None:
    """HubSpot answers 409 OBJECT_ALREADY_EXISTS for a property or group name in use."""
    if taken:
        raise errors.HubSpotError(
            409,
            errors.error_body(
                f"{kind} named '{name}' already exists.",
                "OBJECT_ALREADY_EXISTS",
                context={"name": [name]},
            ),
        )


class PropertiesApi:
    def __init__(self, crm: CrmState) -> None:
        self.crm = crm

    def register(self, router: Router) -> None:
        props = "/crm/v3/properties/{object_type}"
        routes = [
            ("GET", "/crm/v3/owners", self.owners),
            ("GET", props + "/groups", self.groups),
            ("POST", props + "/groups", self.create_group),
            ("GET", props, self.properties),
            ("POST", props, self.create_property),
            ("GET", props + "/{property_name}", self.property),
        ]
        for method, pattern, handler in routes:
            router.add(method, pattern, guarded(self.crm, handler), name=f"{method} {pattern}")

    def _registry(self, request: Request) -> PropertyRegistry:
        return self.crm.store.catalog[object_type_of(request).name]

    # ---- owners -------------------------------------------------------------------------------
    def owners(self, request: Request) -> Response:
        limit = max(1, min(int_param(request, "limit", OWNERS_DEFAULT_LIMIT), OWNERS_MAX_LIMIT))
        listing = self.crm.owners.listing(
            archived=flag(request, "archived"), email=request.param("email")
        )
        after = request.param("after")
        start = 0
        if after:
            after_id = record_id(after)
            if after_id is None:
                raise errors.validation(f"after must be an owner id; got {after}")
            start = next(
                (i for i, owner in enumerate(listing) if owner.id >= after_id), len(listing)
            )
        page = listing[start : start + limit]
        body: dict[str, object] = {"results": [owner.to_api() for owner in page]}
        if start + limit < len(listing):
            next_after = str(listing[start + limit].id)
            body["paging"] = {
                "next": {
                    "after": next_after,
                    "link": f"{self.crm.base_url(request)}/crm/v3/owners/"
                    f"?limit={limit}&after={next_after}",
                }
            }
        return Response(200, body, records_read=len(page))

    # ---- properties ---------------------------------------------------------------------------
    def properties(self, request: Request) -> Response:
        registry = self._registry(request)
        if flag(request, "archived"):
            return Response(200, {"results": []})  # nothing is ever archived here
        results = [definition.to_api() for definition in registry.all()]
        return Response(200, {"results": results}, records_read=len(results))

    def property(self, request: Request) -> Response:
        registry = self._registry(request)
        definition = registry.get(request.path_params["property_name"])
        if definition is None:
            raise errors.not_found(
                f"Property {request.path_params['property_name']} does not exist"
            )
        return Response(200, definition.to_api(), records_read=1)

    def create_property(self, request: Request) -> Response:
        registry = self._registry(request)
        body = _body(PropertyCreateBody, request)
        if body.type not in PROPERTY_TYPES:
            raise errors.validation(
                f"Invalid property type {body.type}; one of {sorted(PROPERTY_TYPES)}"
            )
        if body.field_type not in FIELD_TYPES:
            raise errors.validation(
                f"Invalid fieldType {body.field_type}; one of {sorted(FIELD_TYPES)}"
            )
        _check_name("Property", body.name)
        if registry.group(body.group_name) is None:
            raise errors.validation(f"Property group {body.group_name} does not exist")
        _refuse_taken("Property", body.name, registry.get(body.name) is not None)
        options = tuple(Option(**option.model_dump()) for option in body.options)
        if body.type == "enumeration" and not options and not body.external_options:
            raise errors.validation("An enumeration property needs at least one option")
        if body.type == "bool" and not options:
            options = (Option("true", "Yes", 0), Option("false", "No", 1))
        now = format_datetime(self.crm.store.now_ms())
        # The body's fields are PropertyDef's, by the same (snake_case) names.
        fields = body.model_dump(exclude={"options"})
        definition = registry.add(
            PropertyDef(
                **fields, options=options, hubspot_defined=False, created_at=now, updated_at=now
            )
        )
        return Response(201, definition.to_api(), records_written=1)

    def groups(self, request: Request) -> Response:
        registry = self._registry(request)
        results = [group.to_api() for group in registry.groups()]
        return Response(200, {"results": results}, records_read=len(results))

    def create_group(self, request: Request) -> Response:
        registry = self._registry(request)
        body = _body(PropertyGroupCreateBody, request)
        _check_name("Group", body.name)
        _refuse_taken("Property group", body.name, registry.group(body.name) is not None)
        group = registry.add_group(PropertyGroup(body.name, body.label, body.display_order))
        return Response(201, group.to_api(), records_written=1)
