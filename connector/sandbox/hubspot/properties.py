"""Owners (`/crm/v3/owners`), the properties API (`/crm/v3/properties`) and custom object
schemas: the portal's schema side, which adapters read to validate mappings and provision fields.

Owners page as HubSpot's do (`limit` default 100, at most 500, `after`, `email`, `archived`; the
SDK asks for `/crm/v3/owners/`, and the router ignores trailing slashes). Properties: list, read
one, create (409 for a name in use); groups: list, create. Not emulated (no adapter reads them):
one owner by id, one group by name, properties batch read. `GET /crm/v3/schemas` (and
`/crm-object-schemas/v3/schemas`, what the SDK's `crm.schemas.core_api.get_all` calls) lists no
custom object, as a portal without any answers: third-party taps (singer tap-hubspot, airbyte
source-hubspot) call it at start-up and stop on a 404.
"""

from __future__ import annotations

from connector.sandbox.common.http import Request, Response, Router
from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.catalogue import catalogue
from connector.sandbox.hubspot.catalogue import options as vocabulary
from connector.sandbox.hubspot.schema import (
    PROPERTY_NAME,
    PropertyDef,
    PropertyGroup,
    PropertyRegistry,
)
from connector.sandbox.hubspot.state import (
    CrmState,
    flag,
    id_page,
    json_object,
    limit_param,
    object_type_of,
    parse_body,
)
from connector.sandbox.hubspot.values import format_datetime

PROPERTY_TYPES = frozenset(catalogue()["property_types"])
FIELD_TYPES = frozenset(catalogue()["field_types"])
#: What a created property takes from the emulator, not from the request (and its options).
EMULATOR_FIELDS = {"options", "hubspot_defined", "read_only_value", "created_at", "updated_at"}
OWNERS_DEFAULT_LIMIT = 100
OWNERS_MAX_LIMIT = 500


def _check_new_name(kind: str, name: str, taken: bool) -> None:
    """A new property's or group's name must be HubSpot's pattern (lowercase, a-z, 0-9, _), and
    HubSpot answers 409 OBJECT_ALREADY_EXISTS for one in use."""
    if not PROPERTY_NAME.match(name):
        raise errors.validation(
            f"{kind} name {name} must start with a lowercase letter and use only a-z, 0-9 and _"
        )
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
        router.add("GET", "/crm/v3/owners", self.owners)
        router.add("GET", props + "/groups", self.groups)
        router.add("POST", props + "/groups", self.create_group)
        router.add("GET", props, self.properties)
        router.add("POST", props, self.create_property)
        router.add("GET", props + "/{property_name}", self.property)
        router.add("GET", "/crm/v3/schemas", self.schemas)
        router.add("GET", "/crm-object-schemas/v3/schemas", self.schemas)

    def _registry(self, request: Request) -> PropertyRegistry:
        return self.crm.store.catalog[object_type_of(request).name]

    def schemas(self, request: Request) -> Response:
        return Response(200, {"results": []})

    def owners(self, request: Request) -> Response:
        limit = limit_param(request, OWNERS_DEFAULT_LIMIT, OWNERS_MAX_LIMIT)
        archived, email = flag(request, "archived"), request.param("email")
        listing = [
            owner
            for _, owner in sorted(self.crm.owners.items())
            if owner.archived == archived
            and (email is None or (owner.email or "").lower() == email.lower())
        ]
        page, paging = id_page(request, [owner.id for owner in listing], limit, "an owner id")
        body = {"results": [listing[i].to_api() for i in page], **paging}
        return Response(200, body, records_read=len(page))

    def properties(self, request: Request) -> Response:
        registry = self._registry(request)
        if flag(request, "archived"):
            return Response(200, {"results": []})  # nothing is ever archived here
        results = [definition.to_api() for definition in registry.values()]
        return Response(200, {"results": results}, records_read=len(results))

    def property(self, request: Request) -> Response:
        name = request.path_params["property_name"]
        definition = self._registry(request).get(name)
        if definition is None:
            raise errors.not_found(f"Property {name} does not exist")
        return Response(200, definition.to_api(), records_read=1)

    def create_property(self, request: Request) -> Response:
        registry = self._registry(request)
        body = parse_body(PropertyDef, json_object(request))
        for what, value, known in (
            ("property type", body.type, PROPERTY_TYPES),
            ("fieldType", body.field_type, FIELD_TYPES),
        ):
            if value not in known:
                raise errors.validation(f"Invalid {what} {value}; one of {sorted(known)}")
        if body.group_name not in registry.groups:
            raise errors.validation(f"Property group {body.group_name} does not exist")
        _check_new_name("Property", body.name, body.name in registry)
        options = tuple(body.options)
        if body.type == "enumeration" and not options and not body.external_options:
            raise errors.validation("An enumeration property needs at least one option")
        if body.type == "bool" and not options:
            options = vocabulary("yes_no")  # HubSpot's own Yes/No, as on its bool properties
        now = format_datetime(self.crm.store.now_ms())
        fields = body.model_dump(exclude=EMULATOR_FIELDS)
        definition = registry.add(
            PropertyDef(
                **fields, options=options, hubspot_defined=False, created_at=now, updated_at=now
            )
        )
        return Response(201, definition.to_api(), records_written=1)

    def groups(self, request: Request) -> Response:
        registry = self._registry(request)
        results = [group.to_api() for group in registry.groups.values()]
        return Response(200, {"results": results}, records_read=len(results))

    def create_group(self, request: Request) -> Response:
        registry = self._registry(request)
        group = parse_body(PropertyGroup, json_object(request)).model_copy(
            update={"archived": False}
        )
        _check_new_name("Property group", group.name, group.name in registry.groups)
        registry.groups[group.name] = group
        return Response(201, group.to_api(), records_written=1)
