"""API allowances, injected faults and the request log, observed through simple-salesforce."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest
from simple_salesforce.util import Usage

from connector.sandbox.common.faults import Fault
from connector.sandbox.salesforce import SalesforceSandbox


def test_usage_header_counts_every_call(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    running: SalesforceSandbox = make_sandbox(daily_limit=50)
    sf = Salesforce(**running.salesforce_kwargs())
    sf.query("SELECT Id FROM User")
    assert sf.api_usage == {"api-usage": Usage(used=1, total=50)}
    sf.query("SELECT COUNT() FROM Lead")
    assert sf.api_usage == {"api-usage": Usage(used=2, total=50)}
    token = running.session().post(running.token_url, data={"grant_type": "password"})
    assert "Sforce-Limit-Info" not in token.headers  # the token endpoint: not counted


def test_daily_limit_is_request_limit_exceeded(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    running: SalesforceSandbox = make_sandbox(daily_limit=3)
    sf = Salesforce(**running.salesforce_kwargs())
    for _ in range(3):
        sf.query("SELECT Id FROM User")
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.query("SELECT Id FROM User")
    assert refused.value.status == 403
    assert refused.value.content == [  # type: ignore[comparison-overlap]
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert running.log.statuses() == {200: 3, 403: 1}


def test_concurrency_limit_is_request_limit_exceeded(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    running: SalesforceSandbox = make_sandbox(rate_limit=1)
    sf = Salesforce(**running.salesforce_kwargs())
    assert sf.query("SELECT Id FROM User")["totalSize"] >= 1
    assert running.app.concurrency.try_acquire()  # a long transaction is in flight
    try:
        with pytest.raises(SalesforceRefusedRequest) as refused:
            sf.query("SELECT Id FROM User")
    finally:
        running.app.concurrency.release()
    assert refused.value.content[0] == {  # type: ignore[index]
        "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
        "errorCode": "REQUEST_LIMIT_EXCEEDED",
    }
    assert sf.query("SELECT Id FROM User")["totalSize"] >= 1


@pytest.mark.parametrize(
    ("fault", "status", "error_code"),
    [
        (Fault.RATE_LIMITED, 403, "REQUEST_LIMIT_EXCEEDED"),
        (Fault.SERVER_ERROR_500, 500, "UNKNOWN_EXCEPTION"),
        (Fault.UNAVAILABLE_503, 503, "SERVER_UNAVAILABLE"),
    ],
)
def test_injected_error_faults(
    sandbox: SalesforceSandbox, sf: Salesforce, fault: Fault, status: int, error_code: str
) -> None:
    sandbox.reset_counters()
    sandbox.faults.force(fault, endpoint="query")
    expected = SalesforceRefusedRequest if status == 403 else SalesforceGeneralError
    with pytest.raises(expected) as failure:
        sf.query("SELECT Id FROM Lead LIMIT 1")
    assert failure.value.status == status
    assert failure.value.content[0]["errorCode"] == error_code  # type: ignore[index]
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["totalSize"] == 1
    assert sandbox.log.faults() == {fault: 1}
    assert sandbox.log.statuses() == {status: 1, 200: 1}


def test_injected_bad_gateway(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.faults.force(Fault.BAD_GATEWAY_502)
    with pytest.raises(SalesforceGeneralError) as failure:
        sf.query("SELECT Id FROM Lead LIMIT 1")
    assert failure.value.status == 502


def test_dropped_connection(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.reset_counters()
    sandbox.faults.force(Fault.DROP, endpoint="query")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query("SELECT Id FROM Lead LIMIT 1")
    assert sandbox.log.statuses() == {0: 1}
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["totalSize"] == 1


def test_slow_answer_times_out_the_client(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    running: SalesforceSandbox = make_sandbox(slow_seconds=0.6)
    sf = Salesforce(**running.salesforce_kwargs())
    running.faults.force(Fault.SLOW, endpoint="query")
    with pytest.raises(requests.exceptions.ReadTimeout):
        sf.query("SELECT Id FROM User", timeout=0.2)
    assert sf.query("SELECT Id FROM User", timeout=5)["totalSize"] >= 1


def test_random_faults_are_reproducible(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    def run() -> list[int]:
        running: SalesforceSandbox = make_sandbox(fault_rate=0.5, fault_seed=11, slow_seconds=0)
        session = running.session()
        statuses = []
        for _ in range(12):
            try:
                answer = session.get(
                    f"{running.url}/services/data/v59.0/limits",
                    headers={"Authorization": f"Bearer {running.token}"},
                    timeout=5,
                )
                statuses.append(answer.status_code)
            except requests.exceptions.ConnectionError:
                statuses.append(0)
        return statuses

    first, second = run(), run()
    assert first == second
    assert set(first) - {200} != set()


def test_request_log_counts_exactly(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.reset_counters()
    sf.query("SELECT Id FROM Lead LIMIT 5")
    sf.query_all("SELECT Id FROM Contact")
    lead_id = sandbox.ids_of("Lead")[3]
    sf.Lead.get(lead_id)
    sf.Lead.update(lead_id, {"Title": "Counted"})
    sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Lead"}, "LastName": f"Log {n}", "Company": "Log Co"}
                for n in range(7)
            ],
        },
    )
    sf.Account.describe()
    contacts = len(sandbox.ids_of("Contact"))
    assert sandbox.log.calls_by_endpoint() == {
        "query": 2,
        "sobject.get": 1,
        "sobject.update": 1,
        "collections.create": 1,
        "sobject.describe": 1,
    }
    assert sandbox.log.calls() == 6
    assert sandbox.log.records_read("query") == 5 + contacts
    assert sandbox.log.records_read("sobject.get") == 1
    assert sandbox.log.records_written() == 1 + 7
    assert sandbox.app.daily.used == 6
