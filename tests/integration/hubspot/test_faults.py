"""429 storms, 5xx, dropped and slow connections, daily limits and bad tokens — through the
sandbox's fault injection, with every outcome checked in the portal itself."""

from __future__ import annotations

import logging

import pytest

from connector.adapters.errors import CrmAuthError, CrmDailyLimitError, CrmUnavailableError
from connector.adapters.hubspot import HubSpotAdapter
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.redact import protect_handler
from connector.sandbox.common.faults import Fault, FaultPlan
from connector.sandbox.hubspot.catalogue import CONTACTS

UPDATE = "POST /crm/v3/objects/contacts/batch/update"
LIST = "GET /crm/v3/objects/contacts"


def stored_scores(sandbox) -> dict[str, str | None]:
    table = sandbox.store.table(CONTACTS)
    return {str(table.ids[row]): table.get(row, "connector_score") for row in range(len(table))}


def test_a_fault_storm_ends_with_every_update_applied_exactly_once(make_sandbox, make_adapter):
    sandbox = make_sandbox(contacts=500, slow_seconds=0.5)
    adapter = make_adapter(sandbox, read_timeout_seconds=0.2)
    contacts = list(adapter.iter_contacts(None))
    sandbox.faults.set_plan(FaultPlan(rate=0.5, seed=11, slow_seconds=0.5))
    updates = [
        ContactUpdate(contact_id=c.id, changes={UpdatableField.SCORE: 1000 + i})
        for i, c in enumerate(contacts)
    ]
    result = adapter.apply_updates(updates)
    sandbox.faults.set_plan(FaultPlan(rate=0.0))
    assert result.rejected == []
    assert sorted(result.applied) == sorted(c.id for c in contacts)
    assert len(result.applied) == len(set(result.applied))
    scores = stored_scores(sandbox)
    assert {c.id: scores[c.id] for c in contacts} == {
        c.id: str(1000 + i) for i, c in enumerate(contacts)
    }
    assert sum(sandbox.log.faults().values()) > 0
    statuses = sandbox.log.statuses()
    assert statuses.get(429, 0) + statuses.get(500, 0) + statuses.get(503, 0) > 0


def test_every_kind_of_fault_on_the_update_endpoint_still_lands_each_update_once(
    make_sandbox, make_adapter
):
    sandbox = make_sandbox(contacts=120, slow_seconds=0.5)
    adapter = make_adapter(sandbox, read_timeout_seconds=0.2)
    contacts = list(adapter.iter_contacts(None))
    for fault in (
        Fault.RATE_LIMITED,
        Fault.RATE_LIMITED,
        Fault.SERVER_ERROR_500,
        Fault.BAD_GATEWAY_502,
        Fault.UNAVAILABLE_503,
        Fault.DROP,
        Fault.SLOW,
        Fault.PARTIAL_BATCH,
    ):
        sandbox.faults.force(fault, 1, UPDATE)
    result = adapter.apply_updates(
        [ContactUpdate(contact_id=c.id, changes={UpdatableField.SCORE: 7}) for c in contacts]
    )
    assert sandbox.faults.pending_forced() == 0
    assert result.rejected == []
    assert sorted(result.applied) == sorted(c.id for c in contacts)
    assert len(result.applied) == len(set(result.applied))
    scores = stored_scores(sandbox)
    assert {scores[c.id] for c in contacts} == {"7"}


def test_a_fault_storm_during_reads_and_task_creation(
    make_sandbox, make_adapter, make_specs, portal_tasks
):
    sandbox = make_sandbox(contacts=220, slow_seconds=0.5)
    adapter = make_adapter(sandbox, read_timeout_seconds=0.2)
    clean = [c.id for c in make_adapter(sandbox).iter_contacts(None)]
    sandbox.faults.set_plan(FaultPlan(rate=0.35, seed=5, slow_seconds=0.5))
    contacts = list(adapter.iter_contacts(None))
    assert [c.id for c in contacts] == clean
    wanted = make_specs(contacts, 150)
    result = adapter.create_tasks(wanted)
    sandbox.faults.set_plan(FaultPlan(rate=0.0))
    assert result.rejected == []
    assert set(result.created_ids) == {s.key for s in wanted}
    assert {key: len(ids) for key, ids in portal_tasks(sandbox).items()} == {
        s.key: 1 for s in wanted
    }


def test_a_429_storm_is_waited_out(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    sandbox.faults.force(Fault.RATE_LIMITED, 5, LIST)
    assert len(list(adapter.iter_contacts(None))) == 250
    assert sandbox.log.statuses()[429] == 5
    assert adapter.usage.calls(LIST) == 3 + 5  # every attempt is counted


def test_retries_give_up_with_a_clear_error(sandbox, make_adapter):
    adapter = make_adapter(sandbox)
    sandbox.faults.force(Fault.SERVER_ERROR_500, 100, LIST)
    with pytest.raises(CrmUnavailableError, match="HubSpot kept failing while trying to list"):
        list(adapter.iter_contacts(None))
    assert sandbox.log.calls(LIST) == adapter.settings.retry.max_attempts


def test_a_daily_429_stops_cleanly_without_retrying(make_sandbox, make_adapter):
    sandbox = make_sandbox(daily_limit=0)
    adapter = make_adapter(sandbox)
    with pytest.raises(CrmDailyLimitError, match="daily API limit") as caught:
        list(adapter.iter_contacts(None))
    assert caught.value.failure is not None and caught.value.failure.code == "DAILY"
    assert sandbox.log.statuses() == {429: 1}


def test_the_daily_allowance_is_watched_and_the_run_stops_before_a_refusal(
    make_sandbox, make_adapter
):
    sandbox = make_sandbox(daily_limit=4)
    adapter = make_adapter(sandbox)
    with pytest.raises(CrmDailyLimitError, match="daily"):
        adapter.apply_updates(
            [
                ContactUpdate(contact_id=str(1000 + i), changes={UpdatableField.SCORE: 1})
                for i in range(1, 700)
            ]
        )
    # the headers said the allowance was spent: nothing was sent that HubSpot would refuse
    assert sandbox.log.statuses().get(429, 0) == 0
    assert sandbox.log.calls() == 4


def test_the_daily_reserve_stops_before_hubspot_refuses(make_sandbox, make_adapter):
    sandbox = make_sandbox(daily_limit=10)
    adapter = make_adapter(sandbox, daily_reserve=7)
    with pytest.raises(CrmDailyLimitError, match="reserve"):
        list(adapter.iter_contacts(None))
    assert sandbox.log.statuses().get(429, 0) == 0
    assert sandbox.log.calls() == 3  # remaining 9, 8, 7: then the connector stops itself


SECRET = "pat-na1-0c6f1d2e-SECRET-TOKEN-4711"


def test_a_wrong_token_is_an_auth_error_that_never_shows_the_token(
    make_sandbox, make_adapter, make_specs, caplog
):
    sandbox = make_sandbox(token="the-right-token")
    protect_handler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    adapter: HubSpotAdapter = make_adapter(sandbox, access_token=SECRET)
    with pytest.raises(CrmAuthError) as caught:
        list(adapter.iter_contacts(None))
    text = str(caught.value)
    assert "HUBSPOT_ACCESS_TOKEN" in text and "crm.objects.contacts.read" in text
    assert "HTTP 401" in text
    assert caught.value.exit_code == 4
    assert sandbox.log.calls() == 1  # an auth failure is not retried
    for error in (caught.value, caught.value.__cause__, caught.value.__context__):
        if error is not None:
            assert SECRET not in str(error) and SECRET not in repr(error)
    assert SECRET not in caplog.text
    assert SECRET not in repr(adapter.settings)
    with pytest.raises(CrmAuthError) as again:
        adapter.create_tasks(make_specs([type("C", (), {"id": "1", "owner_id": None})()], 1))
    assert SECRET not in str(again.value)
