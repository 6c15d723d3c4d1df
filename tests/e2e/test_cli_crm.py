"""`connector sandbox serve`, then `mappings validate` and `mappings provision` against it, as a
user runs them: separate processes talking over loopback, configured only through the
environment variables `serve` prints."""

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import MAPPINGS

REPO = MAPPINGS.parent


def connector(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


# When the served process was started and when its banner had been read: the clock readings
# its "seeded up to now" must fall between (a window, not a bound on how long a start takes).
SERVED_BETWEEN = pytest.StashKey[tuple[datetime, datetime]]()


@pytest.fixture
def served(request):
    """Start `connector sandbox serve` and return the environment it says to export."""
    crm, *extra = request.param
    started = datetime.now(UTC)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector",
            "sandbox",
            "serve",
            "--crm",
            crm,
            "--contacts",
            "30",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "SALESFORCE_"))
    }
    lines = []
    for line in process.stdout:
        lines.append(line)
        if match := re.match(r"\s+export (\w+)=(.*)", line):
            env[match[1]] = match[2]
        if len([x for x in lines if "export" in x]) == (3 if crm == "hubspot" else 9):
            break
    assert env["CONNECTOR_CRM"] == crm  # the banner says which CRM, so a copied .env cannot
    request.node.stash[SERVED_BETWEEN] = (started, datetime.now(UTC))
    yield env, "".join(lines)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    if "SALESFORCE_CA_FILE" in env:  # the served run's own CA and key are removed with it
        assert not Path(env["SALESFORCE_CA_FILE"]).parent.exists()


@pytest.mark.parametrize("served", [("hubspot",), ("salesforce",)], indirect=True)
def test_serve_prints_how_to_reach_it_and_the_shipped_mapping_validates_online(served):
    env, banner = served
    assert "sandbox listening on http" in banner
    result = connector("mappings", "validate", env=env)
    assert result.returncode == 0, result.stderr
    assert "no problems found" in result.stdout


@pytest.mark.parametrize("served", [("salesforce",)], indirect=True)
def test_salesforce_serve_prints_its_ca_file(served):
    env, banner = served
    assert Path(env["SALESFORCE_CA_FILE"]).is_file()
    assert f"CA file: {env['SALESFORCE_CA_FILE']}" in banner


@pytest.mark.parametrize("served", [("hubspot",)], indirect=True)
def test_online_validation_reports_a_property_the_portal_lacks(served, tmp_path):
    env, _ = served
    broken = tmp_path / "hubspot.yaml"
    broken.write_text(
        (MAPPINGS / "hubspot.yaml")
        .read_text()
        .replace("job_title: jobtitle", "job_title: job_titel")
    )
    result = connector("mappings", "validate", str(broken), env=env)
    assert result.returncode == 2
    assert "job_titel" in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize("served", [("hubspot",)], indirect=True)
def test_provision_on_a_provisioned_portal_creates_nothing(served):
    env, _ = served
    result = connector("mappings", "provision", env=env)
    assert result.returncode == 0, result.stderr
    assert "every connector property exists" in result.stdout


def test_missing_credentials_are_a_configuration_error_naming_the_variable():
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUBSPOT_")}
    result = connector("mappings", "validate", "--crm", "hubspot", env=env)
    assert result.returncode == 2
    assert "HUBSPOT_ACCESS_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_token_is_an_auth_error_without_the_token(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUBSPOT_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector",
            "sandbox",
            "serve",
            "--crm",
            "hubspot",
            "--contacts",
            "5",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        for line in process.stdout:
            if match := re.match(r"\s+export HUBSPOT_BASE_URL=(.*)", line):
                env["HUBSPOT_BASE_URL"] = match[1]
                break
        env["HUBSPOT_ACCESS_TOKEN"] = "pat-wrong-token-0042"
        result = connector("mappings", "validate", "--crm", "hubspot", env=env)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert result.returncode == 4
    assert "HUBSPOT_ACCESS_TOKEN" in result.stderr
    assert "pat-wrong-token-0042" not in result.stderr + result.stdout


def _newest_contact_change(env: dict[str, str]) -> datetime:
    """The latest `lastmodifieddate` of the served portal's contacts, through the SDK."""
    from hubspot import HubSpot

    client = HubSpot(access_token=env["HUBSPOT_ACCESS_TOKEN"], host=env["HUBSPOT_BASE_URL"])
    page = client.crm.contacts.basic_api.get_page(limit=100, properties=["lastmodifieddate"])
    return max(contact.updated_at for contact in page.results)


@pytest.mark.parametrize("served", [("hubspot",)], indirect=True)
def test_serve_seeds_its_history_up_to_the_current_time_by_default(served, request):
    env, banner = served
    seeded = datetime.fromisoformat(re.search(r"History seeded up to (\S+)", banner)[1])
    started, ready = request.node.stash[SERVED_BETWEEN]
    assert started.replace(microsecond=0) <= seeded <= ready  # the banner shows whole seconds
    newest = _newest_contact_change(env)
    assert seeded - timedelta(days=30) < newest <= seeded + timedelta(seconds=1)


@pytest.mark.parametrize("served", [("hubspot", "--now", "2025-03-01T12:00:00Z")], indirect=True)
def test_serve_now_pins_the_seeded_history_for_a_reproducible_sandbox(served):
    env, banner = served
    assert "History seeded up to 2025-03-01T12:00:00+00:00" in banner
    newest = _newest_contact_change(env)
    pinned = datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert pinned - timedelta(days=30) < newest <= pinned


def test_serve_refuses_a_now_that_is_not_a_time():
    result = connector("sandbox", "serve", "--now", "yesterday", env=dict(os.environ))
    assert result.returncode == 2
    assert "--now 'yesterday' is not an ISO 8601 time" in result.stderr


@pytest.mark.parametrize(
    "served", [("salesforce", "--now", "2025-03-01T12:00:00+01:00")], indirect=True
)
def test_serve_now_applies_to_salesforce_too_in_utc(served):
    _, banner = served
    assert "History seeded up to 2025-03-01T11:00:00+00:00" in banner
