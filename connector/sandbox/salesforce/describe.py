"""Describe output: the global describe, an object's basic information and its full describe.

The property names and their order follow Salesforce's DescribeSObjectResult / DescribeGlobal
(REST API Developer Guide "sObject Describe", "Describe Global"; the same property set public
clients model, e.g. go-sfdc `sobject/describe.go`). The master record type carries Salesforce's
fixed id 012000000000000AAA.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.salesforce.schema import FieldDef, FieldType, ObjectDef

MASTER_RECORD_TYPE_ID = "012000000000000AAA"


def _urls(obj: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "sobject": base,
        "describe": f"{base}/describe",
        "rowTemplate": f"{base}/{{ID}}",
    }


def object_summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    """The per-object entry of the global describe and of the basic-information resource."""
    return {
        "activateable": False,
        "createable": obj.createable,
        "custom": obj.custom,
        "customSetting": False,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": obj.name in ("Lead", "Contact", "Account", "Opportunity", "Campaign"),
        "hasSubtypes": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.name in ("Lead", "Contact", "Account"),
        "mruEnabled": True,
        "name": obj.name,
        "queryable": obj.queryable,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": obj.deletable,
        "updateable": obj.updateable,
        "urls": _urls(obj, version),
    }


def global_describe(objects: dict[str, ObjectDef], version: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [
            object_summary(obj, version) for obj in sorted(objects.values(), key=lambda o: o.name)
        ],
    }


def basic_info(obj: ObjectDef, version: str) -> dict[str, Any]:
    return {"objectDescribe": object_summary(obj, version), "recentItems": []}


def field_describe(field: FieldDef) -> dict[str, Any]:
    is_text = field.type in (
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.PICKLIST,
        FieldType.COMBOBOX,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
    )
    is_reference = field.type in (FieldType.REFERENCE, FieldType.ID)
    length = field.length if is_text or is_reference else 0
    return {
        "aggregatable": field.groupable and field.type is not FieldType.TEXTAREA,
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": length * 3 if is_text else length,
        "calculated": field.formula is not None,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": field.case_sensitive,
        "compoundFieldName": None,
        "controllerName": None,
        "createable": field.createable,
        "custom": field.custom,
        "defaultValue": field.default_value if field.type is FieldType.BOOLEAN else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": field.defaulted_on_create,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": field.digits,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": field.external_id,
        "extraTypeInfo": field.extra_type_info,
        "filterable": field.filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": field.groupable,
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": field.id_lookup,
        "inlineHelpText": None,
        "label": field.label,
        "length": length,
        "mask": None,
        "maskType": None,
        "name": field.name,
        "nameField": field.name_field,
        "namePointing": field.polymorphic,
        "nillable": field.nillable,
        "permissionable": field.nillable and field.createable,
        "picklistValues": [
            {
                "active": value.active,
                "defaultValue": value.default,
                "label": value.value,
                "validFor": None,
                "value": value.value,
            }
            for value in field.picklist
        ],
        "polymorphicForeignKey": field.polymorphic,
        "precision": field.precision,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": field.restricted_picklist,
        "scale": field.scale,
        "searchPrefilterable": False,
        "soapType": field.soap_type,
        "sortable": field.sortable,
        "type": field.type.value,
        "unique": field.unique,
        "updateable": field.updateable,
        "writeRequiresMasterRead": False,
    }


def _child_relationships(obj: ObjectDef, objects: dict[str, ObjectDef]) -> list[dict[str, Any]]:
    children = []
    audit = {"CreatedById", "LastModifiedById"}
    for child in sorted(objects.values(), key=lambda o: o.name):
        named = False
        for field in child.fields:
            if obj.name not in field.reference_to or field.name in audit:
                continue
            relationship = None
            if not named:
                relationship = child.label_plural.replace(" ", "")
                named = True
            children.append(
                {
                    "cascadeDelete": False,
                    "childSObject": child.name,
                    "deprecatedAndHidden": False,
                    "field": field.name,
                    "junctionIdListNames": [],
                    "junctionReferenceTo": [],
                    "relationshipName": relationship,
                    "restrictedDelete": False,
                }
            )
    return children


def sobject_describe(obj: ObjectDef, objects: dict[str, ObjectDef], version: str) -> dict[str, Any]:
    """The summary's properties plus the per-object detail, in Salesforce's (alphabetical)
    order."""
    plural = obj.label_plural.lower()
    detail = {
        "actionOverrides": [],
        "childRelationships": _child_relationships(obj, objects),
        "compactLayoutable": True,
        "fields": [field_describe(field) for field in obj.fields],
        "listviewable": None,
        "lookupLayoutable": None,
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "recordTypeInfos": [
            {
                "active": True,
                "available": True,
                "defaultRecordTypeMapping": True,
                "developerName": "Master",
                "master": True,
                "name": "Master",
                "recordTypeId": MASTER_RECORD_TYPE_ID,
                "urls": {
                    "layout": f"/services/data/v{version}/sobjects/{obj.name}/describe/layouts/"
                    f"{MASTER_RECORD_TYPE_ID}"
                },
            }
        ],
        "searchLayoutable": True,
        "supportedScopes": [
            {"label": f"All {plural}", "name": "everything"},
            {"label": f"My {plural}", "name": "mine"},
        ],
    }
    return dict(sorted({**object_summary(obj, version), **detail}.items()))
