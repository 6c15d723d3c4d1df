"""Logging in: the OAuth 2.0 token endpoint and the session store.

Token endpoint (`POST /services/oauth2/token`, form-encoded), per Salesforce's "OAuth 2.0
Username-Password Flow" and "OAuth 2.0 Client Credentials Flow":
- `grant_type=password` with client_id, client_secret, username and password (the user's
  password with the security token appended);
- `grant_type=client_credentials` with the client id and secret in an HTTP Basic header (what
  simple-salesforce sends) or in the body;
- `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an RS256 `assertion` signed by a
  key whose certificate was uploaded to the connected app (`TokenEndpoint.jwt_keys`, see
  `SalesforceSandbox.add_jwt_certificate`): `iss` the client id, `sub` the username, `aud` the
  login server (https://login.salesforce.com, https://test.salesforce.com or the My Domain /
  sandbox URL), `exp` in the future ("OAuth 2.0 JWT Bearer Flow for Server-to-Server
  Integration"); it answers access_token, scope, instance_url, id and token_type;
- `grant_type=refresh_token` with `refresh_token` and the client id and secret in the body or in
  an HTTP Basic header ("OAuth 2.0 Refresh Token Flow for Renewed Sessions", Salesforce Help;
  REST API Developer Guide, "Understanding the OAuth Refresh Token Process"). The secret is
  required, as for a connected app with "Require Secret for Refresh Token Flow" on. A refresh
  token the org never issued or has revoked answers `invalid_grant` / "expired access/refresh
  token" (the description real orgs send, as quoted in restforce#81 and jsforce#1656). The
  answer is the password flow's plus `scope`. Refresh token rotation is off by default, so no
  `refresh_token` comes back; with `TokenEndpoint.rotate_refresh_tokens` on, "the connected app
  issues a new refresh token along with the access token each time the flow is invoked. The
  previous refresh token is automatically invalidated" (Salesforce Help, same page). Refresh
  tokens come from the web server flow, which needs a browser; the sandbox org has one already
  issued (`SalesforceCredentials.refresh_token`) and `TokenEndpoint.issue_refresh_token` /
  `revoke_refresh_token` add and revoke more.
Success answers `access_token`, `instance_url`, `id` (`<login>/id/<orgId>/<userId>`),
`token_type: Bearer`, `issued_at` (epoch ms as a string) and `signature` (Base64 HMAC-SHA256 of
id + issued_at keyed with the client secret); the client-credentials flow also answers `scope`.
Failures answer 400 with `{"error": ..., "error_description": ...}`: `invalid_client_id` /
"client identifier invalid", `invalid_client` / "invalid client credentials", `invalid_grant` /
"authentication failure", `unsupported_grant_type` / "grant type not supported", and for JWT
`invalid_grant` / "invalid assertion" or "audience is invalid".

The SOAP `login()` call (simple-salesforce's username + password + security token login) is not
emulated: the connector logs in through the token endpoint only.

Sessions are bearer tokens mapped to a user; `expire_all()` invalidates every issued token so a
client's re-login on 401 INVALID_SESSION_ID can be tested.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field

from connector.sandbox.common.http import Request, Response

ORG_ID = "00DgK000000SandAAA"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_GRANT = "refresh_token"


class SalesforceCredentials(BaseModel):
    """The sandbox org's fixed login secrets (override them to test wrong-credential paths)."""

    model_config = ConfigDict(frozen=True)

    client_id: str = "3MVG9sandboxConnectorClientId"
    client_secret: str = Field(default="sandbox-client-secret", repr=False)
    username: str = "integration@connector-sandbox.example"
    password: str = Field(default="sandbox-password", repr=False)
    security_token: str = Field(default="SANDBOXSECURITYTOKEN", repr=False)
    #: A refresh token the org issued to the connected app (through the web server flow).
    refresh_token: str = Field(default="5Aep861SandboxConnectorRefreshToken", repr=False)
    #: The My Domain prefix for simple-salesforce's client-credentials flow
    #: (`domain="connector-sandbox.my"` -> https://connector-sandbox.my.salesforce.com).
    my_domain: str = "connector-sandbox.my"


@dataclass
class Session:
    token: str
    user_id: str
    issued_at_ms: int
    expires_at: float | None


class SessionStore:
    """Issued access tokens. Thread-safe."""

    def __init__(self, ttl_seconds: float | None = None) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self.ttl_seconds = ttl_seconds

    def issue(self, user_id: str, token: str | None = None) -> Session:
        token = token or f"{ORG_ID[:15]}!AQ{secrets.token_urlsafe(48)}"
        expires = None if self.ttl_seconds is None else time.monotonic() + self.ttl_seconds
        session = Session(token, user_id, int(time.time() * 1000), expires)
        with self._lock:
            self._sessions[token] = session
        return session

    def validate(self, token: str) -> Session | None:
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if session.expires_at is not None and time.monotonic() >= session.expires_at:
                del self._sessions[token]
                return None
            return session

    def expire_all(self) -> int:
        """Invalidate every issued token; returns how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count


def _oauth_error(error: str, description: str) -> Response:
    return Response(400, {"error": error, "error_description": description})


class TokenEndpoint:
    """Handles `/services/oauth2/token`."""

    def __init__(
        self,
        credentials: SalesforceCredentials,
        sessions: SessionStore,
        user_id: str,
        base_url: str,
    ) -> None:
        self.credentials = credentials
        self.sessions = sessions
        self.user_id = user_id
        self.base_url = base_url  # login URL and instance URL are the sandbox itself
        self.jwt_keys: list[rsa.RSAPublicKey] = []  # certificates uploaded to the connected app
        self._refresh_tokens: set[str] = {credentials.refresh_token}
        self._refresh_lock = threading.Lock()
        self.rotate_refresh_tokens = False  # the connected app's "refresh token rotation"

    def issue_refresh_token(self) -> str:
        """A new refresh token for the connected app (as a web server flow would issue)."""
        token = f"5Aep861{secrets.token_urlsafe(48)}"
        with self._refresh_lock:
            self._refresh_tokens.add(token)
        return token

    def revoke_refresh_token(self, token: str) -> bool:
        """Revoke one refresh token (an admin's "Revoke" in Connected Apps OAuth Usage)."""
        with self._refresh_lock:
            if token not in self._refresh_tokens:
                return False
            self._refresh_tokens.discard(token)
            return True

    def _refresh_token_valid(self, token: str) -> bool:
        with self._refresh_lock:
            known = list(self._refresh_tokens)
        return any(hmac.compare_digest(token, candidate) for candidate in known)

    def add_jwt_certificate(self, pem: bytes | str) -> None:
        """Trust JWT assertions signed by the key of this PEM certificate or public key."""
        data = pem.encode() if isinstance(pem, str) else pem
        try:
            key: Any = x509.load_pem_x509_certificate(data).public_key()
        except ValueError:
            key = serialization.load_pem_public_key(data)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("Salesforce JWT bearer assertions are RS256: an RSA key is needed")
        self.jwt_keys.append(key)

    def _form(self, request: Request) -> dict[str, str]:
        form = {key: values[0] for key, values in request.query.items() if values}
        try:
            body = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            body = {}
        form.update({key: values[0] for key, values in body.items() if values})
        return form

    def _basic_client(self, request: Request) -> tuple[str, str] | None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret

    def token(self, request: Request) -> Response:
        form = self._form(request)
        grant = form.get("grant_type")
        creds = self.credentials
        if grant == JWT_GRANT:
            return self._jwt(form.get("assertion", ""))
        if grant == "password":
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        elif grant in ("client_credentials", REFRESH_GRANT):
            basic = self._basic_client(request)
            client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        else:
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        if not hmac.compare_digest(client_id, creds.client_id):
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(secret, creds.client_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        password = creds.password + creds.security_token
        password_ok = hmac.compare_digest(form.get("password", ""), password)
        if grant == "password" and (form.get("username") != creds.username or not password_ok):
            return _oauth_error("invalid_grant", "authentication failure")
        if grant == REFRESH_GRANT and not self._refresh_token_valid(form.get("refresh_token", "")):
            return _oauth_error("invalid_grant", "expired access/refresh token")
        session = self.sessions.issue(self.user_id)
        identity = f"{self.base_url}/id/{ORG_ID}/{self.user_id}"
        issued_at = str(session.issued_at_ms)
        signed = hmac.digest(
            creds.client_secret.encode(), (identity + issued_at).encode(), "sha256"
        )
        signature = base64.b64encode(signed).decode()
        body: dict[str, Any] = {
            "access_token": session.token,
            "instance_url": self.base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": signature,
        }
        if grant == "client_credentials":
            body["scope"] = "api"
        elif grant == REFRESH_GRANT:
            body["scope"] = "api refresh_token"
            if self.rotate_refresh_tokens:
                self.revoke_refresh_token(form.get("refresh_token", ""))
                body["refresh_token"] = self.issue_refresh_token()
        return Response(200, body)

    def _jwt(self, assertion: str) -> Response:
        claims = _verified_claims(assertion, self.jwt_keys)
        creds = self.credentials
        if claims is None:
            return _oauth_error("invalid_grant", "invalid assertion")
        if claims.get("iss") != creds.client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        allowed = {
            "https://login.salesforce.com",
            "https://test.salesforce.com",
            f"https://{creds.my_domain}.salesforce.com",
            self.base_url,
        }
        if not allowed.intersection(str(audience).rstrip("/") for audience in audiences):
            return _oauth_error("invalid_grant", "audience is invalid")
        expires = claims.get("exp")
        try:
            expired = float(expires) <= time.time()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            expired = True
        if expired or claims.get("sub") != creds.username:
            return _oauth_error("invalid_grant", "invalid assertion")
        session = self.sessions.issue(self.user_id)
        return Response(
            200,
            {
                "access_token": session.token,
                "scope": "api",
                "instance_url": self.base_url,
                "id": f"{self.base_url}/id/{ORG_ID}/{self.user_id}",
                "token_type": "Bearer",
            },
        )


def _verified_claims(assertion: str, keys: list[rsa.RSAPublicKey]) -> dict[str, Any] | None:
    """The claims of an RS256-signed JWT when one of `keys` verifies its signature, else None.
    The claims themselves are checked by the caller, in the order Salesforce reports them."""
    unchecked = ("exp", "nbf", "iat", "aud", "iss")
    options: Any = {f"verify_{claim}": False for claim in unchecked}
    for key in keys:
        try:
            return jwt.decode(assertion, key, algorithms=["RS256"], options=options)
        except jwt.PyJWTError:
            continue
    return None
