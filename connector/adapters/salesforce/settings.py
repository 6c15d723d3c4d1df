"""How to reach one Salesforce org, from the environment and .env (prefix `SALESFORCE_`). The
login URL has the production default (My Domain, a sandbox org or the emulator is
configuration); secrets are registered with the redactor as soon as they are loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from connector.adapters.kit.settings import crm_settings_config
from connector.adapters.retry import RetryPolicy
from connector.durations import Seconds, adopt_deprecated, old_name
from connector.mapping.crm_schema import CompanyField
from connector.redact import Secret

AuthFlow = Literal["client_credentials", "password", "jwt", "refresh_token"]

PRODUCTION_LOGIN_URL = "https://login.salesforce.com"

# A Lead carries its company on itself. Its firmographic fields have the Account's API names,
# except the company name and the address; these read them into the same Company value.
DEFAULT_LEAD_COMPANY_FIELDS: dict[CompanyField, str] = {
    CompanyField.NAME: "Company",
    CompanyField.DOMAIN: "Website",
    CompanyField.INDUSTRY: "Industry",
    CompanyField.EMPLOYEES: "NumberOfEmployees",
    CompanyField.ANNUAL_REVENUE: "AnnualRevenue",
    CompanyField.COUNTRY: "Country",
    CompanyField.REGION: "State",
}

#: What each flow needs besides SALESFORCE_CLIENT_ID (a JWT's `subject` may be the username).
_FLOW_NEEDS: dict[str, tuple[str, ...]] = {
    "client_credentials": ("client_secret",),
    "password": ("client_secret", "username", "password"),
    "refresh_token": ("refresh_token",),
    "jwt": ("subject", "jwt_private_key_file"),
}
_VARIABLES = {"subject": "SALESFORCE_JWT_SUBJECT (or SALESFORCE_USERNAME)"}


class SalesforceSettings(BaseSettings):
    """Connection, authentication, pacing and read/write tuning for the Salesforce adapter."""

    model_config = crm_settings_config("SALESFORCE_")

    # --- where and who ---
    login_url: str = Field(
        default=PRODUCTION_LOGIN_URL,
        description="OAuth host: https://login.salesforce.com, https://test.salesforce.com for "
        "sandbox orgs, or the org's My Domain (required by the client-credentials flow)",
    )
    auth_flow: AuthFlow = "client_credentials"
    client_id: str | None = Field(default=None, description="connected app consumer key")
    client_secret: Secret | None = Field(default=None, repr=False)
    username: str | None = None
    password: Secret | None = Field(default=None, repr=False)
    security_token: Secret | None = Field(
        default=None, repr=False, description="appended to the password (password flow)"
    )
    refresh_token: Secret | None = Field(
        default=None,
        repr=False,
        description="refresh_token flow: the token the connected app received through the web "
        "server flow (refresh token rotation off, else it stops working after one use)",
    )
    jwt_private_key_file: Path | None = Field(
        default=None, description="PEM private key whose certificate the connected app holds"
    )
    jwt_subject: str | None = Field(
        default=None, description="the user the JWT acts as; defaults to `username`"
    )
    jwt_audience: str | None = Field(
        default=None,
        description="JWT `aud`; defaults to https://test.salesforce.com for sandbox orgs, "
        "https://login.salesforce.com otherwise",
    )
    api_version: str = Field(default="59.0", pattern=r"^\d{2,3}\.0$")

    # --- transport ---
    ca_file: Path | None = Field(
        default=None,
        description="PEM bundle to trust instead of the system's (e.g. the sandbox CA); it wins "
        "over REQUESTS_CA_BUNDLE",
    )
    timeout_seconds: Seconds = Field(default=120.0, gt=0, description="per request")

    # --- pacing and retries ---
    daily_reserve: float = Field(
        default=0.2,
        ge=0.0,
        lt=1.0,
        description="share of the org's daily API allowance left to other integrations",
    )
    retry: RetryPolicy = RetryPolicy()

    # --- reads ---
    bulk_threshold: int = Field(
        default=50_000, ge=1, description="read through Bulk API 2.0 from this many records on"
    )
    # A result set is one page for the sync engine, which holds a page's records, decisions and
    # planned writes at once: 2,000 (a REST query page) keeps the connector's memory where a
    # REST read keeps it, and costs one call per 2,000 records, a tenth of what the writes take.
    bulk_page_size: int = Field(
        default=2_000, ge=1, description="records per Bulk result set (one page of the read)"
    )
    bulk_poll_seconds: Seconds = Field(default=1.0, gt=0)
    bulk_timeout_seconds: Seconds = Field(default=3600.0, gt=0)
    overlap_seconds: Seconds = Field(
        default=300.0,
        ge=0,
        description="incremental reads start this much before the watermark (SystemModstamp "
        "is set at commit, so a transaction that began earlier may land behind it)",
    )
    overlap: Seconds | None = old_name("SALESFORCE_OVERLAP", "SALESFORCE_OVERLAP_SECONDS", ge=0)
    max_query_url_bytes: int = Field(
        default=12_000,
        ge=1_000,
        description="longest query URL sent; Salesforce allows 16,384 bytes for URI + headers",
    )
    skip_own_writes: bool = Field(
        default=True,
        description="incremental reads leave out people whose last change was made by the "
        "integration user itself (LastModifiedById), so the connector's own writes do not come "
        "back as changes; turn off when other tools share that user",
    )
    engagement_changes: bool = Field(
        default=True,
        description="incremental reads also bring in the people whose Tasks, Events or "
        "campaign memberships changed or were deleted since the watermark",
    )
    match_leads_to_accounts: bool = Field(
        default=True, description="give a Lead the Account whose Name equals its Company"
    )
    lead_company_fields: dict[CompanyField, str] = Field(
        default_factory=lambda: dict(DEFAULT_LEAD_COMPANY_FIELDS)
    )

    # --- owners ----------------------------------------------------------------------------------
    # Salesforce always has an owner on a Lead or Contact; records nobody has taken yet sit with
    # a queue, the org's default lead owner, or the API user that created them. These read as
    # "no owner" so that routing assigns them.
    unassigned_owner_ids: list[str] = Field(
        default_factory=list,
        description="users or queues whose records count as unassigned (e.g. the default lead "
        "owner)",
    )
    integration_user_is_unassigned: bool = Field(
        default=True, description="records owned by the API user count as unassigned"
    )
    queues_are_unassigned: bool = Field(
        default=True, description="records owned by a queue (00G...) count as unassigned"
    )

    @field_validator("login_url")
    @classmethod
    def _https_origin(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError("must be an https:// URL such as https://login.salesforce.com")
        return f"https://{parts.netloc}"

    @model_validator(mode="after")
    def _old_names(self) -> Self:
        adopt_deprecated(self, {"overlap": ("overlap_seconds", 1.0)}, "SALESFORCE_")
        return self

    @model_validator(mode="after")
    def _credentials_for_flow(self) -> Self:
        missing = [
            _VARIABLES.get(name, f"SALESFORCE_{name.upper()}")
            for name in ("client_id", *_FLOW_NEEDS[self.auth_flow])
            if not getattr(self, name)
        ]
        if missing:
            raise ValueError(
                f"the {self.auth_flow} flow needs {', '.join(missing)}; see .env.example"
            )
        return self

    @property
    def subject(self) -> str:
        return self.jwt_subject or self.username or ""

    @property
    def audience(self) -> str:
        """The JWT `aud`: Salesforce accepts only its login hosts here, never a My Domain."""
        if self.jwt_audience:
            return self.jwt_audience
        host = urlsplit(self.login_url).netloc.lower()
        if host == "test.salesforce.com" or ".sandbox.my.salesforce.com" in host:
            return "https://test.salesforce.com"
        return PRODUCTION_LOGIN_URL

    @property
    def token_url(self) -> str:
        return f"{self.login_url}/services/oauth2/token"
