"""Logging in (client-credentials, username-password, JWT bearer and refresh-token flows against the
configured login URL), refreshing an expired session once, TLS trust, and secrets kept out of
error messages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
import requests
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from connector.adapters.errors import CrmAuthError, CrmSettingError
from connector.adapters.salesforce import SalesforceAdapter, SalesforceSettings
from connector.adapters.salesforce import endpoints as sf
from connector.adapters.salesforce.auth import JWT_GRANT, REFRESH_GRANT, TOKEN_ENDPOINT


def test_password_flow(sandbox, adapter, counts):
    assert adapter.count_contacts(None) == 300
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 1, sf.QUERY: 2}
    counts.assert_exact(adapter, sandbox)


def test_client_credentials_flow(sandbox, make_adapter, counts):
    adapter = make_adapter(
        sandbox, auth_flow="client_credentials", username=None, password=None, security_token=None
    )
    assert adapter.count_contacts(None) == 300
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 1, sf.QUERY: 2}


def _refresh_adapter(sandbox, make_adapter, refresh_token):
    adapter = make_adapter(
        sandbox,
        auth_flow="refresh_token",
        refresh_token=refresh_token,
        username=None,
        password=None,
        security_token=None,
    )
    sent: list[dict[str, list[str]]] = []
    adapter.client.session.hooks["response"].append(
        lambda r, *a, **k: sent.append(parse_qs(r.request.body or ""))
    )
    return adapter, sent


def test_refresh_token_flow_logs_in_and_queries_through_simple_salesforce(
    sandbox, make_adapter, counts
):
    refresh = sandbox.app.tokens.issue_refresh_token()
    adapter, sent = _refresh_adapter(sandbox, make_adapter, refresh)

    assert adapter.count_contacts(None) == 300

    creds = sandbox.credentials
    assert sent[0] == {
        "grant_type": [REFRESH_GRANT],
        "refresh_token": [refresh],
        "client_id": [creds.client_id],
        "client_secret": [creds.client_secret],
    }
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 1, sf.QUERY: 2}
    counts.assert_exact(adapter, sandbox)


def test_refresh_token_flow_renews_an_expired_session(sandbox, make_adapter, counts):
    adapter, _ = _refresh_adapter(sandbox, make_adapter, sandbox.credentials.refresh_token)
    adapter.count_contacts(None)
    sandbox.sessions.expire_all()

    assert adapter.count_contacts(None) == 300
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 2, sf.QUERY: 5}


def test_a_revoked_refresh_token_fails_at_once_without_the_token(sandbox, make_adapter, counts):
    refresh = sandbox.app.tokens.issue_refresh_token()
    sandbox.app.tokens.revoke_refresh_token(refresh)
    adapter, _ = _refresh_adapter(sandbox, make_adapter, refresh)

    with pytest.raises(CrmAuthError) as caught:
        adapter.count_contacts(None)

    message = str(caught.value)
    assert "invalid_grant" in message and "expired access/refresh token" in message
    assert refresh not in message
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 1}  # an auth failure is not retried


def test_a_rotated_refresh_token_is_warned_about_without_its_value(sandbox, make_adapter, caplog):
    sandbox.app.tokens.rotate_refresh_tokens = True
    adapter, _ = _refresh_adapter(sandbox, make_adapter, sandbox.app.tokens.issue_refresh_token())

    assert adapter.count_contacts(None) == 300

    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("rotated the refresh token" in message for message in warnings)
    assert not any("5Aep861" in message for message in warnings)


def _key_pair(directory: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = directory / "connector-jwt.key"
    path.write_bytes(pem)
    return path, public


def _jwt_adapter(sandbox, make_adapter, tmp_path):
    key_file, public = _key_pair(tmp_path)
    adapter = make_adapter(
        sandbox,
        auth_flow="jwt",
        client_secret=None,
        password=None,
        security_token=None,
        jwt_private_key_file=key_file,
    )
    sent: list[dict[str, list[str]]] = []
    adapter.client.session.hooks["response"].append(
        lambda r, *a, **k: sent.append(parse_qs(r.request.body or ""))
    )
    return adapter, public, sent


def test_jwt_flow_sends_a_signed_assertion(sandbox, make_adapter, tmp_path):
    adapter, public, sent = _jwt_adapter(sandbox, make_adapter, tmp_path)

    with pytest.raises(CrmAuthError):
        adapter.count_contacts(None)  # no certificate uploaded to the connected app yet

    form = sent[0]
    assert form["grant_type"] == [JWT_GRANT]
    claims = jwt.decode(
        form["assertion"][0], public, algorithms=["RS256"], audience="https://login.salesforce.com"
    )
    assert claims["iss"] == sandbox.credentials.client_id
    assert claims["sub"] == sandbox.credentials.username
    assert 0 < claims["exp"] - __import__("time").time() <= 180


def test_jwt_flow_logs_in_once_the_certificate_is_uploaded(sandbox, make_adapter, tmp_path):
    adapter, public, sent = _jwt_adapter(sandbox, make_adapter, tmp_path)
    sandbox.app.tokens.add_jwt_certificate(public)  # what uploading it to the connected app does
    assert adapter.count_contacts(None) == 300
    assert sent[0]["grant_type"] == [JWT_GRANT]


def test_an_expired_session_is_refreshed_once(sandbox, adapter, counts):
    adapter.count_contacts(None)
    sandbox.sessions.expire_all()

    assert adapter.count_contacts(None) == 300

    # The 401 answer, a new token, the same query again, then the second COUNT().
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 2, sf.QUERY: 5}
    counts.assert_exact(adapter, sandbox)


def test_a_session_that_expires_again_is_not_refreshed_twice(make_sandbox, make_adapter, counts):
    sandbox = make_sandbox(sandbox_options={"session_ttl_seconds": 0.0})
    adapter = make_adapter(sandbox)

    with pytest.raises(CrmAuthError, match="INVALID_SESSION_ID"):
        adapter.count_contacts(None)

    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 2, sf.QUERY: 2}


def test_refused_credentials_fail_at_once_without_the_secret(sandbox, make_adapter, counts):
    adapter = make_adapter(sandbox, password="wrong-password-123")

    with pytest.raises(CrmAuthError) as caught:
        adapter.count_contacts(None)

    message = str(caught.value)
    assert "authentication failure" in message and "invalid_grant" in message
    for secret in ("wrong-password-123", sandbox.credentials.client_secret, "SANDBOXSECURITY"):
        assert secret not in message
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 1}  # an auth failure is not retried


# --- TLS ---------------------------------------------------------------------------------------


def test_the_configured_ca_wins_over_requests_ca_bundle(sandbox, adapter, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    # A plain session: requests lets the environment override `session.verify`.
    plain = requests.Session()
    plain.verify = str(sandbox.ca_file)
    with pytest.raises(requests.exceptions.SSLError):
        plain.get(f"{sandbox.url}/services/data", timeout=5)

    assert adapter.count_contacts(None) == 300


def test_without_the_sandbox_ca_nothing_is_sent(sandbox, make_adapter, tmp_path):
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    for ca_file in (None, other):
        adapter = make_adapter(sandbox, ca_file=ca_file)
        with pytest.raises(CrmSettingError, match="SALESFORCE_CA_FILE"):
            adapter.count_contacts(None)
        assert adapter.usage.calls(TOKEN_ENDPOINT) == 1  # one attempt, not retried
    assert sandbox.log.calls() == 0


# --- settings ----------------------------------------------------------------------------------


def test_settings_name_what_a_flow_is_missing():
    with pytest.raises(ValidationError, match=r"SALESFORCE_USERNAME.*SALESFORCE_PASSWORD"):
        SalesforceSettings(_env_file=None, auth_flow="password", client_id="x", client_secret="y")
    with pytest.raises(ValidationError, match="SALESFORCE_REFRESH_TOKEN"):
        SalesforceSettings(_env_file=None, auth_flow="refresh_token", client_id="x")
    with pytest.raises(ValidationError, match="SALESFORCE_JWT_PRIVATE_KEY_FILE"):
        SalesforceSettings(_env_file=None, auth_flow="jwt", client_id="x", username="u")
    with pytest.raises(ValidationError, match="https://"):
        SalesforceSettings(
            _env_file=None,
            login_url="http://login.salesforce.com",
            client_id="x",
            client_secret="y",
        )


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com/", "https://test.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
    ],
)
def test_login_hosts_and_jwt_audience(login_url, audience):
    settings = SalesforceSettings(
        _env_file=None,
        login_url=login_url,
        auth_flow="jwt",
        client_id="x",
        username="u@example.com",
        jwt_private_key_file=Path("key.pem"),
    )
    assert settings.token_url == f"{login_url.rstrip('/')}/services/oauth2/token"
    assert settings.audience == audience


def test_the_default_login_url_is_production():
    settings = SalesforceSettings(_env_file=None, client_id="x", client_secret="y")
    assert settings.login_url == "https://login.salesforce.com"
    assert isinstance(SalesforceAdapter(settings, _mapping()).usage.calls(), int)


def _mapping():
    from connector.mapping.loader import load_crm_mapping

    return load_crm_mapping(Path(__file__).resolve().parents[3] / "mappings" / "salesforce.yaml")
