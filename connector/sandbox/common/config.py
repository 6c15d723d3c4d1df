"""The sandbox's settings, shared by both emulators, the CLI (`connector sandbox serve`) and the
pytest fixtures, validated once at this boundary."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from connector.sandbox.common.faults import FaultPlan


class SandboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    contacts: int = Field(default=200, ge=0)
    seed: int = 42
    dataset: Path | None = None
    # Dataset mode: record each lead's known outcome as the CRM would (closed-won deal and
    # customer stage for converted leads); off by default so the history carries no outcome.
    with_outcomes: bool = False
    # The moment the seeded histories lead up to (None: the seed's fixed reference time, so
    # tests are reproducible; the demo passes the current time so its data looks fresh).
    seed_now: datetime | None = None
    fault_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    fault_seed: int | None = None  # None: use `seed`
    slow_seconds: float = Field(default=2.0, ge=0.0)
    # Requests per rate window: HubSpot's rolling 10 seconds, Salesforce's concurrent requests.
    rate_limit: int | None = Field(default=None, ge=0)
    daily_limit: int | None = Field(default=None, ge=0)
    token: str = Field(default="sandbox-token", min_length=1, repr=False)
    # Whether the connector's own custom fields already exist in the emulated CRM.
    provision_connector_fields: bool = True
    keep_log_entries: int | None = Field(default=100_000, ge=0)

    @property
    def effective_fault_seed(self) -> int:
        return self.seed if self.fault_seed is None else self.fault_seed

    def fault_plan(self) -> FaultPlan:
        """The fault plan these settings ask for (all fault kinds equally likely)."""
        return FaultPlan(
            rate=self.fault_rate, seed=self.effective_fault_seed, slow_seconds=self.slow_seconds
        )
