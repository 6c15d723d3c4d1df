"""401, 429 (burst and daily, with HubSpot's headers and policy names), injected 5xx, dropped
connections, slow answers and partial batches."""

from __future__ import annotations

import json

import pytest
import requests
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    SimplePublicObjectBatchInput,
)
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from connector.sandbox.common.faults import Fault
from connector.sandbox.hubspot import HubSpotSandbox

LIST = "GET /crm/v3/objects/contacts"
BATCH_UPDATE = "POST /crm/v3/objects/contacts/batch/update"


def test_a_wrong_bearer_token_is_401(sandbox: HubSpotSandbox) -> None:
    client = HubSpot(access_token="pat-na1-wrong", host=sandbox.url)

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.get_page()

    assert failure.value.status == 401
    body = json.loads(failure.value.body)
    assert body["status"] == "error"
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.")
    assert body["correlationId"]


def test_no_token_at_all_is_401(sandbox: HubSpotSandbox, http: requests.Session) -> None:
    answer = requests.get(f"{sandbox.url}/crm/v3/objects/contacts", timeout=5)

    assert answer.status_code == 401
    assert answer.json()["category"] == "INVALID_AUTHENTICATION"


def test_burst_limit_answers_429_ten_secondly_rolling(make_sandbox) -> None:
    sandbox = make_sandbox(rate_limit=5)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url)

    remaining = []
    for _ in range(5):
        _, status, headers = client.crm.contacts.basic_api.get_page_with_http_info(limit=1)
        assert status == 200
        assert headers["X-HubSpot-RateLimit-Max"] == "5"
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        remaining.append(headers["X-HubSpot-RateLimit-Remaining"])
    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.get_page(limit=1)

    assert remaining == ["4", "3", "2", "1", "0"]
    assert failure.value.status == 429
    assert failure.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    body = json.loads(failure.value.body)
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["correlationId"]
    assert sandbox.log.statuses() == {200: 5, 429: 1}


def test_daily_limit_answers_429_daily_with_daily_headers(make_sandbox) -> None:
    sandbox = make_sandbox(daily_limit=3)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url)

    for expected in ("2", "1", "0"):
        _, _, headers = client.crm.contacts.basic_api.get_page_with_http_info(limit=1)
        assert headers["X-HubSpot-RateLimit-Daily"] == "3"
        assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == expected
    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.get_page(limit=1)

    assert failure.value.status == 429
    assert json.loads(failure.value.body)["policyName"] == "DAILY"
    assert json.loads(failure.value.body)["message"] == "You have reached your daily limit."


def test_unconfigured_limits_send_no_rate_limit_headers(client: HubSpot) -> None:
    _, _, headers = client.crm.contacts.basic_api.get_page_with_http_info(limit=1)

    assert not [name for name in headers if name.lower().startswith("x-hubspot-ratelimit")]
    assert headers["X-HubSpot-Correlation-Id"]


def test_a_forced_429_fault_looks_like_the_burst_limit(sandbox, client: HubSpot) -> None:
    sandbox.faults.force(Fault.RATE_LIMITED, endpoint=LIST)

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.get_page(limit=1)
    recovered = client.crm.contacts.basic_api.get_page(limit=1)

    assert failure.value.status == 429
    assert json.loads(failure.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"
    assert failure.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert failure.value.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert len(recovered.results) == 1
    assert sandbox.log.faults() == {Fault.RATE_LIMITED: 1}


@pytest.mark.parametrize(
    ("fault", "status"),
    [(Fault.SERVER_ERROR_500, 500), (Fault.BAD_GATEWAY_502, 502), (Fault.UNAVAILABLE_503, 503)],
)
def test_injected_server_errors(sandbox, client: HubSpot, fault: Fault, status: int) -> None:
    sandbox.faults.force(fault)

    with pytest.raises(ApiException) as failure:
        client.crm.contacts.basic_api.get_page(limit=1)

    assert failure.value.status == status
    assert sandbox.log.statuses() == {status: 1}
    if status != 502:  # a gateway's 502 is an HTML page, the API's own errors are JSON
        assert json.loads(failure.value.body)["status"] == "error"


def test_a_dropped_connection_is_a_connection_error(sandbox, http: requests.Session) -> None:
    sandbox.faults.force(Fault.DROP)

    with pytest.raises(requests.ConnectionError):
        http.get(f"{sandbox.url}/crm/v3/objects/contacts", timeout=5)
    after = http.get(f"{sandbox.url}/crm/v3/objects/contacts", timeout=5)

    assert after.status_code == 200
    assert sandbox.log.statuses() == {0: 1, 200: 1}


def test_a_slow_answer_outlasts_the_client_timeout(make_sandbox) -> None:
    sandbox = make_sandbox(slow_seconds=1.0)
    sandbox.faults.force(Fault.SLOW)

    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {sandbox.token}"
        with pytest.raises(requests.ReadTimeout):
            http.get(f"{sandbox.url}/crm/v3/objects/contacts", timeout=0.3)


def test_the_sdk_surfaces_a_slow_answer_as_a_timeout_when_retries_are_off(make_sandbox) -> None:
    sandbox = make_sandbox(slow_seconds=1.0)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url, retry=Retry(0))
    sandbox.faults.force(Fault.SLOW)

    with pytest.raises(MaxRetryError) as failure:
        client.crm.contacts.basic_api.get_page(limit=1, _request_timeout=0.3)

    assert isinstance(failure.value.reason, ReadTimeoutError)


def test_partial_batch_fault_fails_some_inputs_and_lands_the_rest(sandbox, client: HubSpot) -> None:
    ids = [item.id for item in client.crm.contacts.basic_api.get_page(limit=4).results]
    sandbox.faults.force(Fault.PARTIAL_BATCH, endpoint=BATCH_UPDATE)

    answer = client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=i, properties={"jobtitle": "Batch"}) for i in ids
            ]
        )
    )

    assert answer.num_errors == 2
    failed = {ctx for error in answer.errors for ctx in error.context["ids"]}
    assert failed == {ids[1], ids[3]}
    assert {item.id for item in answer.results} == {ids[0], ids[2]}
    titles = {
        item.id: item.properties["jobtitle"]
        for item in client.crm.contacts.basic_api.get_page(limit=4, properties=["jobtitle"]).results
    }
    assert titles[ids[0]] == "Batch" and titles[ids[1]] != "Batch"


def test_random_faults_are_reproducible_by_seed(make_sandbox) -> None:
    def statuses(fault_seed: int) -> list[int]:
        sandbox = make_sandbox(contacts=20, fault_rate=0.5, fault_seed=fault_seed, slow_seconds=0.0)
        out = []
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {sandbox.token}"
            for _ in range(30):
                try:
                    out.append(
                        http.get(f"{sandbox.url}/crm/v3/objects/contacts", timeout=5).status_code
                    )
                except requests.ConnectionError:
                    out.append(0)
        return out

    first, again, other = statuses(7), statuses(7), statuses(8)

    assert first == again
    assert first != other
    assert {429, 500} & set(first)
