"""Starting either emulator by name, and the settings that point the connector at it.

The connector reaches a sandbox exactly as it reaches a real CRM — through its base/login URL,
credentials and CA file — so a sandbox is described by the environment variables a user would
set, never by a code path that skips the SDK.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.seed import SeedData

Crm = Literal["hubspot", "salesforce"]


@dataclass
class RunningSandbox:
    crm: Crm
    sandbox: HubSpotSandbox | SalesforceSandbox
    url: str
    ca_file: Path | None
    #: environment variable → value that reaches this sandbox, CONNECTOR_CRM included, so a .env
    #: copied from the example (CONNECTOR_CRM=hubspot) cannot send a Salesforce user elsewhere
    settings: dict[str, str]

    def stop(self) -> None:
        self.sandbox.stop()


def start_sandbox(
    crm: Crm,
    config: SandboxConfig,
    tls_directory: Path | None = None,
    seed_data: SeedData | None = None,
) -> RunningSandbox:
    """Start, seed (from `config`, or with `seed_data`) and describe one emulator; the caller
    stops it."""
    if crm == "hubspot":
        hubspot = HubSpotSandbox(config, seed_data=seed_data).start()
        settings = {"HUBSPOT_BASE_URL": hubspot.url, "HUBSPOT_ACCESS_TOKEN": hubspot.token}
        return RunningSandbox(crm, hubspot, hubspot.url, None, {"CONNECTOR_CRM": crm, **settings})
    salesforce = SalesforceSandbox(config, seed_data=seed_data, tls_directory=tls_directory)
    salesforce.start()
    creds = salesforce.credentials
    settings = {
        "CONNECTOR_CRM": crm,
        "SALESFORCE_LOGIN_URL": salesforce.login_url,
        "SALESFORCE_AUTH_FLOW": "password",
        "SALESFORCE_CLIENT_ID": creds.client_id,
        "SALESFORCE_CLIENT_SECRET": creds.client_secret,
        "SALESFORCE_USERNAME": creds.username,
        "SALESFORCE_PASSWORD": creds.password,
        "SALESFORCE_SECURITY_TOKEN": creds.security_token,
        "SALESFORCE_CA_FILE": str(salesforce.ca_file),
    }
    return RunningSandbox(crm, salesforce, salesforce.url, salesforce.ca_file, settings)
