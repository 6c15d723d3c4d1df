"""Text cut to the length the org's describe reports (issue #19, "Bounded text"): an admin may
create the connector's score-reasons field shorter than `mappings provision` says, and
Salesforce refuses a longer value (STRING_TOO_LONG) instead of cutting it. The writer describes
the object on the run's first write of text, once, and never in a run that writes no text.

The shorter field is made the way an admin makes it: the sandbox org's field definition is
changed, so its describe and its write validation both say 100 (the test's only hook).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.adapters.salesforce import endpoints as sf
from connector.domain.outcomes import ContactUpdate, TaskPriority, TaskSpec, UpdatableField
from connector.domain.stages import LifecycleStage
from connector.domain.text import ELLIPSIS
from connector.mapping.loader import load_mapping_dir
from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.state import StateStore

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
REASONS = "Connector_Score_Reasons__c"
#: 100 KB and more of UTF-8: four-byte characters, each followed by a combining mark, so a cut
#: by code points could split a character from its mark.
HUGE = "🚀\u0301" * 25_000


def shorten(sandbox, object_name: str, field: str, length: int) -> None:
    """Make `object_name.field` hold `length` characters, as an admin editing the field does:
    the org's describe and its write validation both follow the one field definition."""
    obj = sandbox.store.object_named(object_name)
    index = next(i for i, f in enumerate(obj.fields) if f.name == field)
    obj.fields[index] = dataclasses.replace(obj.fields[index], length=length)
    obj.reindex()


def _value(sandbox, object_name: str, record_id: str, field: str) -> str:
    api = Salesforce(**sandbox.salesforce_kwargs())
    records = api.query_all(f"SELECT {field} FROM {object_name} WHERE Id = '{record_id}'")
    return records["records"][0][field]


def _described(sandbox) -> list[str]:
    """The objects whose describe the sandbox served, in order."""
    return [e.path.split("/")[-2] for e in sandbox.log.entries if e.endpoint == "sobject.describe"]


def _reasons(person: str, text: str) -> ContactUpdate:
    return ContactUpdate(contact_id=person, changes={UpdatableField.SCORE_REASONS: text})


def test_score_reasons_are_cut_to_the_length_the_describe_reports(sandbox, adapter):
    shorten(sandbox, "Lead", REASONS, 100)
    lead, other = sandbox.ids_of("Lead")[:2]
    assert len(HUGE.encode()) > 100_000

    result = adapter.apply_updates([_reasons(lead, HUGE), _reasons(other, "score 55: demo")])

    assert (sorted(result.applied), result.rejected) == (sorted([lead, other]), [])
    stored = _value(sandbox, "Lead", lead, REASONS)
    assert len(stored) <= 100 and stored.endswith(ELLIPSIS)
    body = stored.removesuffix(ELLIPSIS)
    assert body and HUGE.startswith(body)
    assert body.endswith("\u0301")  # a whole character: never a rocket without its mark
    assert _value(sandbox, "Lead", other, REASONS) == "score 55: demo"  # short text: as is
    # One describe of Lead for both updates; Contact was not written, so not described.
    assert adapter.usage.calls(sf.DESCRIBE) == 1
    assert _described(sandbox) == ["Lead"]


def test_the_shortened_field_refuses_longer_text_as_salesforce_does(sandbox):
    """What the cut avoids: the org refuses a value over the field's length with
    STRING_TOO_LONG and Salesforce's own message (the record is not written)."""
    shorten(sandbox, "Lead", REASONS, 100)
    lead = sandbox.ids_of("Lead")[0]
    api = Salesforce(**sandbox.salesforce_kwargs())

    with pytest.raises(SalesforceMalformedRequest) as refused:
        api.Lead.update(lead, {REASONS: "x" * 101})

    [error] = refused.value.content
    assert (error["errorCode"], error["fields"]) == ("STRING_TOO_LONG", [REASONS])
    assert "data value too large" in error["message"] and "max length=100" in error["message"]
    assert _value(sandbox, "Lead", lead, REASONS) != "x" * 101


def test_task_subject_and_body_follow_the_task_describe_once_per_run(sandbox, adapter):
    shorten(sandbox, "Task", "Description", 500)
    people = sandbox.ids_of("Contact")[:3]
    specs = [
        TaskSpec(
            key=f"len-{n:020x}",
            contact_id=person,
            owner_id=None,
            subject="Follow up: " + "Ä" * 1_000,
            body="Moved to MQL because:\n" + HUGE,
            priority=TaskPriority.HIGH,
            due_at=datetime(2026, 11, 4, 10, 0, tzinfo=UTC),
            stage=LifecycleStage.MQL,
        )
        for n, person in enumerate(people)
    ]

    first = adapter.create_tasks(specs[:2])
    second = adapter.create_tasks(specs[2:])

    assert sorted(first.applied + second.applied) == sorted(s.key for s in specs)
    api = Salesforce(**sandbox.salesforce_kwargs())
    rows = api.query_all(
        "SELECT Subject, Description FROM Task WHERE Connector_Task_Key__c != null"
    )
    assert len(rows["records"]) == 3
    for row in rows["records"]:
        assert len(row["Subject"]) == 255 and row["Subject"].endswith("Ä" + ELLIPSIS)
        assert len(row["Description"]) <= 500 and row["Description"].endswith(ELLIPSIS)
    assert adapter.usage.calls(sf.DESCRIBE) == 1  # Task, described by the first write only


def test_a_sync_that_writes_no_text_makes_no_describe_call(sandbox, make_adapter, tmp_path):
    shorten(sandbox, "Lead", REASONS, 100)
    shorten(sandbox, "Contact", REASONS, 100)
    rules = load_mapping_dir(MAPPINGS).rules
    store = StateStore.open(str(tmp_path / "state.sqlite"))

    def run(dry_run: bool = False):
        adapter = make_adapter(sandbox)  # one adapter per run, as the command line builds it
        engine = SyncEngine(adapter, rules, store, account="org", clock=lambda: DEFAULT_NOW)
        return adapter, engine.sync(RunOptions(dry_run=dry_run))

    dry, planned = run(dry_run=True)
    assert planned.updates_planned > 0 and dry.usage.calls(sf.DESCRIBE) == 0

    writing, first = run()
    assert first.exit_code == 0, (first.message, first.rejected[:3])
    assert first.updates_applied > 0
    # Lead, Contact and Task, each described once by its first write of text.
    assert writing.usage.calls(sf.DESCRIBE) == 3
    api = Salesforce(**sandbox.salesforce_kwargs())
    reasons = [
        r[REASONS]
        for name in ("Lead", "Contact")
        for r in api.query_all(f"SELECT {REASONS} FROM {name}")["records"]
        if r[REASONS]
    ]
    assert reasons and all(len(text) <= 100 for text in reasons)
    assert any(text.endswith(ELLIPSIS) for text in reasons)  # longer reasons were cut

    # The next run reads the people it wrote (LastModifiedDate moved) and finds the cut
    # reasons unchanged: nothing to write, so nothing to describe.
    quiet, second = run()
    assert second.exit_code == 0 and second.contacts_read > 0
    assert second.updates_planned == second.tasks_created == 0
    assert quiet.usage.calls(sf.DESCRIBE) == 0
