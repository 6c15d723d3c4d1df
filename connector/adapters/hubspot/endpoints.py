"""The HubSpot operations the adapter uses, each with its usage label and required scope.

Labels are "METHOD /path" with the object type filled in, so a run's API cost reads like
HubSpot's own logs ("POST /crm/v3/objects/contacts/batch/update: 12 calls, 1,150 records").
Scopes follow HubSpot's scope list: engagements (tasks, meetings, calls, ...) are governed by the
contacts scopes; property definitions by `crm.schemas.*`.
"""

from connector.adapters.hubspot.failures import Endpoint

_OBJECT_SCOPE = {"companies": "companies", "deals": "deals", "owners": "owners"}
_SCHEMA_SCOPE = {"companies": "companies", "deals": "deals"}


def _scope(object_type: str, access: str) -> str:
    return f"crm.objects.{_OBJECT_SCOPE.get(object_type, 'contacts')}.{access}"


def _schema_scope(object_type: str, access: str) -> str:
    return f"crm.schemas.{_SCHEMA_SCOPE.get(object_type, 'contacts')}.{access}"


def list_objects(object_type: str) -> Endpoint:
    return Endpoint(
        "GET", f"/crm/v3/objects/{object_type}", _scope(object_type, "read"), collection=True
    )


def search(object_type: str) -> Endpoint:
    return Endpoint(
        "POST",
        f"/crm/v3/objects/{object_type}/search",
        _scope(object_type, "read"),
        search=True,
        collection=True,
    )


def batch_read(object_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v3/objects/{object_type}/batch/read", _scope(object_type, "read")
    )


def batch_update(object_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v3/objects/{object_type}/batch/update", _scope(object_type, "write")
    )


def batch_create(object_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v3/objects/{object_type}/batch/create", _scope(object_type, "write")
    )


def associations_read(from_type: str, to_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v4/associations/{from_type}/{to_type}/batch/read", _scope(from_type, "read")
    )


OWNERS = Endpoint("GET", "/crm/v3/owners", "crm.objects.owners.read", collection=True)


def properties(object_type: str) -> Endpoint:
    return Endpoint(
        "GET",
        f"/crm/v3/properties/{object_type}",
        _schema_scope(object_type, "read"),
        collection=True,
    )


def property_definition(object_type: str) -> Endpoint:
    path = f"/crm/v3/properties/{object_type}/{{propertyName}}"
    return Endpoint("GET", path, _schema_scope(object_type, "read"))


def create_property(object_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v3/properties/{object_type}", _schema_scope(object_type, "write")
    )


def groups(object_type: str) -> Endpoint:
    return Endpoint(
        "GET", f"/crm/v3/properties/{object_type}/groups", _schema_scope(object_type, "read")
    )


def create_group(object_type: str) -> Endpoint:
    return Endpoint(
        "POST", f"/crm/v3/properties/{object_type}/groups", _schema_scope(object_type, "write")
    )
