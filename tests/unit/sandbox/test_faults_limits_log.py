"""Fault injector, limiters, request log and config: pure objects, no network."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import Fault, FaultInjector, FaultPlan
from connector.sandbox.common.limits import ConcurrencyLimiter, DailyCounter, RollingWindowLimiter
from connector.sandbox.common.request_log import LoggedRequest, RequestLog


def _sequence(injector: FaultInjector, n: int = 2000) -> list[Fault | None]:
    return [injector.decide(f"endpoint-{i % 3}") for i in range(n)]


def test_same_seed_same_faults_and_other_seed_differs() -> None:
    plan = FaultPlan(rate=0.3, seed=7)
    first = _sequence(FaultInjector(plan))
    assert first == _sequence(FaultInjector(plan))
    assert first != _sequence(FaultInjector(FaultPlan(rate=0.3, seed=8)))
    share = sum(fault is not None for fault in first) / len(first)
    assert 0.25 < share < 0.35
    assert set(first) == {None, *Fault}


def test_set_plan_restarts_the_sequence() -> None:
    injector = FaultInjector(FaultPlan(rate=0.5, seed=1))
    first = _sequence(injector, 100)
    injector.set_plan(FaultPlan(rate=0.5, seed=1))
    assert _sequence(injector, 100) == first


def test_rate_zero_and_weights() -> None:
    assert set(_sequence(FaultInjector())) == {None}
    only_429 = FaultInjector(FaultPlan(rate=1.0, weights={Fault.RATE_LIMITED: 1.0}))
    assert set(_sequence(only_429, 50)) == {Fault.RATE_LIMITED}


def test_non_batch_endpoints_never_get_partial_batch() -> None:
    injector = FaultInjector(FaultPlan(rate=1.0, weights={Fault.PARTIAL_BATCH: 1.0}))
    assert injector.decide("get", batch=False) is None
    assert injector.decide("batch", batch=True) is Fault.PARTIAL_BATCH


def test_force_takes_precedence_in_order_and_by_endpoint() -> None:
    injector = FaultInjector()
    injector.force(Fault.UNAVAILABLE_503, count=2, endpoint="a")
    injector.force(Fault.DROP)
    assert injector.pending_forced() == 3
    assert injector.decide("b") is Fault.DROP
    assert injector.decide("b") is None
    assert [injector.decide("a") for _ in range(3)] == [Fault.UNAVAILABLE_503] * 2 + [None]
    with pytest.raises(ValueError):
        injector.force(Fault.DROP, count=0)


def test_injector_is_thread_safe() -> None:
    injector = FaultInjector(FaultPlan(rate=1.0, seed=3, weights={Fault.SLOW: 1.0}))
    injector.force(Fault.DROP, count=1000)
    decided: list[Fault | None] = []

    def work() -> None:
        for _ in range(1000):
            decided.append(injector.decide("x"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(decided) == {Fault.DROP: 1000, Fault.SLOW: 3000}
    assert injector.pending_forced() == 0


def test_plan_validation() -> None:
    with pytest.raises(ValidationError):
        FaultPlan(rate=1.5)
    with pytest.raises(ValidationError):
        FaultPlan(weights={Fault.DROP: -1})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rolling_window_limiter_with_fake_clock() -> None:
    clock = FakeClock()
    limiter = RollingWindowLimiter(3, 10.0, clock=clock)
    assert [limiter.try_acquire() for _ in range(4)] == [True, True, True, False]
    assert limiter.remaining() == 0
    clock.now += 4
    assert not limiter.try_acquire()
    clock.now += 6
    assert limiter.remaining() == 3
    assert limiter.try_acquire()
    unlimited = RollingWindowLimiter(None, 10.0, clock=clock)
    assert all(unlimited.try_acquire() for _ in range(100))
    assert unlimited.remaining() is None


def test_daily_counter_rolls_over_at_midnight() -> None:
    today = [date(2026, 11, 2)]
    counter = DailyCounter(2, today=lambda: today[0])
    assert [counter.try_acquire() for _ in range(3)] == [True, True, False]
    assert counter.used == 2 and counter.remaining == 0
    today[0] = date(2026, 11, 3)
    assert counter.remaining == 2 and counter.try_acquire()
    assert DailyCounter(None).remaining is None


def test_concurrency_limiter() -> None:
    limiter = ConcurrencyLimiter(1)
    assert limiter.try_acquire() and not limiter.try_acquire()
    limiter.release()
    assert limiter.try_acquire()
    limiter.release()
    with pytest.raises(RuntimeError):
        limiter.release()


def _record(log: RequestLog, endpoint: str, read: int = 0) -> None:
    log.record(
        LoggedRequest(
            method="GET",
            path="/x",
            endpoint=endpoint,
            status=200,
            records_read=read,
            started_at=datetime.now(UTC),
        )
    )


def test_request_log_bounded_entries_exact_counters() -> None:
    log = RequestLog(keep_entries=3)
    for index in range(10):
        _record(log, "a" if index % 2 else "b", read=index)
    assert len(log.entries) == 3
    assert log.calls() == 10 and log.calls("a") == 5
    assert log.records_read() == 45 and log.records_read("a") == 25
    silent = RequestLog(keep_entries=0)
    _record(silent, "a")
    assert silent.entries == [] and silent.calls("a") == 1


def test_sandbox_config_validation_and_fault_plan() -> None:
    config = SandboxConfig(fault_rate=0.2, seed=5)
    assert config.fault_plan().rate == 0.2 and config.fault_plan().seed == 5
    assert "sandbox-token" not in repr(config)
    with pytest.raises(ValidationError):
        SandboxConfig(fault_rate=2)
    with pytest.raises(ValidationError):
        SandboxConfig(contacts=-1)
