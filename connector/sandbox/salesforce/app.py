"""The Salesforce emulator's routes and its answers to the shared pipeline's hooks.

Routing, fault decisions and the request log come from `EmulatorApp`; this class decides what is
Salesforce about them: bearer sessions (401 INVALID_SESSION_ID), the API version in the path, the
org's allowances, and Salesforce's error array for every failure, injected faults included (a
rate limit is REQUEST_LIMIT_EXCEEDED 403, a 500 UNKNOWN_EXCEPTION, a 503 SERVER_UNAVAILABLE).

Allowances (REST API "Limit Info Header"): every call but the token endpoint counts against
DailyApiRequests and answers `Sforce-Limit-Info: api-usage=N/M`; an
exhausted allowance answers 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded.", too many
concurrent requests "ConcurrentPerOrgLongTxn Limit exceeded.". Salesforce counts only requests
running over 20 seconds towards concurrency; the sandbox counts every request in flight, so a
small limit is easy to provoke in tests. `/limits`, the Versions resource (`/services/data`) and
a version's resource list are not emulated: the connector reads its usage from the header and
knows its API version and resources' paths.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import partial

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import Fault, FaultInjector
from connector.sandbox.common.http import EmulatorApp, Request, Response
from connector.sandbox.common.limits import ConcurrencyLimiter, DailyCounter
from connector.sandbox.common.request_log import RequestLog
from connector.sandbox.salesforce.bulk2 import Bulk2QueryJobs
from connector.sandbox.salesforce.errors import ApiError, concurrent_limit_exceeded, not_found
from connector.sandbox.salesforce.oauth import SalesforceCredentials, SessionStore, TokenEndpoint
from connector.sandbox.salesforce.query import QueryResource
from connector.sandbox.salesforce.records import RecordResources
from connector.sandbox.salesforce.store import Store

#: The API versions the sandbox serves (Summer '14 to Winter '25); simple-salesforce defaults to
#: 59.0.
MIN_VERSION = 31
MAX_VERSION = 62
_VERSION = re.compile(r"^v(\d+)\.0$")


class SalesforceApp(EmulatorApp):
    #: Not REST API calls: no session, no fault, no allowance, no Sforce-Limit-Info.
    exempt_endpoints = frozenset({"oauth.token"})
    batch_endpoints = frozenset({"collections.create", "collections.update"})

    def __init__(
        self,
        store: Store,
        config: SandboxConfig,
        credentials: SalesforceCredentials,
        integration_user_id: str,
        *,
        sessions: SessionStore,
        faults: FaultInjector,
        log: RequestLog,
    ) -> None:
        super().__init__(faults=faults, log=log)
        self.store = store
        self.integration_user_id = integration_user_id
        # The org's allowances: DailyApiRequests (100,000 unless set) and concurrent requests.
        self.daily = DailyCounter(100_000 if config.daily_limit is None else config.daily_limit)
        self.concurrency = ConcurrencyLimiter(config.rate_limit)
        self.sessions = sessions
        self.tokens = TokenEndpoint(credentials, sessions, integration_user_id)
        self.queries = QueryResource(store)
        self.records = RecordResources(store, self.user_of, config.effective_fault_seed)
        self.bulk2 = Bulk2QueryJobs(store, self.user_of)
        self._register()

    # -- routes -------------------------------------------------------------------------------
    def _register(self) -> None:
        data = "/services/data/{version}"
        sobject = f"{data}/sobjects/{{sobject}}"
        record = f"{sobject}/{{record_id}}"
        job = f"{data}/jobs/query/{{job_id}}"
        routes: list[tuple[str, str, Callable[[Request], Response], str]] = [
            ("POST", "/services/oauth2/token", self.tokens.token, "oauth.token"),
            ("GET", f"{data}/sobjects", self.records.global_describe, "describe.global"),
            ("POST", sobject, self.records.create, "sobject.create"),
            ("GET", f"{sobject}/describe", self.records.describe, "sobject.describe"),
            ("GET", record, self.records.get, "sobject.get"),
            ("GET", f"{sobject}/deleted", self.records.deleted, "sobject.deleted"),
            ("PATCH", record, self.records.update, "sobject.update"),
            ("DELETE", record, self.records.delete, "sobject.delete"),
            ("GET", f"{data}/query", self.queries.run, "query"),
            ("GET", f"{data}/query/{{locator}}", self.queries.more, "query.more"),
            ("GET", f"{data}/queryAll", self.queries.run, "queryAll"),
            ("GET", f"{data}/queryAll/{{locator}}", self.queries.more, "queryAll.more"),
            ("POST", f"{data}/composite/sobjects", self.records.create_many, "collections.create"),
            ("PATCH", f"{data}/composite/sobjects", self.records.update_many, "collections.update"),
            ("POST", f"{data}/jobs/query", self.bulk2.create, "bulk2.query.create"),
            ("GET", job, self.bulk2.get, "bulk2.query.get"),
            ("PATCH", job, self.bulk2.abort, "bulk2.query.abort"),
            ("GET", f"{job}/results", self.bulk2.results, "bulk2.query.results"),
        ]
        for method, pattern, handler, name in routes:
            self.router.add(method, pattern, partial(self._serve, handler), name=name)

    def _serve(self, handler: Callable[[Request], Response], request: Request) -> Response:
        """Run a route's handler holding a concurrent-request slot (the token endpoint takes
        none); a refusal it raises is answered by dispatch, as every ErrorAnswer is."""
        counted = request.endpoint not in self.exempt_endpoints
        if counted and not self.concurrency.try_acquire():
            return concurrent_limit_exceeded().response()
        try:
            return handler(request)
        finally:
            if counted:
                self.concurrency.release()

    # -- the acting user ------------------------------------------------------------------------
    def _session_user(self, request: Request) -> str | None:
        """The user of the request's bearer session; None without a valid one."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        bearer = scheme.lower() in ("bearer", "oauth") and token.strip()
        session = self.sessions.validate(token.strip()) if bearer else None
        return None if session is None else session.user_id

    def user_of(self, request: Request) -> str:
        return self._session_user(request) or self.integration_user_id

    # -- hooks ------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | None:
        if self._session_user(request) is None:
            return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid").response()
        return None

    def before_handler(self, request: Request) -> Response | None:
        """Refusals are raised: dispatch answers them as it answers a handler's."""
        version = request.path_params.get("version")
        if version is not None:
            found = _VERSION.match(version)
            if found is None or not MIN_VERSION <= int(found.group(1)) <= MAX_VERSION:
                raise not_found()
        if request.endpoint not in self.exempt_endpoints and not self.daily.try_acquire():
            raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        return None

    def after_handler(self, request: Request, response: Response) -> None:
        if request.endpoint not in self.exempt_endpoints:
            usage = f"api-usage={self.daily.used}/{self.daily.limit}"
            response.headers.setdefault("Sforce-Limit-Info", usage)

    def render_fault(self, fault: Fault, request: Request) -> Response:
        if fault is Fault.RATE_LIMITED:
            return concurrent_limit_exceeded().response()
        if fault is Fault.UNAVAILABLE_503:
            message = (
                "The server is unavailable to handle the request. Typically this issue occurs "
                "if the server is down for maintenance or is currently overloaded."
            )
            return ApiError(503, "SERVER_UNAVAILABLE", message).response()
        error_id = random.randint(10**8, 10**9 - 1)
        message = (
            "An unexpected error occurred. Please include this ErrorId if you contact support: "
            f"{error_id}-{error_id % 99991} (-{error_id % 1000003})"
        )
        return ApiError(500, "UNKNOWN_EXCEPTION", message).response()

    def not_found(self, request: Request) -> Response:
        return not_found().response()

    def method_not_allowed(self, request: Request) -> Response:
        allowed = ",".join(sorted(self.router.allowed_methods(request.path)))
        message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
        response = ApiError(405, "METHOD_NOT_ALLOWED", message).response()
        response.headers["Allow"] = allowed
        return response
