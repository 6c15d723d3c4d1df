"""The accounts file: each account's settings, credentials named by variable, clear errors."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.mapping.problems import ConfigError
from connector.sync.accounts import AccountSet, account_status
from connector.sync.state import StateStore

GOOD = """\
accounts:
  - name: acme-hubspot
    crm: hubspot
    mappings: acme
    every: PT5M
    max_changes: 5%
    credentials:
      HUBSPOT_ACCESS_TOKEN: ACME_HUBSPOT_TOKEN
    settings:
      HUBSPOT_BASE_URL: https://api.hubapi.com
      HUBSPOT_BURST_LIMIT: 100
  - name: globex-salesforce
    crm: salesforce
    credentials:
      SALESFORCE_CLIENT_SECRET: GLOBEX_SF_SECRET
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_account_becomes_the_environment_of_its_run(tmp_path: Path) -> None:
    accounts = AccountSet.load(_write(tmp_path, GOOD))
    environ = {"ACME_HUBSPOT_TOKEN": "pat-na1-secret"}
    overlay = accounts.environment_for(accounts.get("acme-hubspot"), environ)
    assert overlay == {
        "HUBSPOT_BASE_URL": "https://api.hubapi.com",
        "HUBSPOT_BURST_LIMIT": "100",
        "HUBSPOT_ACCESS_TOKEN": "pat-na1-secret",
        "CONNECTOR_CRM": "hubspot",
        "CONNECTOR_ACCOUNT": "acme-hubspot",
        "CONNECTOR_MAPPINGS_DIR": str(tmp_path / "acme"),
        "CONNECTOR_MAX_CHANGES": "5%",
    }
    assert accounts.get("acme-hubspot").interval == timedelta(minutes=5)
    assert accounts.get("globex-salesforce").interval == timedelta(minutes=15)


def test_an_unset_credential_variable_is_named_and_no_value_is_shown(tmp_path: Path) -> None:
    accounts = AccountSet.load(_write(tmp_path, GOOD))
    with pytest.raises(ConfigError) as caught:
        accounts.environment_for(accounts.get("globex-salesforce"), {"OTHER": "x"})
    message = str(caught.value)
    assert "SALESFORCE_CLIENT_SECRET (from $GLOBEX_SF_SECRET)" in message
    assert "globex-salesforce.credentials" in message


def test_a_secret_pasted_into_the_file_is_refused_by_line_without_echoing_it(
    tmp_path: Path,
) -> None:
    text = GOOD.replace("ACME_HUBSPOT_TOKEN", "pat-na1-11112222-3333")
    with pytest.raises(ConfigError) as caught:
        AccountSet.load(_write(tmp_path, text))
    message = str(caught.value)
    assert "accounts.yaml:8:" in message  # the line of the pasted value's key
    assert "never the secret itself" in message
    assert "pat-na1" not in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("HUBSPOT_BURST_LIMIT: 100", "HUBSPOT_ACCESS_TOKEN: abc"), "move it to `credentials`"),
        (("every: PT5M", "every: PT10S"), "under a minute"),
        (("every: PT5M", "every: soon"), "is not a duration"),
        (("every: PT5M", "every: P1M"), "years and months"),
        (("max_changes: 5%", "max_changes: lots"), "max_changes"),
        (("name: globex-salesforce", "name: acme-hubspot"), "given twice: acme-hubspot"),
        (("crm: salesforce", "crm: pipedrive"), "crm"),
        (("name: acme-hubspot", "name: Acme Portal"), "lower-case"),
        (("    mappings: acme", "    mapping: acme"), "unknown key 'mapping'"),
    ],
)
def test_bad_entries_name_the_line_and_what_to_do(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        AccountSet.load(_write(tmp_path, GOOD.replace(*change, 1)))
    assert expected in str(caught.value)
    assert all(problem.line is not None for problem in caught.value.problems)


def test_an_unknown_account_lists_the_known_ones(tmp_path: Path) -> None:
    accounts = AccountSet.load(_write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="known: acme-hubspot, globex-salesforce"):
        accounts.get("initech")


def test_every_accepts_seconds_and_iso_durations(tmp_path: Path) -> None:
    for given in ("900", "PT15M", "'900'"):
        text = GOOD.replace("every: PT5M", f"every: {given}")
        accounts = AccountSet.load(_write(tmp_path, text))
        assert accounts.get("acme-hubspot").interval == timedelta(minutes=15)


def test_status_reports_last_run_oldest_watermark_lag_and_lock(tmp_path: Path) -> None:
    accounts = AccountSet.load(_write(tmp_path, GOOD))
    store = StateStore.open(str(tmp_path / "state.sqlite"))
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    acme = accounts.get("acme-hubspot")
    assert account_status(acme, store, {}, now).behind  # never synced

    run = store.begin_run("acme-hubspot", "sync")
    store.set_watermark("acme-hubspot", "contacts", now - timedelta(minutes=4), run)
    store.set_watermark("acme-hubspot", "meetings", now - timedelta(minutes=7), run)
    store.finish_run(run, "ok", {}, {})
    store.acquire_lock("acme-hubspot", "sync", stale_after=timedelta(minutes=30))
    status = account_status(acme, store, {"ACME_HUBSPOT_TOKEN": "x"}, now)

    assert status.last_run is not None and status.last_run.outcome == "ok"
    assert status.watermark == now - timedelta(minutes=7)
    assert status.lag_seconds == 7 * 60
    assert status.behind is False  # 7 minutes is within two 5-minute intervals
    assert status.lock is not None and status.lock.holder == "sync"
    assert status.missing_credentials == []
    other = account_status(accounts.get("globex-salesforce"), store, {}, now)
    assert other.lock is None and other.last_run is None
    assert other.missing_credentials == ["GLOBEX_SF_SECRET"]
