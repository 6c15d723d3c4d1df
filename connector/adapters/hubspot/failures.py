"""HubSpot's failures in the shared error table's terms: `ApiException` (JSON body `{"message",
"category", "errors"}`; a 429 adds `"policyName": "TEN_SECONDLY_ROLLING" | "DAILY"`; a 403
names the missing scopes in `errors[].context.requiredGranularScopes`) and urllib3's transport
errors become a `Failure`. Messages carry HubSpot's words, never a URL, header or body (they can
hold the token or personal data).
"""

import http.client
import json
from dataclasses import dataclass
from functools import partial
from typing import Any

import requests
import urllib3.exceptions
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from hubspot.crm.owners.exceptions import ApiException as OwnersApiException
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException
from requests.structures import CaseInsensitiveDict

from connector.adapters.errors import TLS_ERROR, WRONG_URL, Failure

CRM = "HubSpot"
#: A Failure of this CRM.
crm_failure = partial(Failure, crm=CRM)

#: Each generated SDK package has its own ApiException class, without a common base.
API_EXCEPTIONS: tuple[type[Exception], ...] = (
    ObjectsApiException,
    AssociationsApiException,
    OwnersApiException,
    PropertiesApiException,
)
TRANSPORT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.HTTPError,  # timeouts, dropped/refused connections, protocol errors
    http.client.HTTPException,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    ConnectionError,
    TimeoutError,  # socket.timeout too: an alias of it since Python 3.10
)


@dataclass(frozen=True)
class Endpoint:
    """One API operation: its label in the usage counters and the scope it needs."""

    method: str
    path: str
    scope: str
    search: bool = False
    #: A collection every portal has (owners, a standard object's list, search, properties):
    #: a 404 there means the base URL is not HubSpot's API root, not a missing record.
    collection: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _retry_after(headers: Any) -> float | None:
    """Retry-After in seconds; None when absent or an HTTP date (the policy's backoff then)."""
    raw = CaseInsensitiveDict(headers or {}).get("Retry-After")
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except ValueError:
        return None


def parse_body(raw: Any) -> dict[str, Any]:
    """The JSON error body as a dict; {} when it is not JSON (e.g. a gateway's HTML page)."""
    if raw is None:
        return {}
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    try:
        body = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _scopes(body: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for detail in body.get("errors") or []:
        context = detail.get("context") if isinstance(detail, dict) else None
        if not isinstance(context, dict):
            continue
        for key in ("requiredGranularScopes", "requiredScopes", "missingScopes"):
            for scope in context.get(key) or []:
                if scope not in found:
                    found.append(str(scope))
    return found


def _http_failure(exc: Any, endpoint: Endpoint) -> Failure:
    status = int(exc.status) if exc.status else None
    body = parse_body(getattr(exc, "body", None))
    headers = getattr(exc, "headers", None)
    message = str(body.get("message") or exc.reason or "").strip()
    category = str(body.get("category") or "")
    if status is None:  # the SDK's own transport failure, no HTTP answer
        if str(exc.reason or "").startswith("SSLError"):
            return crm_failure(
                status=None,
                code=TLS_ERROR,
                message="the TLS handshake failed. Check that HUBSPOT_BASE_URL uses https only "
                "where the server speaks https (https://api.hubapi.com does)",
            )
        return crm_failure(status=None, message="no answer from HubSpot (TLS or transport error)")
    if status == 404 and endpoint.collection:
        return crm_failure(
            status=404,
            code=WRONG_URL,
            message=f"HTTP 404 for {endpoint.label}, which every portal has: HUBSPOT_BASE_URL "
            "is not HubSpot's API root (https://api.hubapi.com, without a path)",
        )
    if status == 429:  # coded by the policy hit: TEN_SECONDLY_ROLLING (retry) or DAILY (stop)
        category, message = str(body.get("policyName") or ""), message or "too many requests"
    if status == 401:
        return crm_failure(
            status=401,
            code=category,
            message="the access token (HUBSPOT_ACCESS_TOKEN) is invalid, expired or revoked, or "
            f"the private app lacks scope {endpoint.scope}. HubSpot said: {message}",
        )
    if status == 403:
        scopes = _scopes(body) or [endpoint.scope]
        # No code on purpose: a 403 without one is an auth problem in the table (exit 4).
        return crm_failure(
            status=403,
            message=f"the access token is missing scope {', '.join(scopes)} "
            f"({category or 'FORBIDDEN'}). Add it to the private app and use the new token. "
            f"HubSpot said: {message}",
        )
    return crm_failure(
        status=status, code=category, message=message, retry_after=_retry_after(headers)
    )


def to_failure(exc: BaseException, endpoint: Endpoint) -> Failure | None:
    """A Failure for a HubSpot or transport error; None for anything else (a bug: let it out)."""
    if isinstance(exc, API_EXCEPTIONS):
        return _http_failure(exc, endpoint)
    if isinstance(exc, AttributeError) and isinstance(exc.__context__, API_EXCEPTIONS):
        # hubspot-api-client turns a TLS failure into ApiException(status=0, body=None) and then
        # trips over its own `e.body.decode(...)`: the AttributeError carries the real failure.
        return _http_failure(exc.__context__, endpoint)
    if isinstance(exc, TRANSPORT_EXCEPTIONS):
        return crm_failure(status=None, message=f"no answer from HubSpot ({type(exc).__name__})")
    return None
