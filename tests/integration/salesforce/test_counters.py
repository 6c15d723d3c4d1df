"""Visit and page-view counts read off the person (`engagement.counters`), dated by the
"Website" campaign membership: the same quantities HubSpot keeps on the contact, for the same
rows of the X Education file, through the real SDK."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from connector.domain.engagement import EngagementKind
from connector.mapping.crm_schema import SalesforceMapping

DATASET = Path("/work/shared/datasets/x-education-leads.csv")
ROWS = 60

pytestmark = pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")


def _file_counts() -> dict[str, tuple[int, int]]:
    """Prospect id -> (visits, page views) as the row records them (page views = visits x
    pages per visit), for rows with visits."""
    counts = {}
    with DATASET.open(newline="", encoding="utf-8-sig") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            if index >= ROWS:
                break
            visits = float(row["TotalVisits"] or 0)
            if visits:
                per_visit = float(row["Page Views Per Visit"] or 0) or 1.0
                counts[row["Prospect ID"]] = (round(visits), round(visits * per_visit))
    return counts


def test_counts_come_from_the_person_and_replace_the_membership(
    make_sandbox, make_adapter, mapping: SalesforceMapping
):
    sandbox = make_sandbox(contacts=ROWS, dataset=DATASET)
    adapter = make_adapter(sandbox)
    people = {c.id: str(c.properties["dataset_record_id"]) for c in adapter.iter_contacts(None)}
    by_row: dict[str, dict[EngagementKind, list[int]]] = {}
    for event in adapter.iter_engagements(list(people)):
        kinds = by_row.setdefault(people[event.contact_id], {})
        kinds.setdefault(event.kind, []).append(event.quantity)
    expected = _file_counts()
    assert len(expected) > ROWS // 2
    for record_id, (visits, page_views) in expected.items():
        kinds = by_row[record_id]
        # one engagement per kind, with the row's count: the membership is not counted again
        assert kinds[EngagementKind.WEBSITE_VISIT] == [max(visits, 1)], record_id
        assert kinds[EngagementKind.PAGE_VIEW] == [max(page_views, 1)], record_id
    # without the counters, the same memberships read as one visit each, no page views
    plain = mapping.model_copy(
        update={"engagement": mapping.engagement.model_copy(update={"counters": ()})}
    )
    uncounted = make_adapter(sandbox, plain)
    quantities = [
        e.quantity
        for e in uncounted.iter_engagements(list(people))
        if e.kind in (EngagementKind.WEBSITE_VISIT, EngagementKind.PAGE_VIEW)
    ]
    assert quantities and set(quantities) == {1}
    kinds_seen = {
        e.kind for e in uncounted.iter_engagements(list(people)) if e.kind.value.endswith("view")
    }
    assert kinds_seen == set()
