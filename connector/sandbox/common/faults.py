"""Fault injection: reproducible 429s, 5xxs, dropped connections, slow answers, partial batches.

Faults are decided by a seeded random generator so a failing run can be replayed exactly: the same
plan and the same sequence of `decide` calls always yield the same faults. `force` exists so a
contract test can provoke one behaviour deterministically without relying on probabilities.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat


class Fault(StrEnum):
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR_500 = "server_error_500"
    BAD_GATEWAY_502 = "bad_gateway_502"
    UNAVAILABLE_503 = "unavailable_503"
    DROP = "drop"
    SLOW = "slow"
    PARTIAL_BATCH = "partial_batch"


#: Faults answered with an error response instead of the handler's answer, and their status.
ERROR_FAULTS: dict[Fault, int] = {
    Fault.RATE_LIMITED: 429,
    Fault.SERVER_ERROR_500: 500,
    Fault.BAD_GATEWAY_502: 502,
    Fault.UNAVAILABLE_503: 503,
}


class FaultPlan(BaseModel):
    """How often and which faults to inject. `rate` is the probability per eligible request."""

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(default=0.0, ge=0.0, le=1.0)
    weights: dict[Fault, NonNegativeFloat] = Field(
        default_factory=lambda: dict.fromkeys(Fault, 1.0)
    )
    seed: int = 0
    slow_seconds: float = Field(default=2.0, ge=0.0)


@dataclass
class _Forced:
    fault: Fault
    remaining: int
    endpoint: str | None


class FaultInjector:
    """Decides, request by request, whether and how to fail. Thread-safe."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self.plan = plan or FaultPlan()
        self._rng = random.Random(self.plan.seed)
        self._forced: list[_Forced] = []

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the plan and restart its random sequence from the plan's seed."""
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)

    def force(self, fault: Fault, count: int = 1, endpoint: str | None = None) -> None:
        """Make the next `count` eligible requests (to `endpoint`, or any) fail with `fault`.

        Forced faults take precedence over the random plan and are consumed in the order given.
        A forced PARTIAL_BATCH only applies to batch requests (see `decide`).
        """
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._forced.append(_Forced(Fault(fault), count, endpoint))

    def clear(self) -> None:
        """Drop pending forced faults (the plan stays; the request log counts injected ones)."""
        with self._lock:
            self._forced.clear()

    def pending_forced(self) -> int:
        with self._lock:
            return sum(item.remaining for item in self._forced)

    def decide(self, endpoint: str, *, batch: bool = True) -> Fault | None:
        """The fault for one request to `endpoint`, or None to serve it normally.

        `batch=False` tells the injector the endpoint cannot fail part of its inputs, so
        PARTIAL_BATCH is never chosen for it (its weight is left out of the draw).
        """
        with self._lock:
            fault = self._take_forced(endpoint, batch)
            return fault if fault is not None else self._draw(batch)

    def _take_forced(self, endpoint: str, batch: bool) -> Fault | None:
        for index, item in enumerate(self._forced):
            if item.endpoint is not None and item.endpoint != endpoint:
                continue
            if item.fault is Fault.PARTIAL_BATCH and not batch:
                continue
            item.remaining -= 1
            if item.remaining == 0:
                del self._forced[index]
            return item.fault
        return None

    def _draw(self, batch: bool) -> Fault | None:
        plan = self.plan
        if plan.rate <= 0.0 or self._rng.random() >= plan.rate:
            return None
        kinds = [
            (fault, weight)
            for fault, weight in plan.weights.items()
            if weight > 0 and (batch or fault is not Fault.PARTIAL_BATCH)
        ]
        if not kinds:
            return None
        faults, weights = zip(*kinds, strict=True)
        return self._rng.choices(faults, weights=weights, k=1)[0]
