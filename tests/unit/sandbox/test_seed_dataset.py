"""Dataset mode: the real X Education lead history, streamed, without outcome-leaking columns."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from connector.domain.contact import LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.stages import LifecycleStage
from connector.sandbox.seed import LEAKING_COLUMNS, SeedContact, SeedData, SeedDataError, SeedSpec

DATASET = Path("/work/shared/datasets/x-education-leads.csv")
pytestmark = pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")


def _load(path: Path, contacts: int = 0) -> list[SeedContact]:
    return list(SeedData(SeedSpec(contacts=contacts, dataset=path)).contacts())


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def leads() -> list[SeedContact]:
    return _load(DATASET)


def test_one_contact_per_row_all_rows_when_zero(leads: list[SeedContact]) -> None:
    assert len(leads) == 9237
    assert len({lead.contact.id for lead in leads}) == 9237
    assert len(_load(DATASET, contacts=25)) == 25
    assert _load(DATASET, contacts=25) == leads[:25]
    assert list(SeedData(SeedSpec(contacts=0, dataset=DATASET)).contacts(3, 4)) == [leads[3]]


def test_rows_map_to_domain_values(leads: list[SeedContact]) -> None:
    _, rows = _rows(DATASET)
    by_number = {f"xedu-{row['Lead Number']}": row for row in rows}
    for lead in leads[:500]:
        row = by_number[lead.contact.id]
        kinds = Counter()
        for engagement in lead.engagements:
            kinds[engagement.kind] += engagement.quantity
        visits = float(row["TotalVisits"] or 0)
        assert kinds[EngagementKind.WEBSITE_VISIT] == round(visits)
        if row["Do Not Email"] == "Yes":
            assert kinds[EngagementKind.UNSUBSCRIBE] >= 1
        if row["Last Activity"] == "Email Opened":
            assert kinds[EngagementKind.EMAIL_OPEN] >= 1
        if row["Lead Source"] == "Google":
            assert lead.contact.source == LeadSource.PAID_SEARCH
        if row["What is your current occupation"] == "Student":
            assert lead.contact.job_title == "Student"
        if row["Country"] in ("", "unknown"):
            assert lead.contact.country is None
        if row["City"] == "Select":
            assert "city" not in lead.properties
        assert lead.contact.lifecycle_stage == LifecycleStage.LEAD
        assert lead.extra["converted"] == row["Converted"]


def test_distribution_reflects_the_file(leads: list[SeedContact]) -> None:
    sources = Counter(lead.contact.source for lead in leads)
    assert sources[LeadSource.PAID_SEARCH] > sources[LeadSource.REFERRAL] > 0
    kinds = Counter(e.kind for lead in leads for e in lead.engagements)
    for kind in (
        EngagementKind.EMAIL_OPEN,
        EngagementKind.EMAIL_BOUNCE,
        EngagementKind.UNSUBSCRIBE,
        EngagementKind.CALL,
        EngagementKind.CHAT_CONVERSATION,
        EngagementKind.FORM_SUBMISSION,
    ):
        assert kinds[kind] > 0
    now = SeedSpec(contacts=0).now
    assert all(e.occurred_at < now for lead in leads for e in lead.engagements)
    emails = [lead.contact.email for lead in leads]
    assert len(set(emails)) == len(emails)


def test_leaking_columns_change_nothing(tmp_path: Path) -> None:
    header, rows = _rows(DATASET)
    rows = rows[:300]
    original = _load(_write(tmp_path / "original.csv", header, rows))
    rng = random.Random(0)
    tampered = [
        {
            **row,
            **{
                column: rng.choice(["0", "1", "Will revert", "High", "x"])
                for column in LEAKING_COLUMNS
            },
        }
        for row in rows
    ]
    changed = _load(_write(tmp_path / "tampered.csv", header, tampered))
    for before, after in zip(original, changed, strict=True):
        assert after.contact == before.contact
        assert after.engagements == before.engagements
        assert {k: v for k, v in after.extra.items() if k != "converted"} == {
            k: v for k, v in before.extra.items() if k != "converted"
        }


def test_malformed_number_names_file_and_line(tmp_path: Path) -> None:
    header, rows = _rows(DATASET)
    rows = rows[:5]
    rows[2] = {**rows[2], "TotalVisits": "lots"}
    path = _write(tmp_path / "bad.csv", header, rows)
    with pytest.raises(SeedDataError, match=r"bad\.csv:4: TotalVisits 'lots'"):
        _load(path)


def test_wrong_field_count_and_missing_column(tmp_path: Path) -> None:
    header, rows = _rows(DATASET)
    path = _write(tmp_path / "short.csv", header, rows[:3])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",surplus"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SeedDataError, match=r"short\.csv:3:"):
        _load(path)
    no_visits = [name for name in header if name != "TotalVisits"]
    path = _write(
        tmp_path / "cols.csv", no_visits, [{k: r[k] for k in no_visits} for r in rows[:2]]
    )
    with pytest.raises(SeedDataError, match=r"cols\.csv:1: missing column\(s\): TotalVisits"):
        _load(path)
    with pytest.raises(SeedDataError, match="not found"):
        SeedData(SeedSpec(contacts=0, dataset=tmp_path / "absent.csv"))
