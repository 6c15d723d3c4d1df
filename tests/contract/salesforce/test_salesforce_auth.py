"""TLS trust and logging in, through the unmodified simple-salesforce."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from connector.sandbox.salesforce import SalesforceSandbox


def test_tls_is_refused_without_the_sandbox_ca(sandbox: SalesforceSandbox) -> None:
    plain = requests.Session()  # trusts only the system bundle
    sf = Salesforce(instance_url=sandbox.url, session_id=sandbox.token, session=plain)
    with pytest.raises(requests.exceptions.SSLError):
        sf.query("SELECT Id FROM User")


def test_tls_is_trusted_with_the_sandbox_ca(sandbox: SalesforceSandbox) -> None:
    sf = Salesforce(instance_url=sandbox.url, session_id=sandbox.token, session=sandbox.session())
    assert sandbox.url.startswith("https://127.0.0.1:")
    assert sf.query("SELECT Id FROM User")["totalSize"] >= 1


def test_oauth_password_flow(sandbox: SalesforceSandbox) -> None:
    creds = sandbox.credentials
    sf = Salesforce(
        username=creds.username,
        password=creds.password + creds.security_token,
        consumer_key=creds.client_id,
        consumer_secret=creds.client_secret,
        session=sandbox.session(),
    )
    assert f"https://{sf.sf_instance}" == sandbox.url
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["totalSize"] == 1


def test_oauth_client_credentials_flow(sandbox: SalesforceSandbox) -> None:
    creds = sandbox.credentials
    sf = Salesforce(
        consumer_key=creds.client_id,
        consumer_secret=creds.client_secret,
        domain=sandbox.credentials.my_domain,
        session=sandbox.session(),
    )
    assert sf.auth_type == "client-credentials"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0


def test_bad_password_is_invalid_grant(sandbox: SalesforceSandbox) -> None:
    creds = sandbox.credentials
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(
            username=creds.username,
            password="wrong" + creds.security_token,
            consumer_key=creds.client_id,
            consumer_secret=creds.client_secret,
            session=sandbox.session(),
        )
    assert failure.value.code == "invalid_grant"
    assert failure.value.auth_message == "authentication failure"


def test_bad_client_credentials(sandbox: SalesforceSandbox) -> None:
    creds = sandbox.credentials
    with pytest.raises(SalesforceAuthenticationFailed) as wrong_secret:
        Salesforce(
            consumer_key=creds.client_id,
            consumer_secret="nope",
            domain=sandbox.credentials.my_domain,
            session=sandbox.session(),
        )
    assert wrong_secret.value.code == "invalid_client"
    with pytest.raises(SalesforceAuthenticationFailed) as unknown_client:
        Salesforce(
            consumer_key="unknown",
            consumer_secret=creds.client_secret,
            domain=sandbox.credentials.my_domain,
            session=sandbox.session(),
        )
    assert unknown_client.value.code == "invalid_client_id"


def test_token_response_shape_and_signature(sandbox: SalesforceSandbox) -> None:
    creds = sandbox.credentials
    answer = sandbox.session().post(
        sandbox.token_url,
        data={
            "grant_type": "password",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "username": creds.username,
            "password": creds.password + creds.security_token,
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["instance_url"] == sandbox.url
    assert body["token_type"] == "Bearer"
    assert body["id"].endswith(f"/{sandbox.integration_user_id}")
    expected = base64.b64encode(
        hmac.new(
            creds.client_secret.encode(),
            (body["id"] + body["issued_at"]).encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert body["signature"] == expected


def test_unsupported_grant_type(sandbox: SalesforceSandbox) -> None:
    answer = sandbox.session().post(sandbox.token_url, data={"grant_type": "magic"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "unsupported_grant_type",
        "error_description": "grant type not supported",
    }


def test_invalid_token_is_401_invalid_session_id(sandbox: SalesforceSandbox) -> None:
    sf = Salesforce(instance_url=sandbox.url, session_id="bogus", session=sandbox.session())
    with pytest.raises(SalesforceExpiredSession) as failure:
        sf.query("SELECT Id FROM Lead")
    assert failure.value.status == 401
    assert failure.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_expired_session_makes_the_client_log_in_again(sandbox: SalesforceSandbox) -> None:
    creds = sandbox.credentials
    sf = Salesforce(
        username=creds.username,
        password=creds.password + creds.security_token,
        consumer_key=creds.client_id,
        consumer_secret=creds.client_secret,
        session=sandbox.session(),
    )
    first_token = sf.session_id
    sandbox.reset_counters()
    assert sandbox.sessions.expire_all() >= 1
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["totalSize"] == 1
    assert sf.session_id != first_token
    log = sandbox.log
    assert log.calls("oauth.token") == 1  # one re-login
    assert log.calls("query") == 2  # the 401, then the retry
    assert [e.status for e in log.entries] == [401, 200, 200]
    sandbox.sessions.issue(sandbox.integration_user_id, token=sandbox.token)  # restore


def test_session_ttl_expires_tokens(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    running = make_sandbox(session_ttl_seconds=0.0)
    issued = running.sessions.issue(running.integration_user_id)
    sf = Salesforce(instance_url=running.url, session_id=issued.token, session=running.session())
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM User")


def _rsa_pem() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def test_jwt_bearer_flow(sandbox: SalesforceSandbox) -> None:
    creds = sandbox.credentials
    private, public = _rsa_pem()
    with pytest.raises(SalesforceAuthenticationFailed) as unknown_key:
        Salesforce(
            username=creds.username,
            consumer_key=creds.client_id,
            privatekey=private,
            session=sandbox.session(),
        )
    assert (unknown_key.value.code, unknown_key.value.auth_message) == (
        "invalid_grant",
        "invalid assertion",
    )
    sandbox.app.tokens.add_jwt_certificate(public)  # the connected app's uploaded certificate
    sf = Salesforce(
        username=creds.username,
        consumer_key=creds.client_id,
        privatekey=private,
        session=sandbox.session(),
    )
    assert sf.auth_type == "jwt-bearer"
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] > 0
