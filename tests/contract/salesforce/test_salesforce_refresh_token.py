"""The OAuth 2.0 refresh token flow at `/services/oauth2/token`, through plain requests (the flow
simple-salesforce has no helper for) and the token then used by the unmodified simple-salesforce.

Request and answer as "OAuth 2.0 Refresh Token Flow for Renewed Sessions" (Salesforce Help) and
the REST API Developer Guide ("Understanding the OAuth Refresh Token Process") describe them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from simple_salesforce import Salesforce

from connector.sandbox.salesforce import SalesforceSandbox


def _refresh(sandbox: SalesforceSandbox, refresh_token: str, **extra: str) -> tuple[int, dict]:
    creds = sandbox.credentials
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        **extra,
    }
    response = sandbox.session().post(sandbox.token_url, data=form)
    return response.status_code, response.json()


def test_refresh_token_answers_a_signed_session_that_simple_salesforce_uses(
    sandbox: SalesforceSandbox,
) -> None:
    status, body = _refresh(sandbox, sandbox.credentials.refresh_token)

    assert status == 200
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
        "scope",
    }
    assert "refresh_token" not in body  # rotation is off: the same refresh token stays valid
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "api refresh_token"
    assert body["instance_url"] == sandbox.url
    assert body["id"].endswith(f"/{sandbox.integration_user_id}")
    expected = hmac.new(
        sandbox.credentials.client_secret.encode(),
        (body["id"] + body["issued_at"]).encode(),
        hashlib.sha256,
    ).digest()
    assert base64.b64decode(body["signature"]) == expected
    sf = Salesforce(
        instance_url=body["instance_url"],
        session_id=body["access_token"],
        session=sandbox.session(),
    )
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["totalSize"] == 1


def test_refresh_token_can_be_used_again_and_client_may_authenticate_with_basic(
    sandbox: SalesforceSandbox,
) -> None:
    creds = sandbox.credentials
    first = _refresh(sandbox, creds.refresh_token)[1]["access_token"]
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    response = sandbox.session().post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": creds.refresh_token},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert response.json()["access_token"] != first


@pytest.mark.parametrize(
    ("change", "error", "description"),
    [
        ({"refresh_token": "5Aep861NeverIssued"}, "invalid_grant", "expired access/refresh token"),
        ({"client_secret": "wrong"}, "invalid_client", "invalid client credentials"),
        ({"client_id": "3MVG9Unknown"}, "invalid_client_id", "client identifier invalid"),
    ],
)
def test_refresh_token_failures_answer_oauth_errors(
    sandbox: SalesforceSandbox, change: dict[str, str], error: str, description: str
) -> None:
    token = change.pop("refresh_token", sandbox.credentials.refresh_token)
    status, body = _refresh(sandbox, token, **change)
    assert status == 400
    assert body == {"error": error, "error_description": description}


def test_a_revoked_refresh_token_is_refused(sandbox: SalesforceSandbox) -> None:
    token = sandbox.app.tokens.issue_refresh_token()
    assert _refresh(sandbox, token)[0] == 200

    assert sandbox.app.tokens.revoke_refresh_token(token) is True

    assert _refresh(sandbox, token) == (
        400,
        {"error": "invalid_grant", "error_description": "expired access/refresh token"},
    )
    assert _refresh(sandbox, sandbox.credentials.refresh_token)[0] == 200  # others still work


def test_with_rotation_on_each_use_answers_a_new_refresh_token_and_voids_the_old(
    sandbox: SalesforceSandbox,
) -> None:
    first = sandbox.app.tokens.issue_refresh_token()
    sandbox.app.tokens.rotate_refresh_tokens = True
    try:
        status, body = _refresh(sandbox, first)
        assert status == 200
        second = body["refresh_token"]
        assert second != first
        assert _refresh(sandbox, first) == (
            400,
            {"error": "invalid_grant", "error_description": "expired access/refresh token"},
        )
        assert _refresh(sandbox, second)[0] == 200
    finally:
        sandbox.app.tokens.rotate_refresh_tokens = False
