"""The HubSpot SDK client, and the one way every request is sent: paced, retried, counted.

The SDK is built once per adapter (each `client.crm...` attribute access of hubspot-api-client
builds a fresh `ApiClient` with its own connection pool, which would defeat keep-alive), pointed
at `settings.base_url` through `Configuration.host` — the sandbox is configuration, never a code
path that skips the SDK. urllib3's own retries are switched off (`retry=False`) so that the
shared tenacity policy is the only one deciding what is retried and how long to wait.
"""

import time
from collections.abc import Callable
from typing import Any, Protocol

from hubspot import HubSpot

from connector.adapters.hubspot import raw
from connector.adapters.hubspot.failures import Endpoint, to_failure
from connector.adapters.hubspot.pacing import RatePacer
from connector.adapters.hubspot.settings import HubSpotSettings
from connector.adapters.kit import Transport
from connector.adapters.retry import RetryPolicy
from connector.adapters.usage import ApiUsage
from connector.redact import register_secret


class SdkCall(Protocol):
    """An SDK `*_with_http_info` call, given the request timeout: (data, status, headers), or
    with `_preload_content=False` the raw urllib3 response. A callback protocol: callers bind
    loop variables as lambda defaults, which mypy infers against a protocol, not a Callable."""

    def __call__(self, timeout: tuple[float, float], /) -> Any: ...


class HubSpotClient:
    def __init__(
        self,
        settings: HubSpotSettings,
        usage: ApiUsage,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        token = settings.access_token.get_secret_value()
        register_secret(token)
        self.settings = settings
        self.usage = usage
        self.sleep = sleep
        self.clock = clock
        sdk = HubSpot(access_token=token, host=settings.base_url, retry=False)
        self.objects = sdk.crm.objects.basic_api
        self.batch = sdk.crm.objects.batch_api
        self.search = sdk.crm.objects.search_api
        self.associations = sdk.crm.associations.v4.batch_api
        self.owners = sdk.crm.owners.owners_api
        self.properties = sdk.crm.properties.core_api
        self.groups = sdk.crm.properties.groups_api
        self.pacer = RatePacer(
            burst_limit=settings.burst_limit,
            window_seconds=settings.burst_window_seconds,
            search_per_second=settings.search_limit_per_second,
            slow_down_below=settings.slow_down_below,
            daily_reserve=settings.daily_reserve,
            clock=clock,
            sleep=sleep,
        )
        self._timeout = (settings.connect_timeout_seconds, settings.read_timeout_seconds)
        self.transport = Transport(usage, settings.retry, lambda _: None, sleep=sleep)

    def send(
        self,
        endpoint: Endpoint,
        call: SdkCall,
        *,
        action: str,
        records: Callable[[Any], int] = lambda _: 0,
        policy: RetryPolicy | None = None,
    ) -> Any:
        """Send one SDK request paced, retried and counted (a retried call costs HubSpot twice);
        `records` says how many records an answer carried or a write sent; `policy` overrides
        the retry policy (`max_attempts=1` for a create that must first look what landed)."""

        def attempt(timeout: tuple[float, float]) -> tuple[Any, Any]:
            data, _status, headers = call(timeout)
            return data, headers

        return self._send(endpoint, attempt, action, records, policy)

    def send_json(
        self,
        endpoint: Endpoint,
        call: SdkCall,
        *,
        action: str,
        records: Callable[[Any], int] = raw.result_count,
        policy: RetryPolicy | None = None,
    ) -> Any:
        """`send` for a call made with `_preload_content=False`: the answer's JSON as plain
        dicts, without the SDK's model layer (see `raw`); the request is still the SDK's."""

        def attempt(timeout: tuple[float, float]) -> tuple[Any, Any]:
            response = call(timeout)
            return raw.body(response), response.headers

        return self._send(endpoint, attempt, action, records, policy)

    def _send(
        self,
        endpoint: Endpoint,
        call: Callable[[tuple[float, float]], tuple[Any, Any]],
        action: str,
        records: Callable[[Any], int],
        policy: RetryPolicy | None,
    ) -> Any:
        def attempt() -> Any:
            try:
                data, headers = call(self._timeout)
            except Exception as exc:
                self.pacer.after(getattr(exc, "headers", None))
                raise
            self.pacer.after(headers)
            return data

        return self.transport.send(
            endpoint.label,
            attempt,
            action=action,
            records=records,
            policy=policy,
            to_failure=lambda exc: to_failure(exc, endpoint),
            before=lambda: self.pacer.before(search=endpoint.search),
        )
