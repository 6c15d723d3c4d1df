"""A wrong URL, TLS spoken to a plain-http server, an untrusted certificate or a missing CA file
is one clear line naming the setting to fix, exit 4 at once (no retry storm, no traceback)."""

from collections.abc import Iterator

import pytest

from connector.sandbox.common.tls import make_tls_material
from tests.e2e.crm_runs import CrmUnderTest, start_crm


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrmUnderTest]:
    under_test = start_crm("hubspot", tmp_path_factory.mktemp("hubspot"), contacts=5)
    yield under_test
    under_test.running.stop()


@pytest.fixture(scope="module")
def salesforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrmUnderTest]:
    under_test = start_crm("salesforce", tmp_path_factory.mktemp("salesforce"), contacts=5)
    yield under_test
    under_test.running.stop()


def _check(under_test: CrmUnderTest, env: dict[str, str], setting: str, words: str) -> None:
    served = under_test.requests_served
    for command in (("sync", "--dry-run"), ("mappings", "validate")):
        result = under_test.connector(*command, env_override=env)
        output = result.stdout + result.stderr
        assert result.returncode == 4, output
        assert setting in output and words in output
        assert "Traceback" not in output and "internal error" not in output
        assert "The plan is empty" not in output
    # at most the one failing request per command: nothing is retried against a wrong setting
    assert under_test.requests_served - served <= 2


def test_hubspot_https_at_a_plain_http_server(hubspot):
    url = hubspot.env["HUBSPOT_BASE_URL"].replace("http://", "https://")
    _check(hubspot, {**hubspot.env, "HUBSPOT_BASE_URL": url}, "HUBSPOT_BASE_URL", "TLS")


def test_hubspot_base_url_with_a_wrong_path(hubspot):
    url = hubspot.env["HUBSPOT_BASE_URL"] + "/api/v1"
    _check(hubspot, {**hubspot.env, "HUBSPOT_BASE_URL": url}, "HUBSPOT_BASE_URL", "API root")


def test_salesforce_mistyped_ca_file(salesforce, tmp_path):
    env = {**salesforce.env, "SALESFORCE_CA_FILE": str(tmp_path / "no-such-ca.pem")}
    _check(salesforce, env, "SALESFORCE_CA_FILE", "does not exist")


def test_salesforce_certificate_from_another_ca(salesforce, tmp_path):
    stranger = make_tls_material(tmp_path / "other-ca")
    env = {**salesforce.env, "SALESFORCE_CA_FILE": str(stranger.ca_file)}
    _check(salesforce, env, "SALESFORCE_CA_FILE", "TLS handshake failed")
