"""Overrides for an adapter's settings (how the demo points the connector at its sandbox) are
passed to the settings class, never written into the process environment, which every thread
shares."""

import os

import pytest

from connector.sync.connect import ConnectionConfigError, adapter_settings


@pytest.fixture(autouse=True)
def no_env_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the checkout leaks in
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)


def test_overrides_win_and_the_environment_supplies_the_rest_untouched(monkeypatch):
    monkeypatch.setenv("HUBSPOT_READ_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("HUBSPOT_BASE_URL", "https://api.hubapi.com")
    before = dict(os.environ)

    settings = adapter_settings(
        "hubspot",
        {
            "HUBSPOT_ACCESS_TOKEN": "pat-override",
            "HUBSPOT_BASE_URL": "http://127.0.0.1:8765",
            "HUBSPOT_RETRY__MAX_ATTEMPTS": "3",
        },
    )

    assert settings.access_token.get_secret_value() == "pat-override"
    assert settings.base_url == "http://127.0.0.1:8765"
    assert settings.retry.max_attempts == 3
    assert settings.read_timeout_seconds == 7
    assert dict(os.environ) == before


def test_a_missing_setting_is_named_with_its_variable():
    before = dict(os.environ)
    with pytest.raises(ConnectionConfigError, match="HUBSPOT_ACCESS_TOKEN: Field required"):
        adapter_settings("hubspot", {"HUBSPOT_BASE_URL": "http://127.0.0.1:8765"})
    assert dict(os.environ) == before
