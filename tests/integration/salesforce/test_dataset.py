"""Dataset mode on Salesforce, read through simple-salesforce: every non-leaky column of the X
Education file lives in a standard or custom Lead/Contact field of the right describe type, each
person keeps the file's id in `Dataset_Record_Id__c` (an External ID), and the adapter reads the
mapped fields into `Contact.properties`, selecting them in its SOQL. With `with_outcomes`,
converted leads are Contacts in the customer stage with a Closed Won opportunity closed after
their activity; the others stay Leads."""

from __future__ import annotations

import csv
import re

import pytest

from connector.domain.contact import DealStatus
from connector.domain.properties import PropertyType
from connector.domain.stages import LifecycleStage
from connector.sandbox.seed.dataset import DATASET_PROPERTIES
from tests.factories import DATASET

pytestmark = pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")

ROWS = 300
#: Salesforce describe type of each declared property type.
SALESFORCE_TYPE = {
    PropertyType.NUMBER: "double",
    PropertyType.TEXT: "string",
    PropertyType.PICKLIST: "picklist",
    PropertyType.BOOL: "boolean",
}
LEAKY = ("tags", "lead_quality", "lead quality", "lead_profile", "lead profile", "asymmetrique")
SELECT = re.compile(r"^SELECT (?P<fields>.+?) FROM (?P<object>\w+)", re.IGNORECASE)


def _rows() -> dict[str, dict[str, str]]:
    with DATASET.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return {row["Prospect ID"]: row for _, row in zip(range(ROWS), reader, strict=False)}


def test_columns_are_fields_of_the_right_type_and_leaky_ones_are_absent(make_sandbox, make_adapter):
    adapter = make_adapter(make_sandbox(contacts=ROWS, dataset=DATASET))
    schema = adapter.describe_fields()
    for object_name in ("Lead", "Contact"):
        fields = schema.objects[object_name]
        for prop in DATASET_PROPERTIES:
            name = prop.salesforce_lead if object_name == "Lead" else prop.salesforce_contact
            assert fields[name].type == SALESFORCE_TYPE[prop.type], (object_name, name)
            assert name.endswith("__c") is not prop.salesforce_standard, name
        assert set(fields["Lead_Origin__c"].options) == {
            "API",
            "Landing Page Submission",
            "Lead Add Form",
            "Lead Import",
            "Quick Add Form",
        }
        custom = [f"{f.name} {f.label}".lower() for f in fields.values() if f.custom]
        assert not [text for text in custom if any(word in text for word in LEAKY)]
        assert not [text for text in custom if "converted" in text]


def test_the_adapter_reads_mapped_fields_with_the_file_id(make_sandbox, make_adapter, mapping):
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
        else:
            assert "total_visits" not in props
        assert props["do_not_call"] is (row["Do Not Call"] == "Yes")
        for column, name in (("Last Activity", "last_activity"), ("City", "city")):
            value = row[column]
            if value in ("", "Select"):
                assert name not in props
            else:
                assert props[name] == value
        assert "converted" not in props
    # Each person object's SOQL selects its mapped property fields, and no custom field the
    # mapping does not name.
    named = {
        field.lower()
        for person in mapping.people
        for field in (*person.fields.values(), *(p.field for p in person.properties.values()))
    }
    selects = [
        SELECT.match(value) for entry in sandbox.log.entries for value in entry.query.get("q", [])
    ]
    by_object: dict[str, set[str]] = {}
    for m in selects:
        if m and "count()" not in m["fields"].lower():  # the read's COUNT() probes select nothing
            by_object.setdefault(m["object"], set()).update(
                f.strip().lower() for f in m["fields"].split(",")
            )
    assert "Lead" in by_object
    for person in mapping.people:
        if person.object not in by_object:
            continue  # the org holds none (its COUNT() was 0), so no field query was needed
        selected = by_object[person.object]
        assert {p.field.lower() for p in person.properties.values()} <= selected
        assert {f for f in selected if f.endswith("__c")} <= named


def test_without_outcomes_everyone_is_an_open_lead(make_sandbox, make_adapter):
    adapter = make_adapter(make_sandbox(contacts=ROWS, dataset=DATASET))
    people = list(adapter.iter_contacts(None))
    assert all(p.id.startswith("00Q") for p in people)  # Leads
    assert not [p for p in people if p.deals]


def test_with_outcomes_converted_leads_are_customers_with_a_won_opportunity(
    make_sandbox, make_adapter
):
    adapter = make_adapter(make_sandbox(contacts=ROWS, dataset=DATASET, with_outcomes=True))
    people = list(adapter.iter_contacts(None))
    rows = _rows()
    converted = [
        p for p in people if rows[str(p.properties["dataset_record_id"])]["Converted"] == "1"
    ]
    others = [p for p in people if p not in converted]
    assert len(converted) == sum(row["Converted"] == "1" for row in rows.values()) > 50
    latest = {}
    for event in adapter.iter_engagements([p.id for p in people]):
        latest[event.contact_id] = max(
            latest.get(event.contact_id, event.occurred_at), event.occurred_at
        )
    for person in converted:
        assert person.id.startswith("003")  # a Contact, as a converted Lead becomes
        assert person.lifecycle_stage == LifecycleStage.CUSTOMER
        (deal,) = person.deals
        assert deal.status == DealStatus.WON and deal.closed_at is not None
        # an opportunity's close date is a date: closed on or after the last activity's day
        if person.id in latest:
            assert deal.closed_at.date() >= latest[person.id].date()
    assert all(p.id.startswith("00Q") for p in others)
    assert not [p for p in others if p.deals]
