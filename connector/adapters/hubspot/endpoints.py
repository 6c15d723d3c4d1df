"""The HubSpot operations the adapter uses, each with its usage label ("METHOD /path", the
object type filled in) and required scope (engagements fall under the contacts scopes)."""

from collections.abc import Callable

from connector.adapters.hubspot.failures import Endpoint

#: Object types with scopes of their own, per kind of scope; any other (engagements too) falls
#: under the contacts scopes.
_OWN_SCOPES = {"objects": {"companies", "deals", "owners"}, "schemas": {"companies", "deals"}}


def _scope(object_type: str, access: str, kind: str = "objects") -> str:
    scoped = object_type if object_type in _OWN_SCOPES[kind] else "contacts"
    return f"crm.{kind}.{scoped}.{access}"


def _on(path: str, method: str, suffix: str, access: str, **kw: bool) -> Callable[[str], Endpoint]:
    """An operation on /crm/v3/{path}/{type}{suffix}, scoped by the object type: `objects`, or
    `properties` (property definitions and groups, under the schemas scopes)."""
    kind = "schemas" if path == "properties" else "objects"
    return lambda t: Endpoint(method, f"/crm/v3/{path}/{t}{suffix}", _scope(t, access, kind), **kw)


list_objects = _on("objects", "GET", "", "read", collection=True)
search = _on("objects", "POST", "/search", "read", search=True, collection=True)
batch_read = _on("objects", "POST", "/batch/read", "read")
batch_update = _on("objects", "POST", "/batch/update", "write")
batch_create = _on("objects", "POST", "/batch/create", "write")
properties = _on("properties", "GET", "", "read", collection=True)
property_definition = _on("properties", "GET", "/{propertyName}", "read")
create_property = _on("properties", "POST", "", "write")
groups = _on("properties", "GET", "/groups", "read")
create_group = _on("properties", "POST", "/groups", "write")
OWNERS = Endpoint("GET", "/crm/v3/owners", "crm.objects.owners.read", collection=True)


def associations_read(from_type: str, to_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v4/associations/{from_type}/{to_type}/batch/read", _scope(from_type, "read")
    )
