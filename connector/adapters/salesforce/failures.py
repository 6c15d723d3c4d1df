"""Salesforce's failures in the shared error table's terms: simple-salesforce's `SalesforceError`
(body `[{"errorCode", "message"}]` in `content`) and requests' transport errors."""

from __future__ import annotations

from functools import partial
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from connector.adapters.errors import TLS_ERROR, Failure

CRM = "Salesforce"
#: A Failure of this CRM.
crm_failure = partial(Failure, crm=CRM)

# 403 REQUEST_LIMIT_EXCEEDED is the daily allowance ("TotalRequests Limit exceeded.") or too
# many concurrent requests: only the message tells them apart, and the daily one is a stop.
_DAILY_MESSAGE = "totalrequests limit exceeded"
DAILY_LIMIT_CODE = "DAILY_API_LIMIT_EXCEEDED"


def first_error(content: Any) -> tuple[str, str]:
    """(errorCode, message) of the first entry of Salesforce's error array, if it is one."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        entry = content[0]
        return str(entry.get("errorCode") or ""), str(entry.get("message") or "")
    if isinstance(content, dict):
        return str(content.get("errorCode") or content.get("error") or ""), str(
            content.get("message") or content.get("error_description") or ""
        )
    return "", ""


def to_failure(exc: BaseException) -> Failure | None:
    """A Failure for a Salesforce or transport error; None for anything else (it propagates)."""
    if isinstance(exc, SalesforceAuthenticationFailed):
        return crm_failure(status=401, code=str(exc.code or ""), message=exc.auth_message)
    if isinstance(exc, SalesforceError):
        code, message = first_error(exc.content)
        if not code and not message:
            message = f"HTTP {exc.status} from {exc.resource_name or 'the API'}"
        if code == "REQUEST_LIMIT_EXCEEDED" and message.strip().lower().startswith(_DAILY_MESSAGE):
            code = DAILY_LIMIT_CODE
        return crm_failure(status=exc.status, code=code, message=message)
    return transport_failure(exc)


def transport_failure(exc: BaseException) -> Failure | None:
    """A Failure for an error of requests' transport (no HTTP answer), None for anything else;
    TLS problems are settings (TLS_ERROR, no retry), naming the setting to look at."""
    if isinstance(exc, requests.exceptions.SSLError):
        return crm_failure(
            status=None,
            code=TLS_ERROR,
            message="the TLS handshake failed. Check that SALESFORCE_LOGIN_URL (and the org's "
            "instance URL) is served over https; if Salesforce is reached through a proxy or an "
            "emulator with its own CA, set SALESFORCE_CA_FILE to that CA's PEM file",
        )
    if isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | requests.exceptions.ChunkedEncodingError,
    ):
        return crm_failure(status=None, message=type(exc).__name__)
    if type(exc) is OSError and "CA certificate bundle" in str(exc):
        # requests' own words when `verify` names a file that does not exist
        return crm_failure(
            status=None,
            code=TLS_ERROR,
            message="SALESFORCE_CA_FILE names a file that does not exist or cannot be read; "
            "set it to the PEM file of the CA that signed the server's certificate",
        )
    return None
