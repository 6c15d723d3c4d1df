"""Both CRMs' sandboxes behind one small interface, for the field-ownership tests: the sync
engine with the real adapters (and SDKs) over real HTTP; a person's edits made as a person
makes them, through the CRM's public API (on Salesforce in a rep's session).

The fixture `crm` (tests/integration/ownership/conftest.py) runs a test on each CRM.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from simple_salesforce import Salesforce

from connector.adapters.base import CrmAdapter
from connector.adapters.hubspot import HubSpotAdapter, HubSpotSettings
from connector.adapters.retry import RetryPolicy
from connector.adapters.salesforce import SalesforceAdapter, SalesforceSettings
from connector.domain.contact import Contact
from connector.domain.policy import RulesPolicy
from connector.mapping.crm_schema import HubSpotMapping, SalesforceMapping
from connector.mapping.loader import load_mapping_dir
from connector.sandbox.common.http import Request
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.report import RunSummary
from connector.sync.state import StateStore

MAPPINGS = load_mapping_dir(Path(__file__).resolve().parents[1] / "mappings")
RULES = MAPPINGS.rules
RETRY = RetryPolicy(max_attempts=3, initial_wait=0.005, max_wait=0.02, jitter=0.0)
#: The CRM's own value of each domain stage, per CRM (from the shipped CRM files).
STAGE_VALUES = {
    crm: {
        stage: values[0]
        for stage, values in MAPPINGS.crms[crm].contact.values.lifecycle_stage.items()
    }
    for crm in ("hubspot", "salesforce")
}


class Crm:
    """One seeded sandbox and one state store; each run gets a fresh adapter (as each CLI run
    does). Subclasses say how a person edits a record and which request is the pre-write
    re-read."""

    name: str

    def __init__(self, store: StateStore) -> None:
        self.store = store
        #: The moment the rules decide at: the seed's reference time unless a test needs
        #: engagement it creates now to count.
        self.clock: Callable[[], datetime] = lambda: DEFAULT_NOW

    def adapter(self) -> CrmAdapter:
        raise NotImplementedError

    def engine(self, policy: RulesPolicy = RULES) -> SyncEngine:
        return SyncEngine(self.adapter(), policy, self.store, account=self.name, clock=self.clock)

    def backfill(self) -> RunSummary:
        summary = self.engine().backfill(RunOptions())
        assert summary.exit_code in (0, 1), summary.message
        return summary

    def sync(self, policy: RulesPolicy = RULES, **options: Any) -> RunSummary:
        return self.engine(policy).sync(RunOptions(**options))

    def people(self, ids: list[str]) -> dict[str, Contact]:
        """The people as the connector's ordinary read path sees them now."""
        return {c.id: c for c in self.adapter().read_contacts(ids).contacts}

    def set_stage(self, record_id: str, stage: str) -> None:
        raise NotImplementedError

    def set_owner(self, record_id: str, owner_id: str) -> None:
        raise NotImplementedError

    def rep_owner_ids(self) -> list[str]:
        return [o.id for o in self.adapter().list_owners() if o.active]

    def set_company_number(self, record_id: str, field: str, value: float) -> None:
        """A number on the person's company: `employees` or `annual_revenue`."""
        raise NotImplementedError

    def clear_owner(self, record_id: str) -> None:
        """A person takes the owner away (the record reads as unassigned)."""
        raise NotImplementedError

    def set_company_name(self, record_id: str, name: str) -> None:
        raise NotImplementedError

    def reject_then_request_demo(self, record_id: str) -> None:
        """Sales rejects the lead (lead status), then the person asks for a demo."""
        raise NotImplementedError

    def task_subject(self, task_id: str) -> str:
        raise NotImplementedError

    def is_reread(self, request: Request) -> bool:
        raise NotImplementedError

    def is_update(self, request: Request) -> bool:
        raise NotImplementedError

    @property
    def app(self) -> Any:
        raise NotImplementedError


class HubSpot(Crm):
    name = "hubspot"

    def __init__(self, sandbox: HubSpotSandbox, store: StateStore) -> None:
        super().__init__(store)
        self.sandbox = sandbox
        mapping = MAPPINGS.crms["hubspot"]
        assert isinstance(mapping, HubSpotMapping)
        self.mapping = mapping

    @property
    def app(self) -> Any:
        return self.sandbox.app

    def adapter(self) -> HubSpotAdapter:
        settings = HubSpotSettings(
            _env_file=None,  # type: ignore[call-arg]
            access_token=self.sandbox.token,
            base_url=self.sandbox.url,
            retry=RETRY,
            search_index_lag_seconds=0.01,
            burst_limit=100_000,
            search_limit_per_second=1000,
        )
        return HubSpotAdapter(settings, self.mapping)

    def _patch(self, record_id: str, properties: dict[str, str]) -> None:
        answer = requests.patch(
            f"{self.sandbox.url}/crm/v3/objects/contacts/{record_id}",
            json={"properties": properties},
            headers={"Authorization": f"Bearer {self.sandbox.token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text

    def set_stage(self, record_id: str, stage: str) -> None:
        # A person moving a stage back: HubSpot's lifecyclestage only moves forward unless it
        # is cleared first (DESIGN.md, "CRM facts that bite").
        self._patch(record_id, {"lifecyclestage": ""})
        self._patch(record_id, {"lifecyclestage": STAGE_VALUES["hubspot"][stage]})

    def set_owner(self, record_id: str, owner_id: str) -> None:
        self._patch(record_id, {"hubspot_owner_id": owner_id})

    def clear_owner(self, record_id: str) -> None:
        self._patch(record_id, {"hubspot_owner_id": ""})

    def set_company_number(self, record_id: str, field: str, value: float) -> None:
        name = {"employees": "numberofemployees", "annual_revenue": "annualrevenue"}[field]
        url = f"{self.sandbox.url}/crm/v4/objects/contacts/{record_id}/associations/companies"
        links = requests.get(url, headers=self._headers(), timeout=10).json()["results"]
        assert links, f"contact {record_id} has no company"
        for link in links:
            answer = requests.patch(
                f"{self.sandbox.url}/crm/v3/objects/companies/{link['toObjectId']}",
                json={"properties": {name: str(int(value))}},
                headers=self._headers(),
                timeout=10,
            )
            assert answer.status_code == 200, answer.text[:300]

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sandbox.token}"}

    def set_company_name(self, record_id: str, name: str) -> None:
        """The name of the person's primary company (the associated company record)."""
        url = f"{self.sandbox.url}/crm/v4/objects/contacts/{record_id}/associations/companies"
        links = requests.get(url, headers=self._headers(), timeout=10).json()["results"]
        assert links, f"contact {record_id} has no company"
        for link in links:
            answer = requests.patch(
                f"{self.sandbox.url}/crm/v3/objects/companies/{link['toObjectId']}",
                json={"properties": {"name": name}},
                headers=self._headers(),
                timeout=30,
            )
            assert answer.status_code == 200, answer.text[:300]

    def reject_then_request_demo(self, record_id: str) -> None:
        self._patch(record_id, {"hs_lead_status": "UNQUALIFIED"})
        asked = datetime.now(UTC) - timedelta(minutes=5)
        self._patch(
            record_id,
            {
                "recent_conversion_event_name": "Demo request",
                "recent_conversion_date": str(int(asked.timestamp() * 1000)),
            },
        )

    def task_subject(self, task_id: str) -> str:
        answer = requests.get(
            f"{self.sandbox.url}/crm/v3/objects/tasks/{task_id}",
            params={"properties": "hs_task_subject"},
            headers=self._headers(),
            timeout=10,
        )
        return str(answer.json()["properties"]["hs_task_subject"])

    def is_reread(self, request: Request) -> bool:
        return request.method == "POST" and request.path.endswith("/objects/contacts/batch/read")

    def is_update(self, request: Request) -> bool:
        return request.method == "POST" and request.path.endswith("/objects/contacts/batch/update")


class SalesforceOrg(Crm):
    name = "salesforce"

    def __init__(self, sandbox: SalesforceSandbox, store: StateStore) -> None:
        super().__init__(store)
        self.sandbox = sandbox
        mapping = MAPPINGS.crms["salesforce"]
        assert isinstance(mapping, SalesforceMapping)
        self.mapping = mapping
        self.rep = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))

    @property
    def app(self) -> Any:
        return self.sandbox.app

    def adapter(self) -> SalesforceAdapter:
        creds = self.sandbox.credentials
        settings = SalesforceSettings(
            _env_file=None,  # type: ignore[call-arg]
            login_url=self.sandbox.login_url,
            auth_flow="password",
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            username=creds.username,
            password=creds.password,
            security_token=creds.security_token,
            ca_file=self.sandbox.ca_file,
            retry=RETRY,
            bulk_poll_seconds=0.01,
        )
        return SalesforceAdapter(settings, self.mapping)

    def _object(self, record_id: str) -> Any:
        return self.rep.Lead if record_id.startswith("00Q") else self.rep.Contact

    def set_stage(self, record_id: str, stage: str) -> None:
        self._object(record_id).update(
            record_id, {"Lifecycle_Stage__c": STAGE_VALUES["salesforce"][stage]}
        )

    def set_owner(self, record_id: str, owner_id: str) -> None:
        self._object(record_id).update(record_id, {"OwnerId": owner_id})

    def set_company_number(self, record_id: str, field: str, value: float) -> None:
        name = {"employees": "NumberOfEmployees", "annual_revenue": "AnnualRevenue"}[field]
        if record_id.startswith("00Q"):
            self.rep.Lead.update(record_id, {name: value})
            return
        [row] = self.rep.query(f"SELECT AccountId FROM Contact WHERE Id = '{record_id}'")["records"]
        self.rep.Account.update(row["AccountId"], {name: value})

    def clear_owner(self, record_id: str) -> None:
        # A Salesforce record always has an owner; the integration user's reads as nobody yet.
        self.set_owner(record_id, self.sandbox.integration_user_id)

    def set_company_name(self, record_id: str, name: str) -> None:
        """A Lead's own Company (a Contact's is its Account's Name)."""
        if record_id.startswith("00Q"):
            self.rep.Lead.update(record_id, {"Company": name})
            return
        [row] = self.rep.query(f"SELECT AccountId FROM Contact WHERE Id = '{record_id}'")["records"]
        self.rep.Account.update(row["AccountId"], {"Name": name})

    def reject_then_request_demo(self, record_id: str) -> None:
        self._object(record_id).update(record_id, {"Status": "Closed - Not Converted"})
        self.rep.Task.create(
            {"WhoId": record_id, "Subject": "Demo request", "Status": "Not Started"}
        )

    def task_subject(self, task_id: str) -> str:
        [row] = self.rep.query(f"SELECT Subject FROM Task WHERE Id = '{task_id}'")["records"]
        return str(row["Subject"])

    def rep_owner_ids(self) -> list[str]:
        # The connector's own integration user reads as "nobody yet" (SALESFORCE_*_UNASSIGNED).
        return [o for o in super().rep_owner_ids() if o != self.sandbox.integration_user_id]

    def is_reread(self, request: Request) -> bool:
        soql = " ".join(request.query.get("q", []))
        # The pre-write re-read: own fields only (the by-id read of due people adds the
        # Account's fields, and `IsConverted = false` on Leads).
        return bool(re.search(r"FROM (Lead|Contact) WHERE Id IN", soql)) and "Account." not in soql

    def is_update(self, request: Request) -> bool:
        return request.method == "PATCH" and request.path.endswith("/composite/sobjects")


def once(
    predicate: Callable[[Request], bool], action: Callable[[], None]
) -> Callable[[Request], None]:
    """A sandbox hook that runs `action` on the first request matching `predicate`."""
    done: list[bool] = []

    def hook(request: Request) -> None:
        if not done and predicate(request):
            done.append(True)
            action()

    return hook
