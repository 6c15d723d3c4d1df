"""The shared error table and retry policy, driven with real exceptions and a recorded sleep."""

import logging

import pytest

from connector.adapters.errors import (
    CrmAuthError,
    CrmDailyLimitError,
    CrmRequestError,
    CrmUnavailableError,
    Disposition,
    Failure,
    classify,
)
from connector.adapters.retry import RetryPolicy, call_with_retries
from connector.redact import ScrubFilter, redact, register_secret


class FakeApiError(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


def to_failure(exc: BaseException) -> Failure | None:
    return exc.failure if isinstance(exc, FakeApiError) else None


@pytest.mark.parametrize(
    ("failure", "disposition"),
    [
        (Failure(status=None), Disposition.RETRY),
        (Failure(status=429, code="TEN_SECONDLY_ROLLING"), Disposition.RATE_LIMITED),
        (Failure(status=429, code="DAILY"), Disposition.STOP),
        (Failure(status=403, code="REQUEST_LIMIT_EXCEEDED"), Disposition.RATE_LIMITED),
        (Failure(status=400, code="UNABLE_TO_LOCK_ROW"), Disposition.RETRY),
        (Failure(status=502), Disposition.RETRY),
        (Failure(status=401), Disposition.AUTH),
        (Failure(status=403), Disposition.AUTH),
        (Failure(status=400, code="VALIDATION_ERROR"), Disposition.FAIL),
        (Failure(status=404), Disposition.FAIL),
    ],
)
def test_classification_table(failure, disposition):
    assert classify(failure) == disposition


def flaky(failures: list[Failure], result: str = "ok"):
    calls = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise FakeApiError(failures[len(calls) - 1])
        return result

    return call, calls


def test_retries_until_success_and_honours_retry_after():
    sleeps: list[float] = []
    call, calls = flaky([Failure(status=429, retry_after=2.5), Failure(status=503)])
    assert (
        call_with_retries(call, to_failure=to_failure, action="read", sleep=sleeps.append) == "ok"
    )
    assert len(calls) == 3
    assert sleeps[0] == 2.5
    assert 0 <= sleeps[1] <= 30


def test_retry_after_is_capped():
    sleeps: list[float] = []
    call, _ = flaky([Failure(status=429, retry_after=3600)])
    call_with_retries(
        call,
        to_failure=to_failure,
        action="read",
        policy=RetryPolicy(max_wait=10),
        sleep=sleeps.append,
    )
    assert sleeps == [10]


def test_gives_up_after_max_attempts_with_a_clear_error():
    call, calls = flaky([Failure(status=500, message="boom", crm="HubSpot")] * 10)
    with pytest.raises(CrmUnavailableError, match="HubSpot kept failing while trying to read"):
        call_with_retries(
            call,
            to_failure=to_failure,
            action="read",
            policy=RetryPolicy(max_attempts=3),
            sleep=lambda s: None,
        )
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (Failure(status=401, message="bad token"), CrmAuthError),
        (Failure(status=429, code="DAILY"), CrmDailyLimitError),
        (Failure(status=400, code="INVALID_FIELD", message="No such column"), CrmRequestError),
    ],
)
def test_non_retryable_failures_raise_at_once(failure, error):
    call, calls = flaky([failure])
    with pytest.raises(error):
        call_with_retries(call, to_failure=to_failure, action="update", sleep=lambda s: None)
    assert len(calls) == 1


def test_unrelated_exceptions_propagate_untouched():
    def call():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        call_with_retries(call, to_failure=to_failure, action="read", sleep=lambda s: None)


def test_secrets_never_reach_errors_or_logs(caplog):
    register_secret("pat-na1-SECRET-TOKEN-123")
    call, _ = flaky([Failure(status=401, message="token pat-na1-SECRET-TOKEN-123 is invalid")])
    with pytest.raises(CrmAuthError) as caught:
        call_with_retries(call, to_failure=to_failure, action="read", sleep=lambda s: None)
    assert "SECRET-TOKEN" not in str(caught.value)
    assert redact("Bearer pat-na1-SECRET-TOKEN-123") == "Bearer ***"
    logger = logging.getLogger("test.secrets")
    logger.addFilter(ScrubFilter(redact))
    with caplog.at_level(logging.INFO, logger="test.secrets"):
        logger.info("calling with %s", "pat-na1-SECRET-TOKEN-123")
    assert "SECRET-TOKEN" not in caplog.text
    assert "calling with ***" in caplog.text
