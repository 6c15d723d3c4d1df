"""Pacing and retries: the daily allowance from Sforce-Limit-Info with a reserve kept for other
integrations, REQUEST_LIMIT_EXCEEDED (concurrency vs daily), 5xx and dropped connections."""

from __future__ import annotations

import pytest

from connector.adapters.errors import CrmDailyLimitError, CrmUnavailableError
from connector.adapters.salesforce import endpoints as sf
from connector.sandbox.common.faults import Fault


def test_the_reserve_is_never_spent(make_sandbox, make_adapter):
    sandbox = make_sandbox(daily_limit=50)
    adapter = make_adapter(sandbox, daily_reserve=0.2)

    with pytest.raises(CrmDailyLimitError, match=r"40 of 50.*keeps 20%"):
        while True:
            adapter.count_contacts(None)  # two calls each

    assert sandbox.app.daily.used == 40  # 10 of 50 left for other integrations
    assert adapter.usage.calls(sf.QUERY) == 40


def test_an_exhausted_allowance_stops_without_retrying(make_sandbox, make_adapter):
    sandbox = make_sandbox(daily_limit=2)
    make_adapter(sandbox, daily_reserve=0.0).count_contacts(None)  # spends the allowance
    fresh = make_adapter(sandbox, daily_reserve=0.0)  # has not seen Sforce-Limit-Info yet

    with pytest.raises(CrmDailyLimitError, match="TotalRequests Limit exceeded"):
        fresh.count_contacts(None)

    assert fresh.usage.calls(sf.QUERY) == 1


def test_concurrency_limits_are_retried(sandbox, adapter, counts):
    sandbox.faults.force(Fault.RATE_LIMITED, count=2, endpoint="query")

    assert adapter.count_contacts(None) == 300

    assert counts.calls(adapter)[sf.QUERY] == 4  # two 403 REQUEST_LIMIT_EXCEEDED, two answers
    counts.assert_exact(adapter, sandbox)


@pytest.mark.parametrize(
    "fault",
    [Fault.SERVER_ERROR_500, Fault.BAD_GATEWAY_502, Fault.UNAVAILABLE_503, Fault.DROP],
)
def test_transient_failures_are_retried(sandbox, adapter, counts, fault):
    sandbox.faults.force(fault, count=1, endpoint="query")

    assert adapter.count_contacts(None) == 300

    assert counts.calls(adapter)[sf.QUERY] == 3
    counts.assert_exact(adapter, sandbox)


def test_giving_up_after_the_policy_says_so(sandbox, adapter):
    sandbox.faults.force(Fault.UNAVAILABLE_503, count=10, endpoint="query")

    with pytest.raises(CrmUnavailableError, match=r"SERVER_UNAVAILABLE.*gave up"):
        adapter.count_contacts(None)

    assert adapter.usage.calls(sf.QUERY) == 4  # FAST_RETRY.max_attempts


def test_a_slow_answer_times_out_and_is_retried(make_sandbox, make_adapter):
    sandbox = make_sandbox(slow_seconds=1.0)
    adapter = make_adapter(sandbox, timeout_seconds=0.4)
    sandbox.faults.force(Fault.SLOW, count=1, endpoint="query")

    assert adapter.count_contacts(None) == 300
    assert adapter.usage.calls(sf.QUERY) == 3
