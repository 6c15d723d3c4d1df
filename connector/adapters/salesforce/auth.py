"""OAuth 2.0 against the configured login URL: client-credentials, username-password, JWT
bearer and refresh-token flows, each answering an access token and the org's `instance_url`.

Made here because simple-salesforce's login helper only builds `https://<domain>.salesforce.com`
URLs, while the login URL must be a setting (My Domain, test.salesforce.com, the sandbox); every
later call goes through simple-salesforce. With refresh token rotation on, Salesforce voids the
old refresh token, which the connector cannot store back: it warns (turn rotation off).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import requests
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from connector.adapters.errors import WRONG_URL, CrmAuthError, Failure
from connector.adapters.retry import call_with_retries
from connector.adapters.salesforce.failures import crm_failure, transport_failure
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.adapters.usage import ApiUsage
from connector.redact import register_secret

logger = logging.getLogger(__name__)

TOKEN_ENDPOINT = "POST /services/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_GRANT = "refresh_token"
JWT_LIFETIME_SECONDS = 180  # Salesforce rejects assertions valid for more than 3 minutes


class AccessToken(BaseModel):
    """The parts of a token answer the adapter uses (Salesforce adds id, signature, scope...)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: SecretStr
    instance_url: str
    id: str | None = None  # identity URL: https://login.salesforce.com/id/<org id>/<user id>

    @property
    def user_id(self) -> str | None:
        """The user the token acts as (the integration user)."""
        return self.id.rstrip("/").rsplit("/", 1)[-1] if self.id else None


class _TokenRefused(Exception):
    """The token endpoint answered an OAuth error (`error`, `error_description`)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def _token_failure(exc: BaseException) -> Failure | None:
    if isinstance(exc, _TokenRefused):
        if exc.status >= 500:
            return crm_failure(status=exc.status, code=exc.error, message=exc.description)
        if exc.status in (404, 405):
            # No OAuth server there at all: the login URL is not a Salesforce login host.
            return crm_failure(
                status=exc.status,
                code=WRONG_URL,
                message=f"HTTP {exc.status} from the token endpoint: SALESFORCE_LOGIN_URL is not "
                "a Salesforce login host (use https://login.salesforce.com, "
                "https://test.salesforce.com or the org's My Domain URL)",
            )
        # Any OAuth error answer means the credentials (or the app's policy) were refused.
        return crm_failure(status=401, code=exc.error, message=exc.description)
    return transport_failure(exc)


def _jwt_assertion(settings: SalesforceSettings) -> str:
    key_file = settings.jwt_private_key_file
    assert key_file is not None  # the settings validator requires it for this flow
    try:
        key = Path(key_file).read_bytes()
    except OSError as exc:
        raise CrmAuthError(
            f"Cannot read the JWT private key file {key_file}: {exc.strerror}."
        ) from None
    register_secret(key.decode("utf-8", "replace").strip())
    claims = {
        "iss": settings.client_id,
        "sub": settings.subject,
        "aud": settings.audience,
        "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
    }
    try:
        return jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise CrmAuthError(
            f"The JWT private key in {key_file} cannot sign an RS256 assertion: {exc}."
        ) from None


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value else ""


def token_request(settings: SalesforceSettings) -> tuple[dict[str, str], dict[str, str]]:
    """Form body and extra headers of the token request for the configured flow."""
    client = {
        "client_id": settings.client_id or "",
        "client_secret": _secret(settings.client_secret),
    }
    match settings.auth_flow:
        case "client_credentials":
            form = {"grant_type": "client_credentials", **client}
        case "password":
            password = _secret(settings.password) + _secret(settings.security_token)
            user = {"username": settings.username or "", "password": password}
            form = {"grant_type": "password", **client, **user}
        case "jwt":
            form = {"grant_type": JWT_GRANT, "assertion": _jwt_assertion(settings)}
        case "refresh_token":
            refresh = _secret(settings.refresh_token)
            form = {"grant_type": REFRESH_GRANT, "refresh_token": refresh, **client}
            if not form["client_secret"]:
                del form["client_secret"]  # the app requires none (by default it does)
    return form, {"Accept": "application/json"}


def _parse(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code != 200:
        raise _TokenRefused(
            response.status_code,
            str(body.get("error") or f"HTTP {response.status_code}"),
            str(body.get("error_description") or response.reason or ""),
        )
    return body


@dataclass(eq=False)
class Authenticator:
    """Gets (and on demand renews) the access token; every token request is counted."""

    settings: SalesforceSettings
    session: requests.Session
    usage: ApiUsage

    def fetch(self) -> AccessToken:
        settings = self.settings

        def request() -> dict[str, Any]:
            form, headers = token_request(settings)
            try:
                response = self.session.post(settings.token_url, data=form, headers=headers)
            finally:
                self.usage.record(TOKEN_ENDPOINT)
            return _parse(response)

        action = f"log in to Salesforce at {settings.login_url} ({settings.auth_flow} flow)"
        body = call_with_retries(
            request, to_failure=_token_failure, action=action, policy=settings.retry
        )
        try:
            token = AccessToken.model_validate(body)
        except ValidationError:
            raise CrmAuthError(
                f"Salesforce's token answer from {settings.login_url} lacks access_token or "
                "instance_url."
            ) from None
        register_secret(token.access_token.get_secret_value())
        rotated = body.get("refresh_token")
        if settings.auth_flow == "refresh_token" and isinstance(rotated, str) and rotated:
            register_secret(rotated)
            logger.warning(
                "Salesforce rotated the refresh token (refresh token rotation is on for the "
                "connected app): SALESFORCE_REFRESH_TOKEN is now void and the next login will "
                "fail. Turn rotation off for this connected app and authorise it again."
            )
        return token
