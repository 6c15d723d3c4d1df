"""Custom object schemas: `GET /crm/v3/schemas` (and `/crm-object-schemas/v3/schemas`, the path
hubspot-api-client's `crm.schemas.core_api.get_all` calls).

"Retrieve all custom object schemas" (developers.hubspot.com, CRM API, Schemas) answers 200 with
`{"results": [ObjectSchema, ...]}` (`CollectionResponseObjectSchemaNoPaging`), with an
`archived` flag for archived schemas only. Third-party taps (singer tap-hubspot, airbyte
source-hubspot) call it at start-up to discover custom objects and stop on a 404. The sandbox
portal has only HubSpot's standard objects, so the list is empty, as a portal without custom
objects answers (with `archived=true` too: nothing is archived); creating schemas (POST) and
reading one are not emulated.
"""

from __future__ import annotations

from connector.sandbox.common.http import Request, Response, Router
from connector.sandbox.hubspot.state import CrmState, guarded

PATHS = ("/crm/v3/schemas", "/crm-object-schemas/v3/schemas")


class SchemasApi:
    def __init__(self, crm: CrmState) -> None:
        self.crm = crm

    def register(self, router: Router) -> None:
        for pattern in PATHS:
            router.add("GET", pattern, guarded(self.crm, self.list), name=f"GET {pattern}")

    def list(self, request: Request) -> Response:
        return Response(200, {"results": []})
