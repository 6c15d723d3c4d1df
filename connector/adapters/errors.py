"""One error-classification table for every CRM: each failure becomes retry, rate-limited,
stop (daily allowance spent), auth, or fail — with a message a user can act on.

Adapters translate their SDK's exceptions into a neutral `Failure` (status, CRM error code,
message, Retry-After); everything after that is shared, so HubSpot and Salesforce retry,
give up and explain themselves the same way.
"""

from dataclasses import dataclass
from enum import StrEnum

from connector.redact import redact


class Disposition(StrEnum):
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    STOP = "stop"
    AUTH = "auth"
    MISCONFIGURED = "misconfigured"
    FAIL = "fail"


@dataclass(frozen=True)
class Failure:
    """A failed request in CRM-neutral terms; `status` is None when no response came back."""

    status: int | None
    code: str = ""
    message: str = ""
    retry_after: float | None = None
    crm: str = ""


# Codes that mean "wait and try again" even though the status alone says otherwise.
RETRYABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "TEN_SECONDLY_ROLLING"})
# Codes that mean the allowance for the day is gone: retrying only burns more of tomorrow's.
DAILY_LIMIT_CODES = frozenset({"DAILY", "DAILY_LIMIT_REACHED", "DAILY_API_LIMIT_EXCEEDED"})
CONCURRENCY_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "SECONDLY", "CONCURRENT_REQUESTS"})
# The connector's own codes for a connection setting that cannot work (TLS spoken to a plain
# http server, an untrusted certificate, a missing CA file, a base URL that is not the API's):
# retrying only delays the one line that says which setting to fix.
TLS_ERROR, WRONG_URL = "TLS_ERROR", "WRONG_URL"
SETTING_CODES = frozenset({TLS_ERROR, WRONG_URL})


def classify(failure: Failure) -> Disposition:
    """The single table. Order matters: a daily limit is a stop even though it is a 429/403."""
    status, code = failure.status, failure.code.upper()
    if code in SETTING_CODES:
        return Disposition.MISCONFIGURED
    if code in DAILY_LIMIT_CODES:
        return Disposition.STOP
    if status is None:
        return Disposition.RETRY  # connection dropped, reset or timed out
    if status == 429 or code in CONCURRENCY_CODES:
        return Disposition.RATE_LIMITED
    if code in RETRYABLE_CODES or status in (500, 502, 503, 504):
        return Disposition.RETRY
    # A 403 with a CRM code of its own refuses this request; a bare one refuses the credentials.
    if status == 401 or (status == 403 and code in ("", "FORBIDDEN")):
        return Disposition.AUTH
    return Disposition.FAIL


class CrmError(Exception):
    """Base of every error an adapter raises; the text never contains a secret."""

    exit_code = 4

    def __init__(self, message: str, failure: Failure | None = None) -> None:
        self.failure = failure
        super().__init__(redact(message))


class CrmAuthError(CrmError):
    """Credentials missing, wrong or lacking a permission: nothing will work until fixed."""


class CrmUnavailableError(CrmError):
    """The CRM kept failing or could not be reached after every retry."""


class CrmInsecureRedirectError(CrmError):
    """The CRM (or something in between) redirected an https request to plain http; following
    it would send credentials and records in clear text, so the request stops there."""


class CrmSettingError(CrmError):
    """A connection setting cannot work (URL, TLS, CA file): the CRM was never really reached,
    and nothing will until the setting named in the message is fixed."""


class CrmDailyLimitError(CrmError):
    """The CRM's daily API allowance (or the reserve the connector keeps) is spent: stop cleanly
    and run again after the allowance resets."""


class CrmRequestError(CrmError):
    """The CRM refused a request as invalid; retrying would fail the same way."""

    exit_code = 1


class CrmPagingError(CrmError):
    """The CRM handed back a paging cursor the read had already followed: a CRM-side fault
    (like an outage, not a record it refused), so it ends the run with exit code 4, "CRM
    unreachable", never 1, which README keeps for a run that finished with rejected records."""


def error_for(failure: Failure, action: str) -> CrmError:
    """The exception (and message) for a failure that will not be retried (any more)."""
    crm = failure.crm or "the CRM"
    detail = f": {failure.message}" if failure.message else ""
    code = f" [{failure.code}]" if failure.code else ""
    status = f"HTTP {failure.status}" if failure.status is not None else "no response"
    match classify(failure):
        case Disposition.AUTH:
            kind: type[CrmError] = CrmAuthError
            text = (
                f"{crm} refused the credentials while trying to {action} ({status}{code}){detail}."
                " Check the token or client credentials and their scopes/permissions."
            )
        case Disposition.MISCONFIGURED:
            kind = CrmSettingError
            text = f"{crm} could not be reached while trying to {action}: {failure.message}"
        case Disposition.STOP:
            kind = CrmDailyLimitError
            text = (
                f"{crm}'s daily API limit is reached while trying to {action}{detail}. "
                "Nothing more was sent; run again after the limit resets."
            )
        case Disposition.RETRY | Disposition.RATE_LIMITED:
            kind = CrmUnavailableError
            text = (
                f"{crm} kept failing while trying to {action} ({status}{code}){detail}; "
                "gave up after retrying."
            )
        case _:
            kind = CrmRequestError
            text = f"{crm} rejected the request to {action} ({status}{code}){detail}."
    return kind(text, failure)
