"""Dataset mode on HubSpot, read through the real SDK: every non-leaky column of the X Education
file lives in a standard or custom contact property of the right type, each contact keeps the
file's id in `dataset_record_id`, and the adapter reads the mapped properties into
`Contact.properties` (requesting exactly what the mapping names). With `with_outcomes`, converted
leads are customers with a closed-won deal closed after their activity; nothing else is."""

from __future__ import annotations

import csv

import pytest

from connector.adapters.hubspot.engagement import engagement_properties
from connector.domain.contact import DealStatus
from connector.domain.properties import PropertyType
from connector.domain.stages import LifecycleStage
from connector.sandbox.seed.dataset import DATASET_PROPERTIES
from tests.factories import DATASET

pytestmark = pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")

ROWS = 300
LIST = "GET /crm/v3/objects/contacts"
#: HubSpot property type (properties API `type`) of each declared property type.
HUBSPOT_TYPE = {
    PropertyType.NUMBER: {"number"},
    PropertyType.TEXT: {"string"},
    PropertyType.PICKLIST: {"enumeration"},
    PropertyType.BOOL: {"bool", "enumeration"},  # hs_email_optout is a booleancheckbox enum
}
LEAKY = ("tags", "lead_quality", "lead quality", "lead_profile", "lead profile", "asymmetrique")


def _rows() -> dict[str, dict[str, str]]:
    with DATASET.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return {row["Prospect ID"]: row for _, row in zip(range(ROWS), reader, strict=False)}


def test_columns_are_properties_of_the_right_type_and_leaky_ones_are_absent(
    make_sandbox, make_adapter
):
    adapter = make_adapter(make_sandbox(contacts=ROWS, dataset=DATASET))
    contacts = adapter.describe_fields().objects["contacts"]
    for prop in DATASET_PROPERTIES:
        found = contacts[prop.hubspot]
        assert found.type in HUBSPOT_TYPE[prop.type], prop.name
        assert found.custom is not prop.hubspot_standard, prop.name
    lead_origin = contacts["lead_origin"]
    assert set(lead_origin.options) == {
        "API",
        "Landing Page Submission",
        "Lead Add Form",
        "Lead Import",
        "Quick Add Form",
    }
    custom = [f"{f.name} {f.label}".lower() for f in contacts.values() if f.custom]
    assert not [text for text in custom if any(word in text for word in LEAKY)]
    assert not [text for text in custom if "converted" in text]


def test_the_adapter_reads_mapped_properties_with_the_file_id(make_sandbox, make_adapter, mapping):
    sandbox = make_sandbox(contacts=ROWS, dataset=DATASET)
    adapter = make_adapter(sandbox)
    people = list(adapter.iter_contacts(None))
    rows = _rows()
    assert len(people) == ROWS
    assert {p.properties["dataset_record_id"] for p in people} == set(rows)
    for person in people:
        row = rows[str(person.properties["dataset_record_id"])]
        props = person.properties
        assert props["lead_number"] == row["Lead Number"]
        assert props["lead_origin"] == row["Lead Origin"]
        assert props["time_on_site"] == float(row["Total Time Spent on Website"])
        if row["TotalVisits"]:
            assert props["total_visits"] == float(row["TotalVisits"])
            assert props["page_views_per_visit"] == float(row["Page Views Per Visit"])
        else:  # the file does not know: the property stays empty
            assert "total_visits" not in props
        assert props["do_not_call"] is (row["Do Not Call"] == "Yes")
        assert props["wants_interview_guide"] is (
            row["A free copy of Mastering The Interview"] == "Yes"
        )
        if row["Do Not Email"] == "Yes":
            assert props["do_not_email"] is True
        for column, name in (("Last Activity", "last_activity"), ("City", "city")):
            value = row[column]
            if value in ("", "Select"):
                assert name not in props  # "Select" means missing
            else:
                assert props[name] == value
        assert "converted" not in props
    # Exactly the mapped properties were requested: fields, properties, engagement, id, date,
    # and the connector's own echo fingerprint (adapters/hubspot/echo.py).
    wanted = {
        *mapping.contact.fields.values(),
        *(p.field for p in mapping.contact.properties.values()),
        *engagement_properties(mapping),
        "hs_object_id",
        "lastmodifieddate",
        adapter.settings.fingerprint_property,
    }
    lists = [e for e in sandbox.log.entries if e.endpoint == LIST]
    assert lists
    for entry in lists:
        requested = {name for value in entry.query["properties"] for name in value.split(",")}
        assert requested == wanted


def test_without_outcomes_nobody_has_a_deal_or_moved_past_lead(make_sandbox, make_adapter):
    adapter = make_adapter(make_sandbox(contacts=ROWS, dataset=DATASET))
    people = list(adapter.iter_contacts(None))
    assert {p.lifecycle_stage for p in people} == {LifecycleStage.LEAD}
    assert not [p for p in people if p.deals]


def test_with_outcomes_converted_leads_are_customers_with_a_won_deal(make_sandbox, make_adapter):
    adapter = make_adapter(make_sandbox(contacts=ROWS, dataset=DATASET, with_outcomes=True))
    people = list(adapter.iter_contacts(None))
    rows = _rows()
    converted = [
        p for p in people if rows[str(p.properties["dataset_record_id"])]["Converted"] == "1"
    ]
    others = [p for p in people if p not in converted]
    assert len(converted) == sum(row["Converted"] == "1" for row in rows.values()) > 50
    activity = {
        e.contact_id: e.occurred_at
        for e in sorted(
            adapter.iter_engagements([p.id for p in people]), key=lambda e: e.occurred_at
        )
    }
    for person in converted:
        assert person.lifecycle_stage == LifecycleStage.CUSTOMER
        (deal,) = person.deals
        assert deal.status == DealStatus.WON and deal.closed_at is not None
        assert person.id not in activity or deal.closed_at > activity[person.id]
    assert {p.lifecycle_stage for p in others} == {LifecycleStage.LEAD}
    assert not [p for p in others if p.deals]
