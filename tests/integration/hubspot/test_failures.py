"""HubSpot's error answers in the shared table's terms. These build the SDK's own exception
values (no request is made and nothing in the SDK or HTTP is replaced) for answers the sandbox
cannot produce: a 403 for a missing scope, and a 429 with Retry-After."""

from __future__ import annotations

import json

import urllib3
from hubspot.crm.objects.exceptions import ApiException

from connector.adapters.errors import CrmAuthError, Disposition, classify, error_for
from connector.adapters.hubspot import endpoints
from connector.adapters.hubspot.failures import to_failure

CONTACTS = endpoints.list_objects("contacts")


def api_exception(status: int, body: dict, headers: dict | None = None) -> ApiException:
    exc = ApiException(status=status, reason="")
    exc.body = json.dumps(body).encode()
    exc.headers = headers or {}
    return exc


def test_a_missing_scope_is_an_auth_failure_naming_the_scope():
    exc = api_exception(
        403,
        {
            "status": "error",
            "message": "This app hasn't been granted all required scopes to make this call.",
            "category": "MISSING_SCOPES",
            "errors": [
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": ["crm.objects.contacts.write"]},
                }
            ],
        },
    )
    failure = to_failure(exc, endpoints.batch_update("contacts"))
    assert classify(failure) is Disposition.AUTH
    error = error_for(failure, "update contacts")
    assert isinstance(error, CrmAuthError)
    assert "missing scope crm.objects.contacts.write" in str(error)


def test_rate_limit_answers_carry_their_policy_and_retry_after():
    exc = api_exception(
        429,
        {"status": "error", "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"},
        {"Retry-After": "3"},
    )
    failure = to_failure(exc, CONTACTS)
    assert (failure.status, failure.code, failure.retry_after) == (429, "TEN_SECONDLY_ROLLING", 3.0)
    assert classify(failure) is Disposition.RATE_LIMITED
    daily = to_failure(api_exception(429, {"policyName": "DAILY"}), CONTACTS)
    assert classify(daily) is Disposition.STOP


def test_transport_errors_are_retried_and_bugs_are_not_swallowed():
    timeout = urllib3.exceptions.ReadTimeoutError(None, "/crm", "read timed out")
    failure = to_failure(timeout, CONTACTS)
    assert failure.status is None and classify(failure) is Disposition.RETRY
    assert to_failure(KeyError("bug"), CONTACTS) is None


def test_a_gateway_page_is_not_mistaken_for_json():
    exc = ApiException(status=502, reason="Bad Gateway")
    exc.body = b"<html>502 Bad Gateway</html>"
    failure = to_failure(exc, CONTACTS)
    assert failure.status == 502 and failure.message == "Bad Gateway"
    assert classify(failure) is Disposition.RETRY
