"""The sobjects of the emulated org, read from catalogue.yaml: data, so that adding a field or a
picklist value is a one-line change checked against Salesforce's Object Reference; this module
only splices in a type's describe defaults (`presets`) and the fragments."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connector.sandbox.common.data import package_yaml
from connector.sandbox.salesforce.schema import FieldDef, FieldType, ObjectDef, PicklistValue
from connector.sandbox.seed.dataset import DATASET_PROPERTIES


def _full_name(get: Callable[[str], Any]) -> str | None:
    joined = " ".join(part for part in (get("FirstName"), get("LastName")) if part)
    return joined or None


_FORMULAS = {"full_name": _full_name}


def catalogue() -> dict[str, Any]:
    """catalogue.yaml, parsed once (callers must not change it)."""
    return package_yaml("connector.sandbox.salesforce", "catalogue.yaml")


def seeding(table: str) -> Any:
    """A seeding table of catalogue.yaml: how the neutral seed's values become this CRM's."""
    return catalogue()["seeding"][table]


def vocabulary(name: str) -> tuple[str, ...]:
    """A picklist's values as catalogue.yaml lists them."""
    return tuple(catalogue()["vocabularies"][name])


INDUSTRIES = vocabulary("industries")
RESPONDED_MEMBER_STATUSES = frozenset(vocabulary("responded_member_statuses"))


def field_def(spec: dict[str, Any]) -> FieldDef:
    """One catalogue entry as a FieldDef: the type's preset, then the entry's own keys."""
    preset = catalogue()["presets"].get(spec["type"], {})
    spec = {**preset, **spec, "type": preset.get("type", spec["type"])}
    attrs: dict[str, Any] = {"type": FieldType(spec.pop("type"))}
    if spec.pop("readonly", False):
        attrs.update(createable=False, updateable=False)
    values = spec.pop("values", None)
    if values is not None:
        default = spec.pop("default", None)
        names = vocabulary(values) if isinstance(values, str) else values
        attrs["picklist"] = tuple(PicklistValue(v, default=v == default) for v in names)
        attrs["default_value"] = default
        attrs["defaulted_on_create"] = default is not None or spec.pop("defaulted_on_create", False)
    if "to" in spec:
        attrs["reference_to"] = tuple(spec.pop("to"))
        attrs["relationship_name"] = spec.pop("relationship")
    if "formula" in spec:
        attrs["formula"] = _FORMULAS[spec.pop("formula")]
    attrs.update(spec)
    return FieldDef(**attrs)


def _dataset_fields(object_name: str) -> Iterator[FieldDef]:
    """The X Education columns' custom fields (seed/dataset.py) on Lead or Contact,
    as an admin creates them for an imported file (catalogue.yaml `dataset_fields` by the seed's
    property type; the file's record id a unique External ID, so a re-import can upsert by it).
    The emulated org is one that imported that file, so they exist (empty) in every mode, as BANT
    does; dataset seeding fills the picklists' values from the file."""
    for prop in DATASET_PROPERTIES:
        if not prop.salesforce_standard:
            name = prop.salesforce_lead if object_name == "Lead" else prop.salesforce_contact
            kind = "record_id" if prop.name == "dataset_record_id" else prop.type.value
            spec = catalogue()["dataset_fields"][kind]
            yield field_def({"name": name, "label": prop.label, "custom": True, **spec})


def _fields(entries: Iterable[dict[str, Any]], object_name: str) -> Iterator[FieldDef]:
    for entry in entries:
        use = entry.get("use")
        if use == "dataset":
            yield from _dataset_fields(object_name)
        elif use is not None:
            yield from _fields(catalogue()["fragments"][use], object_name)
        else:
            yield field_def(entry)


_OBJECT_FLAGS = ("createable", "updateable", "deletable", "queryable")


def _object(name: str, spec: dict[str, Any], extra: Iterable[dict[str, Any]] = ()) -> ObjectDef:
    flags = {k: spec[k] for k in _OBJECT_FLAGS if k in spec}
    fields = list(_fields([*spec["fields"], *extra], name))
    return ObjectDef(name, spec["label"], spec["plural"], spec["prefix"], fields, **flags)


#: The SOQL `Name` pseudo-object a polymorphic relationship path resolves to.
NAME_OBJECT = _object("Name", catalogue()["name_object"])


def build_objects(provision_connector_fields: bool) -> dict[str, ObjectDef]:
    """Fresh definitions for one sandbox (each sandbox may add fields independently)."""
    extra = catalogue()["connector_fields"] if provision_connector_fields else {}
    objects = catalogue()["objects"].items()
    return {name: _object(name, spec, extra.get(name, ())) for name, spec in objects}
