"""`.env.example` copied to `.env` as it stands (secrets filled in) must give valid settings with
the documented defaults: an empty line means "the default", never an empty path or date."""

import os
import re
from pathlib import Path

import pytest

from connector.adapters.hubspot.settings import HubSpotSettings
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.settings import Settings
from tests.factories import REPO

EXAMPLE = REPO / ".env.example"


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("CONNECTOR_", "HUBSPOT_", "SALESFORCE_")):
            monkeypatch.delenv(name)


def test_the_connector_settings_parse_with_their_documented_values(clean_env):
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.crm == "hubspot"
    assert settings.mappings_dir == Path("mappings")
    assert settings.state_url == "connector-state.sqlite"
    assert settings.account is None and settings.as_of is None
    assert str(settings.change_limit()) == "5%"


def test_the_crm_settings_parse_once_the_secrets_are_filled_in(clean_env, monkeypatch):
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-example")
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", "consumer-key")
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "consumer-secret")
    hubspot = HubSpotSettings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert hubspot.base_url == "https://api.hubapi.com"
    assert hubspot.burst_limit == 100
    salesforce = SalesforceSettings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert salesforce.ca_file is None and salesforce.jwt_private_key_file is None
    assert salesforce.login_url == "https://login.salesforce.com"


def test_every_connector_setting_is_documented():
    documented = set(re.findall(r"^CONNECTOR_(\w+)=", EXAMPLE.read_text(), re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} == documented
