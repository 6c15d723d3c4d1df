"""sObject Get Deleted and the recycle bin, through simple-salesforce's
`sf.<Type>.deleted(start, end)` and `query_all`, on an org whose clock
the test sets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.salesforce import SalesforceSandbox

T0 = datetime(2026, 11, 2, 12, 30, 40, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sf(clock: Clock) -> Iterator[Salesforce]:
    with SalesforceSandbox(SandboxConfig(contacts=0), clock=clock) as sandbox:
        yield Salesforce(**sandbox.salesforce_kwargs())  # type: ignore[arg-type]


def _lead(sf: Salesforce) -> str:
    return str(sf.Lead.create({"LastName": "Reyes", "Company": "Acme"})["id"])


def test_deleted_lists_deletions_by_system_modstamp_and_queryall_names_the_person(
    sf: Salesforce, clock: Clock
):
    lead = _lead(sf)
    task = sf.Task.create({"WhoId": lead, "Subject": "Demo request"})["id"]
    clock.now = T0 + timedelta(minutes=3)
    sf.Task.delete(task)

    answer = sf.Task.deleted(T0 - timedelta(minutes=1), T0 + timedelta(minutes=10))

    assert answer["deletedRecords"] == [{"id": task, "deletedDate": "2026-11-02T12:33:40.000+0000"}]
    assert answer["latestDateCovered"] == "2026-11-02T12:40:00.000+0000"
    assert sf.query("SELECT Id FROM Task")["totalSize"] == 0
    rows = sf.query_all(
        "SELECT Id, WhoId, IsDeleted FROM Task WHERE IsDeleted = true", include_deleted=True
    )["records"]
    assert [(r["Id"], r["WhoId"], r["IsDeleted"]) for r in rows] == [(task, lead, True)]


def test_the_recycle_bin_keeps_a_deleted_record_15_days(sf: Salesforce, clock: Clock):
    task = sf.Task.create({"WhoId": _lead(sf), "Subject": "Call"})["id"]
    sf.Task.delete(task)
    query = "SELECT Id FROM Task WHERE IsDeleted = true"

    clock.now = T0 + timedelta(days=14, hours=23)
    assert sf.query_all(query, include_deleted=True)["totalSize"] == 1
    assert len(sf.Task.deleted(T0 - timedelta(days=1), clock.now)["deletedRecords"]) == 1

    clock.now = T0 + timedelta(days=15, minutes=1)
    assert sf.query_all(query, include_deleted=True)["totalSize"] == 0
    emptied = sf.Task.deleted(T0 - timedelta(days=1), clock.now)
    assert emptied["deletedRecords"] == []
    assert emptied["earliestDateAvailable"] == "2026-11-02T12:31:00.000+0000"


def test_a_span_that_does_not_move_forward_is_refused(sf: Salesforce):
    # Seconds are dropped first: 12:30:10 .. 12:30:50 is an empty span.
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Lead.deleted(T0 - timedelta(seconds=30), T0 + timedelta(seconds=10))
    assert raised.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
