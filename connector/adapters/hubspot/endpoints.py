"""The HubSpot operations the adapter uses, each with its usage label ("METHOD /path", the
object type filled in) and required scope (engagements fall under the contacts scopes)."""

from collections.abc import Callable

from connector.adapters.hubspot.failures import Endpoint

_OBJECT_SCOPE = {"companies": "companies", "deals": "deals", "owners": "owners"}
_SCHEMA_SCOPE = {"companies": "companies", "deals": "deals"}


def _scope(object_type: str, access: str) -> str:
    return f"crm.objects.{_OBJECT_SCOPE.get(object_type, 'contacts')}.{access}"


def _schema_scope(object_type: str, access: str) -> str:
    return f"crm.schemas.{_SCHEMA_SCOPE.get(object_type, 'contacts')}.{access}"


def _object(method: str, suffix: str, access: str, **kind: bool) -> Callable[[str], Endpoint]:
    """An operation on /crm/v3/objects/{type}{suffix}, scoped by the object type."""
    return lambda t: Endpoint(method, f"/crm/v3/objects/{t}{suffix}", _scope(t, access), **kind)


def _schema(method: str, suffix: str, access: str, **kind: bool) -> Callable[[str], Endpoint]:
    """An operation on /crm/v3/properties/{type}{suffix} (property definitions and groups)."""
    return lambda t: Endpoint(
        method, f"/crm/v3/properties/{t}{suffix}", _schema_scope(t, access), **kind
    )


list_objects = _object("GET", "", "read", collection=True)
search = _object("POST", "/search", "read", search=True, collection=True)
batch_read = _object("POST", "/batch/read", "read")
batch_update = _object("POST", "/batch/update", "write")
batch_create = _object("POST", "/batch/create", "write")
properties = _schema("GET", "", "read", collection=True)
property_definition = _schema("GET", "/{propertyName}", "read")
create_property = _schema("POST", "", "write")
groups = _schema("GET", "/groups", "read")
create_group = _schema("POST", "/groups", "write")
OWNERS = Endpoint("GET", "/crm/v3/owners", "crm.objects.owners.read", collection=True)


def associations_read(from_type: str, to_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v4/associations/{from_type}/{to_type}/batch/read", _scope(from_type, "read")
    )
