"""The adapter kit as the Salesforce adapter uses it, through real HTTP (TLS) into the
sandbox: the adapter's injected sleep is the one every retry waits with — whole requests and
per-record retries alike — and a create whose answer is lost is looked up, not repeated."""

from __future__ import annotations

from datetime import UTC, datetime

from simple_salesforce import Salesforce
from simple_salesforce.format import format_soql

from connector.adapters.retry import RetryPolicy
from connector.adapters.salesforce import SalesforceAdapter
from connector.adapters.salesforce import endpoints as sf
from connector.domain.outcomes import TaskPriority, TaskSpec
from connector.domain.stages import LifecycleStage
from connector.sandbox.common.faults import Fault

NO_JITTER = RetryPolicy(max_attempts=4, initial_wait=0.5, max_wait=8.0, jitter=0.0)


def _adapter(sandbox, sandbox_settings, mapping, slept):
    settings = sandbox_settings(sandbox, retry=NO_JITTER)
    return SalesforceAdapter(settings, mapping, sleep=slept.append)


def test_request_retries_wait_with_the_injected_sleep(sandbox, sandbox_settings, mapping):
    slept: list[float] = []
    adapter = _adapter(sandbox, sandbox_settings, mapping, slept)
    sandbox.faults.force(Fault.UNAVAILABLE_503, count=2, endpoint="query")

    assert adapter.count_contacts(None) > 0

    assert slept == [0.5, 1.0]  # the policy's backoff, not a wall-clock wait
    assert adapter.usage.calls(sf.QUERY) == 4  # two refused, then Lead and Contact counted


def test_a_lost_create_is_looked_up_and_not_repeated(sandbox, sandbox_settings, mapping):
    slept: list[float] = []
    adapter = _adapter(sandbox, sandbox_settings, mapping, slept)
    people = sandbox.ids_of("Lead")[:3]
    specs = [
        TaskSpec(
            key=f"kit-{n:024x}",
            contact_id=person,
            owner_id=None,
            subject="Follow up",
            body="score 120",
            priority=TaskPriority.HIGH,
            due_at=datetime(2026, 11, 4, 10, tzinfo=UTC),
            stage=LifecycleStage.MQL,
        )
        for n, person in enumerate(people)
    ]
    sandbox.faults.force(Fault.SERVER_ERROR_500, count=1, endpoint="collections.create")

    result = adapter.create_tasks(specs)

    assert sorted(result.created_ids) == sorted(s.key for s in specs)
    assert slept == [0.5]  # one backoff before the second try, with the injected sleep
    assert adapter.usage.calls(sf.QUERY) == 2  # looked up before the first and second try
    api = Salesforce(**sandbox.salesforce_kwargs())
    soql = format_soql(
        "SELECT Id FROM Task WHERE Connector_Task_Key__c IN {}", [s.key for s in specs]
    )
    assert api.query_all(soql)["totalSize"] == 3
