"""Logging in: the OAuth 2.0 token endpoint (`POST /services/oauth2/token`, form-encoded) and the
session store, for the four flows the connector's `auth_flow` offers (Salesforce's "OAuth 2.0
Username-Password / Client Credentials / JWT Bearer / Refresh Token Flow"):
- `password`: client id and secret, username, password + security token in the body;
- `client_credentials` and `refresh_token`: the client id and secret in an HTTP Basic header (as
  simple-salesforce sends them) or the body; the secret is required for a refresh too ("Require
  Secret for Refresh Token Flow"). An unknown or revoked refresh token answers `invalid_grant` /
  "expired access/refresh token" (what real orgs send: restforce#81, jsforce#1656). With
  `rotate_refresh_tokens` each refresh issues a new token and invalidates the previous one. The
  web server flow that issues refresh tokens needs a browser, so the org has one already
  (`SalesforceCredentials.refresh_token`) and the sandbox issues and revokes more;
- JWT bearer: an RS256 `assertion` signed by a key whose certificate was uploaded
  (`add_jwt_certificate`); `iss` the client id, `sub` the username, `aud` a login server or the
  sandbox, `exp` in the future.
Success answers access_token, instance_url, id (`<login>/id/<orgId>/<userId>`), token_type and -
but for JWT - issued_at and signature (Base64 HMAC-SHA256 of id + issued_at keyed with the client
secret); `scope` for all but the password flow. Failures answer 400 `{"error",
"error_description"}` in Salesforce's words. `expire_all()` invalidates every session, so a
client's re-login on 401 can be tested.
"""

from __future__ import annotations

import base64
import hmac
import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

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
    expires_at: float  # time.monotonic(); inf without a TTL


class SessionStore:
    """Issued access tokens. Thread-safe."""

    def __init__(self, ttl_seconds: float | None = None) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self.ttl_seconds = ttl_seconds

    def issue(self, user_id: str, token: str | None = None) -> Session:
        token = token or f"{ORG_ID[:15]}!AQ{secrets.token_urlsafe(48)}"
        expires = math.inf if self.ttl_seconds is None else time.monotonic() + self.ttl_seconds
        session = Session(token, user_id, int(time.time() * 1000), expires)
        with self._lock:
            self._sessions[token] = session
        return session

    def validate(self, token: str) -> Session | None:
        with self._lock:
            session = self._sessions.get(token)
            if session and time.monotonic() >= session.expires_at:
                del self._sessions[token]
                return None
            return session

    def expire_all(self) -> int:
        """Invalidate every issued token; returns how many there were."""
        with self._lock:
            count, self._sessions = len(self._sessions), {}
            return count


def _oauth_error(error: str, description: str) -> Response:
    return Response(400, {"error": error, "error_description": description})


class TokenEndpoint:
    """Handles `/services/oauth2/token`."""

    def __init__(
        self, credentials: SalesforceCredentials, sessions: SessionStore, user_id: str
    ) -> None:
        self.credentials = credentials
        self.sessions = sessions
        self.user_id = user_id
        self.base_url = ""  # login and instance URL: the sandbox itself, once it listens
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
            known = token in self._refresh_tokens
            self._refresh_tokens.discard(token)
            return known

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

    def token(self, request: Request) -> Response:
        form = {key: values[0] for key, values in request.query.items() if values}
        form.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        grant, creds = form.get("grant_type"), self.credentials
        if grant == JWT_GRANT:
            return self._jwt(form.get("assertion", ""))
        client = form.get("client_id", ""), form.get("client_secret", "")
        if grant in ("client_credentials", REFRESH_GRANT):
            client = _basic_client(request) or client
        elif grant != "password":
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        if not hmac.compare_digest(client[0], creds.client_id):
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(client[1], creds.client_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        password_ok = hmac.compare_digest(
            form.get("password", ""), creds.password + creds.security_token
        )
        if grant == "password" and (form.get("username") != creds.username or not password_ok):
            return _oauth_error("invalid_grant", "authentication failure")
        refresh = form.get("refresh_token", "")
        if grant == REFRESH_GRANT:
            with self._refresh_lock:
                known = list(self._refresh_tokens)
            if not any(hmac.compare_digest(refresh, candidate) for candidate in known):
                return _oauth_error("invalid_grant", "expired access/refresh token")
        session = self.sessions.issue(self.user_id)
        answer, issued_at = self._granted(session), str(session.issued_at_ms)
        signed = hmac.digest(
            creds.client_secret.encode(), (answer["id"] + issued_at).encode(), "sha256"
        )
        answer.update(issued_at=issued_at, signature=base64.b64encode(signed).decode())
        if grant == "client_credentials":
            answer["scope"] = "api"
        elif grant == REFRESH_GRANT:
            answer["scope"] = "api refresh_token"
            if self.rotate_refresh_tokens:
                self.revoke_refresh_token(refresh)
                answer["refresh_token"] = self.issue_refresh_token()
        return Response(200, answer)

    def _granted(self, session: Session) -> dict[str, Any]:
        """What every flow answers for a new session."""
        return {
            "access_token": session.token,
            "instance_url": self.base_url,
            "id": f"{self.base_url}/id/{ORG_ID}/{self.user_id}",
            "token_type": "Bearer",
        }

    def _jwt(self, assertion: str) -> Response:
        # The signature first, then the claims in the order Salesforce reports them.
        unchecked: Any = {f"verify_{claim}": False for claim in ("exp", "nbf", "iat", "aud", "iss")}
        claims: dict[str, Any] | None = None
        for key in self.jwt_keys:
            try:
                claims = jwt.decode(assertion, key, algorithms=["RS256"], options=unchecked)
                break
            except jwt.PyJWTError:
                continue
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
        try:
            expired = float(claims.get("exp")) <= time.time()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            expired = True
        if expired or claims.get("sub") != creds.username:
            return _oauth_error("invalid_grant", "invalid assertion")
        return Response(200, {**self._granted(self.sessions.issue(self.user_id)), "scope": "api"})


def _basic_client(request: Request) -> tuple[str, str] | None:
    """The client id and secret of an HTTP Basic `Authorization` header."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except ValueError:  # UnicodeDecodeError included
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret
