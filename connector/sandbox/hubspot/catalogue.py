"""The CRM object types the emulator serves and their standard properties, read from
catalogue.yaml: data, so that a property or option is a one-line change checked against
HubSpot's documentation. This module knows each type's usual fieldType, how fragments are spliced
in, and that groups follow from the properties (in order of first use, as HubSpot lists them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from connector.sandbox.common.data import package_yaml
from connector.sandbox.hubspot.schema import Option, PropertyDef, PropertyGroup, PropertyRegistry
from connector.sandbox.seed.dataset import DATASET_PROPERTIES, HUBSPOT_GROUP


@dataclass(frozen=True)
class ObjectType:
    name: str  # plural, as in /crm/v3/objects/{name}
    singular: str  # as in association type names ("contact_to_company")
    type_id: str  # "0-1"
    group: str  # the property group of its standard properties
    # Activities name neither their date properties nor their defaults (catalogue.yaml).
    created_property: str = "hs_createdate"
    modified_property: str = "hs_lastmodifieddate"
    default_properties: tuple[str, ...] = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
    #: Properties a create must carry (using-object-apis: "Required properties to create").
    required_on_create: tuple[str, ...] = ()


def catalogue() -> dict[str, Any]:
    return package_yaml("connector.sandbox.hubspot", "catalogue.yaml")


def seeding(table: str) -> Any:
    """A seeding table of catalogue.yaml: how the neutral seed's values become this CRM's."""
    return catalogue()["seeding"][table]


def _object_type(name: str, spec: dict[str, Any]) -> ObjectType:
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()}
    del fields["properties"]  # read by standard_catalog
    return ObjectType(name=name, **fields)


OBJECT_TYPES = tuple(_object_type(name, spec) for name, spec in catalogue()["object_types"].items())
BY_NAME = {object_type.name: object_type for object_type in OBJECT_TYPES}
# The types the seeding and the tests name (more may be listed in catalogue.yaml).
CONTACTS, COMPANIES, DEALS = BY_NAME["contacts"], BY_NAME["companies"], BY_NAME["deals"]
TASKS, MEETINGS, CALLS = BY_NAME["tasks"], BY_NAME["meetings"], BY_NAME["calls"]

_BY_ALIAS: dict[str, ObjectType] = {
    alias: object_type
    for object_type in OBJECT_TYPES
    for alias in (object_type.name, object_type.singular, object_type.type_id)
}


def resolve_object_type(alias: str) -> ObjectType | None:
    """The object type an URL segment names (case-insensitive), or None when unknown."""
    return _BY_ALIAS.get(alias.lower())


def options(vocabulary: str | dict[str, str] | list[str]) -> tuple[Option, ...]:
    """A vocabulary's options: a mapping gives value -> label, a list gives values whose labels
    are their title case (`NOT_STARTED` -> "Not Started"); a string names a vocabulary."""
    if isinstance(vocabulary, str):
        vocabulary = catalogue()["vocabularies"][vocabulary]
    if isinstance(vocabulary, dict):
        pairs = list(vocabulary.items())
    else:
        pairs = [(value, value.replace("_", " ").title()) for value in vocabulary]
    return tuple(
        Option(value=value, label=label, display_order=index)
        for index, (value, label) in enumerate(pairs)
    )


#: HubSpot's default lifecycle order; `other` is last, so moving away from it is "backward".
LIFECYCLE_ORDER: dict[str, int] = {
    option.value: option.display_order for option in options("lifecycle_stages")
}
CALL_DISPOSITIONS: dict[str, str] = dict(catalogue()["call_dispositions"])


def property_def(spec: dict[str, Any], group: str) -> PropertyDef:
    """One catalogue entry as a PropertyDef (see catalogue.yaml for the defaults)."""
    spec = dict(spec)
    kind = spec.pop("type", "string")
    field_type = spec.pop("field_type", catalogue()["default_field_types"][kind])
    choices = spec.pop("options", "yes_no" if kind == "bool" else ())
    spec["hubspot_defined"] = not spec.pop("custom", False)
    spec["group_name"] = spec.pop("group", group)
    unknown = sorted(set(spec) - set(PropertyDef.model_fields))
    if unknown:  # the model ignores what a request may carry; the catalogue's own typos fail
        raise ValueError(f"catalogue.yaml: property {spec.get('name')!r}: unknown keys {unknown}")
    return PropertyDef(type=kind, field_type=field_type, options=options(choices), **spec)


def dataset_property(
    name: str, label: str, kind: str, group: str, values: Iterable[str] = ()
) -> PropertyDef:
    """A custom contact property as an admin creates it for an imported column: `kind` is the
    seed's property type (number, text, picklist, bool), turned into HubSpot's type/fieldType
    pair (number/number, string/text, enumeration/select, bool/booleancheckbox)."""
    spec: dict[str, Any] = {"name": name, "label": label, "custom": True, "form_field": True}
    if kind in ("number", "bool"):
        spec["type"] = kind
    elif kind == "picklist":
        spec.update(type="enumeration", options={value: value for value in values})
    return property_def(spec, group)


def _properties(entries: Iterable[dict[str, Any]], group: str) -> Iterator[PropertyDef]:
    for entry in entries:
        use = entry.get("use")
        if use == "dataset":
            for prop in DATASET_PROPERTIES:
                if not prop.hubspot_standard:
                    yield dataset_property(prop.hubspot, prop.label, prop.type.value, HUBSPOT_GROUP)
        elif use is not None:
            yield from _properties(catalogue()["fragments"][use], entry.get("group", group))
        else:
            yield property_def(entry, group)


def _system(object_type: ObjectType, group: str) -> list[PropertyDef]:
    """Record id, create and modified dates (the `system` fragment): on every object."""
    names = {"created": object_type.created_property, "modified": object_type.modified_property}
    return [
        property_def({**entry, "name": names.get(entry["name"], entry["name"])}, group)
        for entry in catalogue()["fragments"]["system"]
    ]


def standard_catalog(provision_connector_fields: bool) -> dict[str, PropertyRegistry]:
    """A fresh, mutable catalog of every object type's properties and groups, keyed by name."""
    data = catalogue()
    labels: dict[str, str] = data["group_labels"]
    catalog: dict[str, PropertyRegistry] = {}
    for object_type in OBJECT_TYPES:
        group, entries = object_type.group, data["object_types"][object_type.name]["properties"]
        definitions = [*_system(object_type, group), *_properties(entries, group)]
        if provision_connector_fields:
            extra = data["connector_properties"].get(object_type.name, ())
            definitions.extend(_properties(extra, group))
        registry = PropertyRegistry()
        for order, definition in enumerate(definitions):
            definition.display_order = order
            registry.add(definition)
            name = definition.group_name
            if name not in registry.groups:
                rank = len(registry.groups)
                registry.groups[name] = PropertyGroup(
                    name=name, label=labels[name], display_order=rank
                )
        catalog[object_type.name] = registry
    return catalog
