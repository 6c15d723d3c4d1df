"""The global describe and an object's describe: Salesforce's DescribeGlobal /
DescribeSObjectResult properties (REST API "Describe Global", "sObject Describe"), in its
alphabetical order. What is the same for every object or field is data (catalogue.yaml
`describe`); this module adds what follows from the catalogue."""

from __future__ import annotations

import re
from typing import Any

from connector.sandbox.salesforce.catalogue import catalogue
from connector.sandbox.salesforce.schema import FieldDef, FieldType, Kind, ObjectDef

MASTER_RECORD_TYPE_ID = "012000000000000AAA"


def _sorted(*parts: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted({key: value for part in parts for key, value in part.items()}.items()))


def _attributes(definition: FieldDef | ObjectDef, names: list[str]) -> dict[str, Any]:
    """`names` attributes of a definition under describe's camelCase names."""
    camel = {name: re.sub(r"_(\w)", lambda m: m.group(1).upper(), name) for name in names}
    return {camel[name]: getattr(definition, name) for name in names}


def object_summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    """The per-object entry of the global describe."""
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    constants = catalogue()["describe"]
    return _sorted(
        constants["object"],
        _attributes(obj, constants["object_attributes"]),
        {
            "feedEnabled": obj.name in constants["feed_enabled"],
            "mergeable": obj.name in constants["mergeable"],
            "undeletable": obj.deletable,
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        },
    )


def global_describe(objects: dict[str, ObjectDef], version: str) -> dict[str, Any]:
    ordered = sorted(objects.values(), key=lambda o: o.name)
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(obj, version) for obj in ordered],
    }


def field_describe(field: FieldDef) -> dict[str, Any]:
    is_reference = field.type in (FieldType.REFERENCE, FieldType.ID)
    is_text = field.kind is Kind.TEXT and not is_reference
    length = field.length if field.kind is Kind.TEXT else 0
    picklist = [
        dict(active=v.active, defaultValue=v.default, label=v.value, validFor=None, value=v.value)
        for v in field.picklist
    ]
    constants = catalogue()["describe"]
    return _sorted(
        constants["field"],
        _attributes(field, constants["field_attributes"]),
        {
            "aggregatable": field.groupable and field.type is not FieldType.TEXTAREA,
            "byteLength": length * 3 if is_text else length,
            "calculated": field.formula is not None,
            "defaultValue": field.default_value if field.type is FieldType.BOOLEAN else None,
            "length": length,
            "namePointing": field.polymorphic,
            "permissionable": field.nillable and field.createable,
            "picklistValues": picklist,
            "polymorphicForeignKey": field.polymorphic,
            "referenceTo": list(field.reference_to),
            "soapType": field.soap_type,
            "type": field.type.value,
        },
    )


def sobject_describe(obj: ObjectDef, version: str) -> dict[str, Any]:
    """The summary's properties plus the per-object detail. `childRelationships` is answered
    empty: nothing the sandbox serves reads it, and SOQL here has no child subqueries."""
    plural = obj.label_plural.lower()
    layout = f"/services/data/v{version}/sobjects/{obj.name}/describe/layouts/"
    master = {
        **catalogue()["describe"]["master_record_type"],
        "recordTypeId": MASTER_RECORD_TYPE_ID,
    }
    detail = {
        "childRelationships": [],
        "fields": [field_describe(field) for field in obj.fields],
        "recordTypeInfos": [{**master, "urls": {"layout": layout + MASTER_RECORD_TYPE_ID}}],
        "supportedScopes": [
            {"label": f"All {plural}", "name": "everything"},
            {"label": f"My {plural}", "name": "mine"},
        ],
    }
    return _sorted(object_summary(obj, version), catalogue()["describe"]["sobject"], detail)
