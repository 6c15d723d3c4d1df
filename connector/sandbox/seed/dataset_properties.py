"""Where each non-leaky column of the X Education file lives in a CRM, as an admin who imported
the file would hold it (the columns are data: dataset_properties.yaml).

A column goes into a standard property/field where one exists (HubSpot: sessions, average page
views, source drill-down, opt-out, city; Salesforce: HasOptedOutOfEmail, DoNotCall, City) and
into a custom one of its type otherwise (HubSpot `snake_case`, Salesforce `Title_Case__c`); the
file's id is `dataset_record_id` / `Dataset_Record_Id__c`. `Country` lands in the standard
country field; the leaky columns and `Converted` appear nowhere here.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.domain.properties import PropertyType
from connector.sandbox.common.data import package_yaml

#: HubSpot property group the custom dataset properties are created in.
HUBSPOT_GROUP = "dataset"


@dataclass(frozen=True)
class DatasetProperty:
    """One file column as a CRM property: the shared name the mapping files use, its type, and
    the property/field that holds it in each CRM (Salesforce: on Lead, and on Contact)."""

    column: str
    name: str
    type: PropertyType
    label: str
    hubspot: str
    salesforce_lead: str
    salesforce_contact: str
    hubspot_standard: bool = False
    salesforce_standard: bool = False


def _property(entry: dict[str, str]) -> DatasetProperty:
    name = entry["name"]
    custom = "_".join(part.capitalize() for part in name.split("_")) + "__c"
    lead = entry.get("salesforce", custom)
    return DatasetProperty(
        column=entry["column"],
        name=name,
        type=PropertyType(entry["type"]),
        label=entry["label"],
        hubspot=entry.get("hubspot", name),
        salesforce_lead=lead,
        salesforce_contact=entry.get("salesforce_contact", lead),
        hubspot_standard="hubspot" in entry,
        salesforce_standard="salesforce" in entry,
    )


DATASET_PROPERTIES: tuple[DatasetProperty, ...] = tuple(
    _property(entry) for entry in package_yaml("connector.sandbox.seed", "dataset_properties.yaml")
)
