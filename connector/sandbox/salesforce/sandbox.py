"""`SalesforceSandbox`: a seeded Salesforce emulator served over TLS on loopback, in one object
(for tests, `connector sandbox serve` and `connector demo`).

simple-salesforce logs in at `https://<domain>.salesforce.com` (login, test or a My Domain) and
then talks to the `instance_url` the login answered - the sandbox's own. `session()` makes both
reach the sandbox with ordinary `requests` configuration, passed through the SDK's documented
`session=`: `verify` = the sandbox CA (never off; `trust_env` off, or REQUESTS_CA_BUNDLE would
override it) and a transport adapter mounted for the login hosts only - the programmatic
equivalent of a hosts-file entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.serving import ServedSandbox
from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.app import SalesforceApp
from connector.sandbox.salesforce.catalogue import build_objects
from connector.sandbox.salesforce.oauth import SalesforceCredentials, SessionStore
from connector.sandbox.salesforce.seeding import SalesforceSeeder, SeedSummary
from connector.sandbox.salesforce.store import Store
from connector.sandbox.salesforce.values import datetime_to_ms
from connector.sandbox.seed import SeedData

DEFAULT_API_VERSION = "59.0"  # simple-salesforce's DEFAULT_API_VERSION


class _LoginHostAdapter(HTTPAdapter):
    """Sends the requests of the hosts it is mounted for to `target` (scheme://host:port)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self._target = urlsplit(target)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        assert request.url is not None
        parts = urlsplit(request.url)._replace(
            scheme=self._target.scheme, netloc=self._target.netloc, fragment=""
        )
        request.url = parts.geturl()
        return super().send(request, *args, **kwargs)


class SalesforceLogin(TypedDict):
    """Keyword arguments of `simple_salesforce.Salesforce` that reach the sandbox (typed, so
    `Salesforce(**login)` is checked against simple-salesforce's own annotations)."""

    instance_url: str
    session_id: str
    session: requests.Session
    version: str


class SalesforceSandbox(ServedSandbox[SeedSummary]):
    """A Salesforce org seeded from `config`, served with TLS on `config.host:port`; `config.token`
    is a pre-issued session, `rate_limit` the concurrent requests allowed and `daily_limit` the
    DailyApiRequests allowance (100,000 when None)."""

    use_tls = True
    app: SalesforceApp  # its token endpoint and base URL are reached below

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        credentials: SalesforceCredentials | None = None,
        seed_data: SeedData | None = None,
        session_ttl_seconds: float | None = None,
        tls_directory: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(config, seed_data, tls_directory)
        self.credentials = credentials or SalesforceCredentials()
        self._clock = clock
        self.store = Store(build_objects(self.config.provision_connector_fields), clock=clock)
        self.integration_user_id = self._create_integration_user()
        self.app = SalesforceApp(
            self.store,
            self.config,
            self.credentials,
            self.integration_user_id,
            sessions=SessionStore(ttl_seconds=session_ttl_seconds),
            faults=self.faults,
            log=self.log,
        )
        self.sessions = self.app.sessions
        self.sessions.issue(self.integration_user_id, token=self.config.token)

    def _create_integration_user(self) -> str:
        users, username = self.store.tables["User"], self.credentials.username
        user_id, now = users.new_id(), datetime_to_ms(self.store.clock())
        person = {"Username": username, "FirstName": "Sandbox", "LastName": "Integration"}
        stamps = dict.fromkeys(("CreatedDate", "LastModifiedDate", "SystemModstamp"), now)
        authors = dict.fromkeys(("CreatedById", "LastModifiedById"), user_id)
        extra = {"Alias": "sint", "Email": username, "IsActive": True, "UserType": "Standard"}
        users.insert({**person, **extra, **stamps, **authors}, user_id)
        return user_id

    def _load(self, data: SeedData) -> SeedSummary:
        lag = data.spec.now - self.store.clock()
        if self._clock is None and lag > timedelta(0):
            # The seed's history ends at `spec.now`; if this machine's clock is behind it,
            # run the org's clock ahead so new writes never look older than seeded ones
            # (SystemModstamp watermarks depend on it).
            shift = lag + timedelta(seconds=1)
            self.store.clock = lambda: datetime.now(UTC) + shift
        return SalesforceSeeder(
            self.store, data, self.integration_user_id, self.config.provision_connector_fields
        ).run()

    def _started(self, url: str) -> None:
        self.app.tokens.base_url = url

    @property
    def seed_summary(self) -> SeedSummary | None:
        return self._seed_report

    # ---- how clients reach it -------------------------------------------------------------------
    @property
    def login_url(self) -> str:
        """Where the OAuth token endpoint (`/services/oauth2/token`) lives."""
        return self.url

    @property
    def token_url(self) -> str:
        return f"{self.url}/services/oauth2/token"

    @property
    def ca_file(self) -> Path:
        if self.tls is None:
            raise RuntimeError("the sandbox is not running")
        return self.tls.ca_file

    def session(self) -> requests.Session:
        """A requests session that trusts the sandbox CA and routes simple-salesforce's login
        hosts (login/test/My Domain .salesforce.com) here; pass it as `Salesforce(session=...)`.
        """
        session = requests.Session()
        session.verify, session.trust_env = str(self.ca_file), False
        adapter = _LoginHostAdapter(self.url)
        for host in ("login", "test", self.credentials.my_domain):
            session.mount(f"https://{host}.salesforce.com/", adapter)
        return session

    def salesforce_kwargs(self, user_id: str | None = None) -> SalesforceLogin:
        """Arguments for `simple_salesforce.Salesforce(**kwargs)` using the pre-issued token of
        the integration user, or a session issued for `user_id` (a rep working in the CRM:
        what they write carries their id in LastModifiedById, not the connector's)."""
        token = self.token if user_id is None else self.sessions.issue(user_id).token
        return {
            "instance_url": self.url,
            "session_id": token,
            "session": self.session(),
            "version": DEFAULT_API_VERSION,
        }

    # ---- test controls (the login ones are `sessions.expire_all()` and `app.tokens`' refresh
    # tokens and JWT certificates) -----------------------------------------------------------------
    def lock_records(self, record_ids: Iterable[str]) -> None:
        """Hold a lock on records: writes to them fail with UNABLE_TO_LOCK_ROW until unlocked."""
        with self.store.lock:
            self.store.locked_ids.update(ids.to18(record_id) for record_id in record_ids)

    def unlock_records(self) -> None:
        with self.store.lock:
            self.store.locked_ids.clear()

    def reset_counters(self) -> None:
        """Zero the request log, pending forced faults and the daily API usage."""
        self.log.reset()
        self.faults.clear()
        self.app.daily.reset()

    def rep_user_id(self) -> str:
        """A seeded, active sales rep (a Standard user other than the integration user), to
        act as a person working in the CRM."""
        users = self.store.tables["User"]
        with self.store.lock:
            for row in self.store.iter_live("User"):
                rep = users.get(row, "UserType") == "Standard" and users.get(row, "IsActive")
                if rep and users.ids[row] != self.integration_user_id:
                    return users.ids[row]
        raise LookupError("the sandbox has no seeded sales rep")

    def ids_of(self, object_name: str) -> list[str]:
        """Every live record id of an object, in creation order (a test convenience)."""
        table = self.store.tables[object_name]
        with self.store.lock:
            return [table.ids[row] for row in self.store.iter_live(object_name)]
