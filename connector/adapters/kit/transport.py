"""One way every request to a CRM is sent: check the allowance (or pace), call, count,
classify, retry. Both adapters wrap their SDK's one-request callables in `Transport.send`, so
both count a retried call twice, retry what the error table says with the one tenacity policy,
and honour the adapter's injected sleep (fault storms in tests never wait).
"""

import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import TypeVar

from connector.adapters.errors import Failure
from connector.adapters.retry import RetryPolicy, call_with_retries
from connector.adapters.usage import ApiUsage

T = TypeVar("T")
ToFailure = Callable[[BaseException], Failure | None]


@dataclass(eq=False)
class Transport:
    """Sends requests for one adapter: `usage` counts them, `policy` retries them, `sleep`
    waits, `before` runs before every attempt (pacing, the daily reserve: it may raise)."""

    usage: ApiUsage
    policy: RetryPolicy
    to_failure: ToFailure
    _: KW_ONLY
    sleep: Callable[[float], None] = time.sleep
    before: Callable[[], None] | None = None

    def send(
        self,
        label: str,
        call: Callable[[], T],
        *,
        action: str,
        records: Callable[[T], int] | None = None,
        policy: RetryPolicy | None = None,
        to_failure: ToFailure | None = None,
        recover: Callable[[BaseException], bool] | None = None,
        before: Callable[[], None] | None = None,
    ) -> T:
        """Run `call` (exactly one HTTP request) under the retry policy, counting every attempt
        under `label` with the records `records(answer)` says it carried. `action` completes
        "while trying to ..." in the final error; `policy` overrides the retry policy;
        `recover(exc)` may repair a failure's cause once (an expired session) and returns True
        to send the request again within the same attempt."""
        pace = before or self.before
        recovered = False

        def once() -> T:
            if pace is not None:
                pace()
            try:
                answer = call()
            except BaseException:
                self.usage.record(label)
                raise
            self.usage.record(label, records(answer) if records else 0)
            return answer

        def attempt() -> T:
            nonlocal recovered
            try:
                return once()
            except Exception as exc:
                if recovered or recover is None or not recover(exc):
                    raise
                recovered = True
                return once()

        return call_with_retries(
            attempt,
            to_failure=to_failure or self.to_failure,
            action=action,
            policy=policy or self.policy,
            sleep=self.sleep,
        )
