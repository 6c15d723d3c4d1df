"""Salesforce's failures in the neutral terms of the shared error table (adapters/errors.py).

simple-salesforce raises a `SalesforceError` subclass per HTTP status, carrying the decoded body
in `content`: for the REST API a list `[{"errorCode": ..., "message": ...}]`. Transport failures
come from requests. This module only translates; what to retry is decided by `classify`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from connector.adapters.errors import TLS_ERROR, Failure

CRM = "Salesforce"
#: A Failure of this CRM.
crm_failure = partial(Failure, crm=CRM)

# Salesforce answers both an exhausted daily allowance and too many concurrent long requests
# with 403 REQUEST_LIMIT_EXCEEDED; only the message tells them apart ("TotalRequests Limit
# exceeded." vs "ConcurrentPerOrgLongTxn Limit exceeded."). Retrying the daily one only burns
# tomorrow's allowance, so it becomes the table's daily-limit code.
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
    """A Failure for an error of requests' transport (no HTTP answer), None for anything else.

    TLS problems are settings, not weather: retrying cannot fix them, so they become the table's
    TLS_ERROR (exit 4 at once) with the settings to look at, not a traceback.
    """
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
