"""One tenacity policy for every CRM call: retry 429s, 5xx, lock contention and connection
errors with capped, jittered exponential backoff, honouring Retry-After when the CRM sends one.

Daily-limit, auth and validation failures are not retried: they raise at once with the
message from the error table.
"""

import logging
import random
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from pydantic import BaseModel, Field
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from connector.adapters.errors import Disposition, Failure, classify, error_for
from connector.durations import Seconds
from connector.logs import event

T = TypeVar("T")


class RetryPolicy(BaseModel):
    max_attempts: int = Field(default=6, ge=1)
    initial_wait: Seconds = Field(default=0.5, ge=0)
    max_wait: Seconds = Field(default=30.0, ge=0)
    jitter: Seconds = Field(default=0.5, ge=0)


class _Retryable(Exception):
    """Carries a classified failure through tenacity."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure
        super().__init__(failure.message)


def backoff(policy: RetryPolicy, attempt: int, retry_after: float | None = None) -> float:
    """The wait after failed attempt number `attempt` (1 for the first): Retry-After when the
    CRM sent one, else `initial_wait * 2**(attempt - 1)` plus jitter, both capped at max_wait.
    The one formula for whole requests (tenacity, below) and for per-record retries (kit)."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), policy.max_wait)
    exponential = min(policy.initial_wait * 2 ** (attempt - 1), policy.max_wait)
    return exponential + random.uniform(0, policy.jitter)


def _failure(state: RetryCallState) -> Failure | None:
    """The classified failure of the attempt that just failed."""
    exc = state.outcome.exception() if state.outcome else None
    return exc.failure if isinstance(exc, _Retryable) else None


def _wait(policy: RetryPolicy, state: RetryCallState) -> float:
    failure = _failure(state)
    return backoff(policy, state.attempt_number, failure.retry_after if failure else None)


def _log_retry(action: str, state: RetryCallState) -> None:
    """tenacity's before_sleep: one line per retry, on the logger of the CRM that failed
    (connector.adapters.hubspot, ...), with the reason (status and CRM error code, never the
    CRM's message, which may quote a record) and the wait about to be slept."""
    failure = _failure(state)
    crm = failure.crm.lower() if failure and failure.crm else ""
    event(
        logging.getLogger(f"connector.adapters.{crm}" if crm else "connector.adapters"),
        logging.WARNING,
        "retry",
        action=action,
        attempt=state.attempt_number,
        status=failure.status if failure else None,
        code=(failure.code or None) if failure else None,
        reason=classify(failure).value if failure else None,
        retry_after=failure.retry_after if failure else None,
        wait_seconds=round(state.next_action.sleep, 3) if state.next_action else None,
    )


def call_with_retries(
    call: Callable[[], T],
    *,
    to_failure: Callable[[BaseException], Failure | None],
    action: str,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`, retrying what the error table says is worth retrying.

    `to_failure` translates the SDK's exception into a Failure (None: not a CRM failure, let it
    propagate). `action` completes "while trying to ..." in the final error message.
    """
    policy = policy or RetryPolicy()

    def attempt() -> T:
        try:
            return call()
        except Exception as exc:
            failure = to_failure(exc)
            if failure is None:
                raise
            if classify(failure) in (Disposition.RETRY, Disposition.RATE_LIMITED):
                raise _Retryable(failure) from exc
            raise error_for(failure, action) from None

    retrying = Retrying(
        retry=retry_if_exception(lambda exc: isinstance(exc, _Retryable)),
        stop=stop_after_attempt(policy.max_attempts),
        wait=partial(_wait, policy),
        sleep=sleep,
        before_sleep=partial(_log_retry, action),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _Retryable as exhausted:
        raise error_for(exhausted.failure, action) from None
