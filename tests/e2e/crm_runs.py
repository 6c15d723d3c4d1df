"""Running the `connector` command as a user does — a separate process configured only through
environment variables — against a sandbox started in the test process, and reading back what
the CRM then holds (through its public API) to compare runs.

Decisions are pinned with CONNECTOR_AS_OF to the seed's reference time, so two runs on two
identically seeded sandboxes must leave identical CRMs.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from simple_salesforce import Salesforce

from connector.domain.contact import Contact
from connector.mapping.loader import load_crm_mapping
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import FaultPlan
from connector.sandbox.launch import Crm, RunningSandbox, start_sandbox
from connector.sandbox.seed import DEFAULT_NOW, SeedData
from connector.sync.connect import build_adapter
from tests.factories import MAPPINGS, REPO

FAST_RETRIES = {
    "HUBSPOT_RETRY__INITIAL_WAIT": "0.01",
    "HUBSPOT_RETRY__MAX_WAIT": "0.05",
    "HUBSPOT_RETRY__JITTER": "0.01",
    "HUBSPOT_RETRY__MAX_ATTEMPTS": "12",
    "HUBSPOT_BURST_LIMIT": "100000",
    "HUBSPOT_SEARCH_LIMIT_PER_SECOND": "1000",
    "HUBSPOT_SEARCH_INDEX_LAG_SECONDS": "0.01",
    "HUBSPOT_READ_TIMEOUT_SECONDS": "1",
    "SALESFORCE_RETRY__INITIAL_WAIT": "0.01",
    "SALESFORCE_RETRY__MAX_WAIT": "0.05",
    "SALESFORCE_RETRY__JITTER": "0.01",
    "SALESFORCE_RETRY__MAX_ATTEMPTS": "12",
    "SALESFORCE_TIMEOUT_SECONDS": "1",
}


@dataclass
class CrmUnderTest:
    """One running sandbox and the environment that points `connector` at it."""

    crm: Crm
    running: RunningSandbox
    env: dict[str, str]
    state_file: Path

    def connector(
        self, *args: str, timeout: float = 180, env_override: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `connector` with this sandbox's environment (or `env_override` in its place)."""
        return subprocess.run(
            [sys.executable, "-m", "connector", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env_override if env_override is not None else self.env,
            timeout=timeout,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "connector", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
            env=self.env,
        )

    @property
    def state_url(self) -> str:
        """The state store this sandbox's runs use (CONNECTOR_STATE_URL)."""
        return self.env["CONNECTOR_STATE_URL"]

    @property
    def requests_served(self) -> int:
        return self.running.sandbox.log.calls()

    def kill_after(self, process: subprocess.Popen[str], more_requests: int) -> bool:
        """SIGKILL `process` once the sandbox has served `more_requests` more requests; False
        when it finished first."""
        target = self.requests_served + more_requests
        while process.poll() is None:
            if self.requests_served >= target:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.0005)
        return False

    def records_written(self) -> int:
        """Records the sandbox changed on anyone's request (updates, creates)."""
        return self.running.sandbox.log.records_written()

    def snapshot_contacts(self) -> list[Contact]:
        """Every person as the connector reads them now."""
        mapping = load_crm_mapping(MAPPINGS / f"{self.crm}.yaml")
        return list(build_adapter(self.crm, mapping, environment=self.env).iter_contacts(None))

    def snapshot(self) -> "CrmSnapshot":
        return CrmSnapshot.read(self)


@dataclass
class CrmSnapshot:
    """What the connector wrote, as the CRM holds it: per person its score, grade, reasons,
    stage and owner; and how many tasks carry each idempotency key."""

    people: dict[str, tuple[Any, ...]]
    task_keys: Counter[str]

    @classmethod
    def read(cls, under_test: "CrmUnderTest") -> "CrmSnapshot":
        # The test reads what the CRM holds, not whether it can weather faults: a faulty
        # sandbox answers this read without its injected faults (then resumes its plan).
        faults = under_test.running.sandbox.faults
        plan = faults.plan
        faults.set_plan(FaultPlan(rate=0.0))
        try:
            return cls._read(under_test)
        finally:
            faults.set_plan(plan)

    @classmethod
    def _read(cls, under_test: "CrmUnderTest") -> "CrmSnapshot":
        people = {
            contact.id: (
                contact.score,
                contact.grade,
                contact.score_reasons,
                contact.lifecycle_stage,
                contact.owner_id,
                contact.recycled_at,
            )
            for contact in under_test.snapshot_contacts()
        }
        if under_test.crm == "hubspot":
            keys = _hubspot_task_keys(under_test.running)
        else:
            keys = _salesforce_task_keys(under_test.running)
        return cls(people, keys)


def _hubspot_task_keys(running: RunningSandbox) -> Counter[str]:
    base, token = running.url.rstrip("/"), running.settings["HUBSPOT_ACCESS_TOKEN"]
    keys: Counter[str] = Counter()
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, "properties": "connector_task_key"}
        if after:
            params["after"] = after
        answer = requests.get(
            f"{base}/crm/v3/objects/tasks",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        answer.raise_for_status()
        body = answer.json()
        keys.update(
            r["properties"]["connector_task_key"]
            for r in body["results"]
            if r["properties"].get("connector_task_key")
        )
        after = body.get("paging", {}).get("next", {}).get("after")
        if not after:
            return keys


def _salesforce_task_keys(running: RunningSandbox) -> Counter[str]:
    client = Salesforce(**running.sandbox.salesforce_kwargs())  # type: ignore[union-attr]
    rows = client.query_all(
        "SELECT Connector_Task_Key__c FROM Task WHERE Connector_Task_Key__c != null"
    )
    return Counter(row["Connector_Task_Key__c"] for row in rows["records"])


def start_crm(
    crm: Crm,
    tmp_path: Path,
    *,
    contacts: int = 200,
    mappings: Path = MAPPINGS,
    state_url: str | None = None,
    seed_data: SeedData | None = None,
    **config: Any,
) -> CrmUnderTest:
    """A sandbox of `crm` (seeded with `seed_data` when given) and the environment to run
    `connector` on it; the state in a SQLite file in `tmp_path`, or at `state_url` (e.g. a
    PostgreSQL database, tests/postgres.py)."""
    config = SandboxConfig(contacts=contacts, **config)
    running = start_sandbox(crm, config, tmp_path / "tls", seed_data)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "SALESFORCE_", "CONNECTOR_"))
    }
    state_file = tmp_path / "state.sqlite"
    env.update(running.settings)
    env.update(FAST_RETRIES)
    env.update(
        {
            "CONNECTOR_CRM": crm,
            "CONNECTOR_MAPPINGS_DIR": str(mappings),
            "CONNECTOR_STATE_URL": state_url or str(state_file),
            "CONNECTOR_AS_OF": DEFAULT_NOW.isoformat(),
        }
    )
    return CrmUnderTest(crm, running, env, state_file)


#: words in a setting's name that make it a credential, named by variable in accounts.yaml
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD")


def write_accounts_file(
    folder: Path, accounts: dict[str, tuple[str, dict[str, str]]], every: int | str = "PT15M"
) -> tuple[Path, dict[str, str]]:
    """accounts.yaml for sandboxes (name → CRM and the settings that reach it): credentials
    named by variable, the rest as settings; and the variables that hold the secrets."""
    lines, secrets = ["accounts:"], {}
    for name, (crm, settings) in accounts.items():
        lines += [f"  - name: {name}", f"    crm: {crm}", f"    mappings: {MAPPINGS}"]
        lines += [f"    every: {every}", "    credentials:"]
        for setting, value in settings.items():
            if any(word in setting for word in SECRET_WORDS):
                variable = f"{name.upper().replace('-', '_')}_{setting}"
                secrets[variable] = value
                lines.append(f"      {setting}: {variable}")
        lines.append("    settings:")
        lines += [
            f"      {setting}: '{value}'"
            for setting, value in settings.items()
            if setting != "CONNECTOR_CRM" and not any(word in setting for word in SECRET_WORDS)
        ]
    path = folder / "accounts.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, secrets
