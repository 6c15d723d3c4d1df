"""Dataset mode's properties: every non-leaky column is carried by its shared property name,
parsed by type, "Select" and blanks left out; leaky columns and `Converted` never are; with
outcomes, converted rows (and only they) get a won deal closed after their activity."""

from __future__ import annotations

import csv

import pytest

from connector.domain.contact import DealStatus
from connector.domain.properties import PropertyType
from connector.domain.stages import LifecycleStage
from connector.sandbox.seed import LEAKING_COLUMNS, SeedContact, SeedData, SeedSpec
from connector.sandbox.seed.dataset import DATASET_PROPERTIES, USED_COLUMNS
from tests.factories import DATASET

pytestmark = pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")
ROWS = 1500


def _seed(with_outcomes: bool) -> list[SeedContact]:
    spec = SeedSpec(contacts=ROWS, dataset=DATASET, with_outcomes=with_outcomes)
    return list(SeedData(spec).contacts())


def _rows() -> list[dict[str, str]]:
    with DATASET.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        rows = [row for _, row in zip(range(ROWS), reader, strict=False)]
    assert set(header) == {*USED_COLUMNS, *LEAKING_COLUMNS} | {
        p.column for p in DATASET_PROPERTIES
    }, "a column of the file is neither loaded nor listed as leaking"
    return rows


def test_every_non_leaky_column_is_a_property_and_no_leaky_one_is():
    columns = {p.column for p in DATASET_PROPERTIES}
    assert not columns & set(LEAKING_COLUMNS)
    assert set(USED_COLUMNS) - columns == {"Country"}  # the built-in `country` field holds it
    names = [p.name for p in DATASET_PROPERTIES]
    assert len(names) == len(set(names))


def test_values_are_parsed_by_type_and_select_is_missing():
    rows = _rows()
    for item, row in zip(_seed(False), rows, strict=True):
        assert item.properties["dataset_record_id"] == row["Prospect ID"]
        for prop in DATASET_PROPERTIES:
            raw = row[prop.column].strip()
            if raw.lower() in ("", "select"):
                assert prop.name not in item.properties
            elif prop.type == PropertyType.NUMBER:
                assert item.properties[prop.name] == float(raw)
            elif prop.type == PropertyType.BOOL:
                assert item.properties[prop.name] is (raw == "Yes")
            else:
                assert item.properties[prop.name] == raw
        assert "converted" not in item.properties


def test_outcomes_only_with_the_option_and_only_for_converted_rows():
    rows = _rows()
    plain, recorded = _seed(False), _seed(True)
    assert all(i.contact.lifecycle_stage == LifecycleStage.LEAD for i in plain)
    assert not [i for i in plain if i.contact.deals]
    converted = 0
    for before, after, row in zip(plain, recorded, rows, strict=True):
        assert after.properties == before.properties
        assert after.engagements == before.engagements
        if row["Converted"] != "1":
            assert after.contact == before.contact
            continue
        converted += 1
        (deal,) = after.contact.deals
        assert deal.status == DealStatus.WON and deal.closed_at is not None
        assert after.contact.lifecycle_stage == LifecycleStage.CUSTOMER
        last = max(e.occurred_at for e in after.engagements) if after.engagements else None
        assert last is None or deal.closed_at > last
        assert deal.closed_at <= SeedSpec(contacts=0).now
        assert after.contact.updated_at == deal.closed_at
    assert converted == sum(row["Converted"] == "1" for row in rows) > 400
