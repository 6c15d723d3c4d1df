"""Every duration setting takes one form: seconds or ISO 8601, through one pydantic type
(`connector.durations.Seconds`); renamed settings still read under their old names, with a
warning that names the new one."""

import os
from datetime import timedelta

import pytest
from pydantic import BaseModel, ValidationError

from connector.adapters.hubspot.settings import HubSpotSettings
from connector.adapters.retry import RetryPolicy
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.durations import Seconds
from connector.settings import Settings


class Window(BaseModel):
    length: Seconds


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        ("300", 300.0),
        (" 2.5 ", 2.5),
        (300, 300.0),
        (0.25, 0.25),
        ("PT5M", 300.0),
        ("pt1h30m", 5400.0),
        ("PT0S", 0.0),
        ("P1D", 86400.0),
        ("P1DT2H", 93600.0),
        ("PT0.5S", 0.5),
        (timedelta(minutes=2), 120.0),
    ],
)
def test_seconds_and_iso_8601_read_the_same(given, seconds):
    assert Window(length=given).length == seconds


@pytest.mark.parametrize("given", ["5 minutes", "300s", "", "P", "PTM", True, None, [300]])
def test_anything_else_is_refused_with_both_forms_named(given):
    with pytest.raises(ValidationError, match=r"give seconds \(300\) or an ISO 8601 duration"):
        Window(length=given)


@pytest.mark.parametrize("given", ["P1M", "P1Y", "P1Y2M3D"])
def test_years_and_months_are_refused_they_have_no_fixed_length(given):
    with pytest.raises(ValidationError, match="years and months have no fixed length"):
        Window(length=given)


@pytest.fixture
def env(monkeypatch):
    """A clean environment with the CRM credentials set, nothing read from a .env file."""
    for name in list(os.environ):
        if name.startswith(("CONNECTOR_", "HUBSPOT_", "SALESFORCE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-example")
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", "consumer-key")
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "consumer-secret")
    return monkeypatch


def test_every_duration_setting_takes_both_forms(env):
    env.setenv("HUBSPOT_INCREMENTAL_OVERLAP_SECONDS", "PT5M")
    env.setenv("HUBSPOT_READ_TIMEOUT_SECONDS", "PT1M")
    env.setenv("HUBSPOT_RETRY__MAX_WAIT", "PT30S")
    env.setenv("SALESFORCE_OVERLAP_SECONDS", "300")
    env.setenv("SALESFORCE_BULK_TIMEOUT_SECONDS", "PT1H")
    env.setenv("CONNECTOR_STALE_LOCK_SECONDS", "PT30M")
    hubspot = HubSpotSettings(_env_file=None)  # type: ignore[call-arg]
    salesforce = SalesforceSettings(_env_file=None)  # type: ignore[call-arg]
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert hubspot.incremental_overlap_seconds == salesforce.overlap_seconds == 300.0
    assert hubspot.read_timeout_seconds == 60.0 and hubspot.retry.max_wait == 30.0
    assert salesforce.bulk_timeout_seconds == 3600.0
    assert settings.stale_lock_seconds == 1800.0


def test_a_negative_duration_is_refused_where_the_setting_forbids_it(env):
    env.setenv("SALESFORCE_OVERLAP_SECONDS", "-5")
    with pytest.raises(ValidationError, match="overlap_seconds"):
        SalesforceSettings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="max_wait"):
        RetryPolicy(max_wait="-PT1S")


@pytest.mark.parametrize(
    ("cls", "old", "value", "field", "seconds"),
    [
        (SalesforceSettings, "SALESFORCE_OVERLAP", "PT2M", "overlap_seconds", 120.0),
        (HubSpotSettings, "HUBSPOT_CONNECT_TIMEOUT", "3", "connect_timeout_seconds", 3.0),
        (HubSpotSettings, "HUBSPOT_READ_TIMEOUT", "PT1M", "read_timeout_seconds", 60.0),
        (Settings, "CONNECTOR_STALE_LOCK_MINUTES", "2", "stale_lock_seconds", 120.0),
    ],
)
def test_an_old_name_still_reads_with_a_warning_naming_the_new(
    env, cls, old, value, field, seconds
):
    env.setenv(old, value)
    new = f"{old.split('_')[0]}_{field}".upper()
    with pytest.warns(FutureWarning, match=f"{old} is deprecated.*set {new} instead"):
        settings = cls(_env_file=None)  # type: ignore[call-arg]
    assert getattr(settings, field) == seconds


def test_the_new_name_wins_over_the_old(env):
    env.setenv("SALESFORCE_OVERLAP", "PT2M")
    env.setenv("SALESFORCE_OVERLAP_SECONDS", "10")
    with pytest.warns(FutureWarning):
        settings = SalesforceSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.overlap_seconds == 10.0


def test_the_old_stale_lock_minutes_still_read_as_minutes_with_a_warning(env, tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("CONNECTOR_STALE_LOCK_MINUTES=45\n", encoding="utf-8")
    with pytest.warns(FutureWarning, match="CONNECTOR_STALE_LOCK_SECONDS"):
        settings = Settings(_env_file=dotenv)  # type: ignore[call-arg]
    assert settings.stale_lock_seconds == 45 * 60.0


def test_no_warning_without_an_old_name(env, recwarn):
    assert Settings(_env_file=None).stale_lock_seconds == 1800.0  # type: ignore[call-arg]
    assert SalesforceSettings(_env_file=None).overlap_seconds == 300.0  # type: ignore[call-arg]
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]
