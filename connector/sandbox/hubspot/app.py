"""The HubSpot emulator: `HubSpotApp`, an `EmulatorApp` with bearer-token auth, rate limits and
fault bodies, and `HubSpotSandbox`, the app seeded and served in one object (for tests, the CLI
and `connector demo`).

Per request (the base class owns the order): route, 401 for a missing or wrong token, injected
fault, rate limits (429), handler. Every answer after authentication carries the configured
rate-limit headers and an `X-HubSpot-Correlation-Id`, as HubSpot's do.

The two limits are per private app: a rolling ten-second window (policy TEN_SECONDLY_ROLLING) and
a day (DAILY); 429 once either is spent, and `X-HubSpot-RateLimit-Max`, `-Remaining`,
`-Interval-Milliseconds`, `-Daily`, `-Daily-Remaining` on answers (HubSpot's usage guidelines). A
limit left unconfigured is neither enforced nor reported: the emulator does not pretend to know a
portal's tier.
"""

from __future__ import annotations

import hmac

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import Fault, FaultInjector
from connector.sandbox.common.http import EmulatorApp, Request, Response
from connector.sandbox.common.limits import DailyCounter, RollingWindowLimiter
from connector.sandbox.common.request_log import RequestLog
from connector.sandbox.common.serving import ServedSandbox
from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.associations import AssociationsApi
from connector.sandbox.hubspot.catalogue import standard_catalog
from connector.sandbox.hubspot.objects import ObjectsApi
from connector.sandbox.hubspot.properties import PropertiesApi
from connector.sandbox.hubspot.seeding import Seeder
from connector.sandbox.hubspot.state import CrmState
from connector.sandbox.hubspot.store import Store
from connector.sandbox.seed import SeedData

WINDOW_SECONDS = 10.0
TEN_SECONDLY_ROLLING = "TEN_SECONDLY_ROLLING"
DAILY = "DAILY"


class RateLimits:
    def __init__(self, burst: int | None, daily: int | None) -> None:
        self.burst = RollingWindowLimiter(burst, WINDOW_SECONDS)
        self.daily = DailyCounter(daily)

    def acquire(self) -> errors.HubSpotError | None:
        """Count one request; the 429 to answer instead when a limit is spent."""
        if self.daily.remaining == 0:  # None: no daily limit
            return errors.rate_limited(DAILY, self.headers())
        if not self.burst.try_acquire():
            return errors.rate_limited(TEN_SECONDLY_ROLLING, self.headers())
        if not self.daily.try_acquire():  # pragma: no cover - raced by another thread
            return errors.rate_limited(DAILY, self.headers())
        return None

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.burst.limit is not None:
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(int(WINDOW_SECONDS * 1000))
            headers["X-HubSpot-RateLimit-Max"] = str(self.burst.limit)
            headers["X-HubSpot-RateLimit-Remaining"] = str(self.burst.remaining())
        if self.daily.limit is not None:
            headers["X-HubSpot-RateLimit-Daily"] = str(self.daily.limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(self.daily.remaining)
        return headers

    def forced_headers(self) -> dict[str, str]:
        """Headers for an injected 429: the window reported as spent."""
        burst = self.burst.limit if self.burst.limit is not None else 100
        return {
            **self.headers(),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW_SECONDS * 1000)),
            "X-HubSpot-RateLimit-Max": str(burst),
            "X-HubSpot-RateLimit-Remaining": "0",
        }

    def reset(self) -> None:
        self.burst.reset()
        self.daily.reset()


class HubSpotApp(EmulatorApp):
    def __init__(
        self, config: SandboxConfig, crm: CrmState, *, faults: FaultInjector, log: RequestLog
    ) -> None:
        super().__init__(faults=faults, log=log)
        self.config = config
        self.crm = crm
        self.limits = RateLimits(config.rate_limit, config.daily_limit)
        self.handler_lock = crm.store.lock
        batch = ObjectsApi(crm).register(self.router)
        AssociationsApi(crm).register(self.router)
        PropertiesApi(crm).register(self.router)
        self.batch_endpoints = frozenset(batch)

    def authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.config.token.encode()
        ):
            return None
        return errors.unauthorized().response()

    def before_handler(self, request: Request) -> Response | None:
        refusal = self.limits.acquire()
        return refusal.response() if refusal is not None else None

    def after_handler(self, request: Request, response: Response) -> None:
        for name, value in self.limits.headers().items():
            response.headers.setdefault(name, value)
        correlation = (
            response.body.get("correlationId") if isinstance(response.body, dict) else None
        )
        response.headers.setdefault(
            "X-HubSpot-Correlation-Id", str(correlation or errors.correlation_id())
        )

    def render_fault(self, fault: Fault, request: Request) -> Response:
        if fault is Fault.RATE_LIMITED:
            forced = self.limits.forced_headers()
            return errors.rate_limited(TEN_SECONDLY_ROLLING, forced).response()
        if fault is Fault.UNAVAILABLE_503:
            return Response(503, errors.error_body("Service Unavailable", "SERVICE_UNAVAILABLE"))
        return Response(500, errors.error_body("internal error", "INTERNAL_ERROR"))

    def not_found(self, request: Request) -> Response:
        return errors.not_found().response()

    def method_not_allowed(self, request: Request) -> Response:
        allowed = ", ".join(sorted(self.router.allowed_methods(request.path)))
        body = errors.error_body(
            f"Method {request.method} is not supported here", "VALIDATION_ERROR"
        )
        return Response(405, body, headers={"Allow": allowed})


class HubSpotSandbox(ServedSandbox[None]):
    """A HubSpot emulator seeded from `config` and served on `config.host:config.port`; the
    package docstring says how the unmodified SDK reaches it."""

    app: HubSpotApp

    def __init__(
        self, config: SandboxConfig | None = None, *, seed_data: SeedData | None = None
    ) -> None:
        super().__init__(config, seed_data)
        self.crm = CrmState(Store(standard_catalog(self.config.provision_connector_fields)))
        self.store, self.graph, self.owners = self.crm.store, self.crm.graph, self.crm.owners
        self.app = HubSpotApp(self.config, self.crm, faults=self.faults, log=self.log)

    def _load(self, data: SeedData) -> None:
        with self.store.lock:
            return Seeder(self.crm).load(data)

    def reset_counters(self) -> None:
        """Zero the request log, pending forced faults and the rate-limit windows."""
        self.log.reset()
        self.faults.clear()
        self.app.limits.reset()
