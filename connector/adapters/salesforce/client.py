"""One authenticated simple-salesforce client with the adapter's transport rules around it.

- TLS: requests lets `REQUESTS_CA_BUNDLE` override `session.verify`, so the configured CA is
  pinned in a transport adapter every https request goes through, with a default timeout
  (several SDK calls take none).
- `Sforce-Limit-Info` is read from every answer; a call stops with `CrmDailyLimitError` before
  eating into the reserve kept for other integrations.
- No redirect off https is followed: requests resends a POST body on 307/308, so the secrets
  would travel in clear text.
- Every call goes through the kit's transport; an expired session is refreshed once.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import quote_plus, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import Operation
from simple_salesforce.exceptions import SalesforceExpiredSession

from connector.adapters.errors import CrmInsecureRedirectError, CrmRequestError, CrmUnavailableError
from connector.adapters.kit import Transport, paginate
from connector.adapters.retry import RetryPolicy
from connector.adapters.salesforce.auth import Authenticator
from connector.adapters.salesforce.endpoints import (
    BULK_ABORT,
    BULK_CREATE,
    BULK_GET,
    BULK_RESULTS,
    QUERY,
    QUERY_ALL,
    QUERY_ALL_MORE,
    QUERY_MORE,
)
from connector.adapters.salesforce.failures import first_error, to_failure
from connector.adapters.salesforce.pacing import DailyAllowance
from connector.adapters.salesforce.query import flatten, in_chunks
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.adapters.usage import ApiUsage

T = TypeVar("T")
Record = dict[str, Any]


class QueryOf(Protocol):
    """Builds the SOQL for one chunk of ids (a callback protocol: callers bind loop variables
    as lambda defaults, which mypy infers against a protocol but not a Callable)."""

    def __call__(self, chunk: list[str], /) -> str: ...


class _PinnedTransport(HTTPAdapter):
    """Verifies against the configured CA file whatever the environment says, and applies a
    timeout to requests made without one."""

    def __init__(self, ca_file: str | None, timeout: float) -> None:
        super().__init__()
        self._ca_file = ca_file
        self._timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        if self._ca_file is not None:
            verify = self._ca_file
        return super().send(
            request,
            stream=stream,
            timeout=self._timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


class _HttpsOnlySession(requests.Session):
    """A requests session that refuses to follow a redirect from https to anything else."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None or urlsplit(resp.url).scheme != "https":
            return target
        absolute = urljoin(resp.url, target)
        if urlsplit(absolute).scheme != "https":
            origin = urlsplit(resp.url)
            raise CrmInsecureRedirectError(
                f"Salesforce at {origin.scheme}://{origin.netloc} answered HTTP "
                f"{resp.status_code} with a redirect to {urlsplit(absolute).scheme}:// "
                "(not https); the connector never follows it, since credentials and records "
                "would travel in clear text. Check SALESFORCE_LOGIN_URL and any proxy in between."
            )
        return target


def build_session(settings: SalesforceSettings) -> requests.Session:
    """A session whose https requests trust exactly the configured CA (or the system's) and
    never follow a redirect off https."""
    session = _HttpsOnlySession()
    ca_file = str(settings.ca_file) if settings.ca_file is not None else None
    if ca_file is not None:
        session.verify = ca_file
    session.mount("https://", _PinnedTransport(ca_file, settings.timeout_seconds))
    return session


def _invalid_session(exc: SalesforceExpiredSession) -> bool:
    code, _ = first_error(exc.content)
    return code in ("INVALID_SESSION_ID", "")


class SalesforceClient:
    """simple-salesforce plus counting, pacing, retries and session refresh."""

    def __init__(
        self,
        settings: SalesforceSettings,
        usage: ApiUsage,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.usage = usage
        self.session = session or build_session(settings)
        self.allowance = DailyAllowance(settings.daily_reserve)
        self.session.hooks["response"].append(self.allowance.observe)
        self.auth = Authenticator(settings, self.session, usage)
        self.sleep = sleep
        self.transport = Transport(
            usage, settings.retry, to_failure, sleep=sleep, before=self._ready
        )
        self._sf: Salesforce | None = None
        self.user_id: str | None = None

    # --- session ---

    def _ready(self) -> None:
        """Before each request: stop short of the daily reserve, log in if not yet."""
        self.allowance.check()
        self.sf  # noqa: B018

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            self.login()
        assert self._sf is not None
        return self._sf

    def login(self) -> None:
        token = self.auth.fetch()
        self.user_id = token.user_id
        self._sf = Salesforce(
            instance_url=token.instance_url,
            session_id=token.access_token.get_secret_value(),
            session=self.session,
            version=self.settings.api_version,
            object_pairs_hook=None,  # plain dicts: its OrderedDict hook is 2.5x the decoding
        )

    def identity(self) -> str | None:
        """The id of the user the token acts as (logging in first); None when unknown."""
        if self._sf is None:
            self.login()
        return self.user_id

    @property
    def query_url(self) -> str:
        """The URL a REST query is sent to, before its `?q=` parameter."""
        return f"{self.sf.base_url}query/"

    def query_url_length(self, soql: str) -> int:
        return len(self.query_url) + len("?q=") + len(quote_plus(soql))

    # --- the one call wrapper ---

    def call(
        self,
        endpoint: str,
        fn: Callable[[Salesforce], T],
        *,
        action: str,
        records: Callable[[T], int] | None = None,
        policy: RetryPolicy | None = None,
    ) -> T:
        """Run `fn` (exactly one HTTP request) through the transport; an expired session is
        refreshed once."""

        def refresh(exc: BaseException) -> bool:
            if not isinstance(exc, SalesforceExpiredSession) or not _invalid_session(exc):
                return False
            self.login()
            return True

        return self.transport.send(
            endpoint,
            lambda: fn(self.sf),
            action=action,
            records=records,
            policy=policy,
            recover=refresh,
        )

    # --- REST query ---

    def query_pages(
        self, soql: str, *, action: str, include_deleted: bool = False
    ) -> Iterator[list[Record]]:
        """The records of a SOQL query, one REST page (up to 2,000) at a time: the SDK's
        `query_all_iter` cannot retry one page. `include_deleted`: the QueryAll resource
        (records in the recycle bin and archived activities too)."""

        def fetch(next_url: str | None) -> dict[str, Any]:
            if next_url is None:
                return self.call(
                    QUERY_ALL if include_deleted else QUERY,
                    lambda sf: _query(sf, soql, include_deleted),
                    action=action,
                    records=_record_count,
                )
            return self.call(
                QUERY_ALL_MORE if "/queryAll/" in next_url else QUERY_MORE,
                lambda sf: sf.query_more(next_url, identifier_is_url=True),
                action=action,
                records=_record_count,
            )

        def next_url(result: dict[str, Any]) -> str | None:
            if result.get("done", True):
                return None
            return str(result.get("nextRecordsUrl") or "") or _no_cursor(action)

        for result in paginate(fetch, next_url, crm="Salesforce", what="query"):
            # Taken out, not copied: the response stays alive while the caller works on it.
            yield result.pop("records", None) or []

    def rows(self, soql: str, *, action: str, include_deleted: bool = False) -> Iterator[Record]:
        """The records of a query one by one, flattened (`query.flatten`)."""
        for records in self.query_pages(soql, action=action, include_deleted=include_deleted):
            yield from map(flatten, records)

    def rows_in(self, values: Sequence[str], build: QueryOf, *, action: str) -> Iterator[Record]:
        """`rows` of `build(chunk)` for the fewest chunks of `values` whose URL fits."""
        for query in self.queries_for(values, build):
            yield from self.rows(query, action=action)

    def queries_for(
        self, values: Sequence[str], build: Callable[[list[str]], str]
    ) -> Iterator[str]:
        """`build(chunk)` for the fewest chunks whose URL fits `max_query_url_bytes`."""
        budget = self.settings.max_query_url_bytes
        return (query for _, query in in_chunks(values, build, self.query_url_length, budget))

    def count(self, soql: str, *, action: str) -> int:
        """`SELECT COUNT() ...`: the answer holds only totalSize."""
        result = self.call(QUERY, lambda sf: _query(sf, soql), action=action)
        return int(result.get("totalSize") or 0)

    # --- Bulk API 2.0 query ---

    def _bulk(self, sf: Salesforce, object_name: str) -> Any:
        """The SDK's Bulk 2.0 client for one object: its `query()` can neither retry one result
        set nor resume at a locator, so the adapter drives the same steps itself."""
        return getattr(sf.bulk2, object_name)._client

    def bulk_start(self, object_name: str, soql: str, *, action: str) -> str:
        """Create a query job and wait until it completed; returns the job id."""
        job = self.call(
            BULK_CREATE,
            lambda sf: self._bulk(sf, object_name).create_job(Operation.query, soql),
            action=action,
        )
        job_id = str(job["id"])
        deadline = time.monotonic() + self.settings.bulk_timeout_seconds
        while True:
            info = self.call(
                BULK_GET,
                lambda sf: self._bulk(sf, object_name).get_job(job_id, True),
                action=action,
            )
            state = str(info.get("state"))
            if state == "JobComplete":
                return job_id
            if state in ("Failed", "Aborted"):
                raise CrmRequestError(
                    f"Salesforce's Bulk API 2.0 query job {job_id} ended {state} while trying "
                    f"to {action}: {info.get('errorMessage') or 'no message'}."
                )
            if time.monotonic() >= deadline:
                self.call(
                    BULK_ABORT,
                    lambda sf: self._bulk(sf, object_name).abort_job(job_id, True),
                    action=action,
                )
                raise CrmUnavailableError(
                    f"Salesforce's Bulk API 2.0 query job {job_id} did not finish within "
                    f"{self.settings.bulk_timeout_seconds:.0f} s while trying to {action}; it "
                    "was aborted."
                )
            self.sleep(self.settings.bulk_poll_seconds)

    def bulk_page(
        self, object_name: str, job_id: str, locator: str, *, action: str
    ) -> tuple[list[Record], str]:
        """One result set of a completed job and the locator of the next ('' after the last)."""
        page = self.call(
            BULK_RESULTS,
            lambda sf: self._bulk(sf, object_name).get_query_results(
                job_id, locator, self.settings.bulk_page_size
            ),
            action=action,
            records=lambda result: int(result["number_of_records"]),
        )
        reader = csv.DictReader(io.StringIO(page["records"]))
        rows = [
            {key: (value if value != "" else None) for key, value in row.items()} for row in reader
        ]
        return rows, str(page["locator"] or "")

    # --- REST resources ---

    def rest(
        self,
        endpoint: str,
        path: str,
        *,
        action: str,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
        records: int = 0,
        policy: RetryPolicy | None = None,
    ) -> Any:
        """One call of a REST resource below /services/data/vXX.X/, through `restful`."""
        return self.call(
            endpoint,
            lambda sf: sf.restful(path, method=method, json=body, headers=headers or {}),
            action=action,
            records=lambda _: records,
            policy=policy,
        )


#: Kept as they are in `q` (RFC 3986 allows them in a query; Salesforce asks only that spaces
#: become `+`); `&`, `+`, `#`, `%`, `;`, `<`, `>` and non-ASCII text stay percent-encoded.
_SOQL_LITERAL = "'(),=!*:@$"


def _query(sf: Salesforce, soql: str, include_deleted: bool = False) -> Any:
    """`sf.query(...)`'s request with `q` encoded here: a URL without `%` takes requests' fast
    paths (~3 ms saved a 16 KB id list); `query_url_length` still measures the SDK's encoding."""
    resource = "queryAll" if include_deleted else "query"
    url = f"{sf.base_url}{resource}/?q={quote_plus(soql, safe=_SOQL_LITERAL)}"
    return sf.parse_result_to_json(sf._call_salesforce("GET", url, name="query"))


def _no_cursor(action: str) -> str:
    raise CrmRequestError(
        f"Salesforce said a query has more records but gave no cursor while trying to {action}."
    )


def _record_count(result: dict[str, Any]) -> int:
    return len(result.get("records") or [])
