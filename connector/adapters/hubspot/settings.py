"""HubSpot connection settings, from the environment and .env (`HUBSPOT_*`). The base URL has
the production default (the sandbox is configuration); limits default to HubSpot's documented
values for the smallest tier (100 requests per 10 s, 5 searches per second, 200 per search page,
100 inputs per batch, 1,000 ids per association read): raise `HUBSPOT_BURST_LIMIT` (190) on
Professional/Enterprise portals.
"""

from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from connector.adapters.kit.settings import crm_settings_config
from connector.adapters.retry import RetryPolicy
from connector.durations import Seconds, adopt_deprecated, old_name
from connector.redact import Secret

PRODUCTION_BASE_URL = "https://api.hubapi.com"
# old name -> (new name, factor to seconds): read for one deprecation cycle, with a warning
_RENAMED = {name: (f"{name}_seconds", 1.0) for name in ("connect_timeout", "read_timeout")}


class HubSpotSettings(BaseSettings):
    model_config = crm_settings_config("HUBSPOT_")

    access_token: Secret = Field(
        description="private app access token (HUBSPOT_ACCESS_TOKEN); never logged"
    )
    base_url: str = Field(
        default=PRODUCTION_BASE_URL, description="API root; point it at a sandbox to test"
    )

    # --- pacing ------------------------------------------------------------------------------
    burst_limit: int = Field(default=100, ge=1, description="requests per burst window")
    burst_window_seconds: Seconds = Field(default=10.0, gt=0)
    search_limit_per_second: int = Field(default=5, ge=1)
    slow_down_below: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="space requests out once X-HubSpot-RateLimit-Remaining falls below this "
        "fraction of X-HubSpot-RateLimit-Max",
    )
    daily_reserve: int = Field(
        default=0,
        ge=0,
        description="stop cleanly once X-HubSpot-RateLimit-Daily-Remaining is at or below this, "
        "leaving the rest of the day's allowance to other integrations",
    )

    # --- paging and batching -----------------------------------------------------------------
    page_size: int = Field(default=100, ge=1, le=100, description="list endpoint page size")
    search_page_size: int = Field(default=200, ge=1, le=200)
    batch_size: int = Field(default=100, ge=1, le=100, description="inputs per batch call")
    association_batch_size: int = Field(default=1000, ge=1, le=1000)
    owners_page_size: int = Field(default=500, ge=1, le=500)
    read_ahead_records: int = Field(
        default=1000,
        ge=1,
        description="contacts read ahead (several list or search pages) before their companies, "
        "deals, associations and engagement objects are batch-read together, so those batch "
        "reads go out full instead of a quarter full; pages keep their own cursors",
    )

    # --- incremental reads -------------------------------------------------------------------
    incremental_overlap_seconds: Seconds = Field(
        default=300.0,
        ge=0,
        description="re-read this much before the watermark: HubSpot's search index lags "
        "writes by seconds, so a record modified just before the last run may have been missed",
    )
    skip_own_writes: bool = Field(
        default=True,
        description="leave the connector's own writes out of the next incremental read (no "
        "echo), by the fingerprint it writes with each update; false: read them again",
    )
    fingerprint_property: str = Field(
        default="connector_fingerprint",
        min_length=1,
        description="contact property where each connector write leaves a digest of the inputs "
        "it decided on; created by `connector mappings provision`",
    )
    echo_memory_contacts: int = Field(
        default=200_000,
        ge=0,
        description="contacts per run whose read inputs are kept until written (about 500 bytes "
        "each); a write beyond that goes without a fingerprint and is read again next time",
    )
    search_index_lag_seconds: Seconds = Field(
        default=5.0,
        ge=0,
        description="after a task create whose answer was lost, wait this long before searching "
        "for its key again, so the search index has caught up with the write",
    )

    # --- transport and retries ---------------------------------------------------------------
    connect_timeout_seconds: Seconds = Field(default=10.0, gt=0)
    read_timeout_seconds: Seconds = Field(default=60.0, gt=0)
    connect_timeout: Seconds | None = old_name(
        "HUBSPOT_CONNECT_TIMEOUT", "HUBSPOT_CONNECT_TIMEOUT_SECONDS", gt=0
    )
    read_timeout: Seconds | None = old_name(
        "HUBSPOT_READ_TIMEOUT", "HUBSPOT_READ_TIMEOUT_SECONDS", gt=0
    )
    retry: RetryPolicy = RetryPolicy()

    # --- memory bounds: one read-ahead group (plus slack), not the run ------------------------
    engagement_cache_contacts: int = Field(
        default=2_000,
        ge=0,
        description="contacts whose engagement inputs iter_contacts keeps for iter_engagements "
        "(at least read_ahead_records, or a page's engagement is read again)",
    )
    company_cache_size: int = Field(
        default=10_000,
        ge=0,
        description="companies kept by id across pages, so one shared by many contacts is read "
        "once while it stays in the cache",
    )
    engagement_object_cache_size: int = Field(
        default=5_000,
        ge=0,
        description="engagement objects (meetings, calls, ...) per type kept between the "
        "read-ahead batch read and iter_engagements",
    )

    @model_validator(mode="after")
    def _old_names(self) -> Self:
        adopt_deprecated(self, _RENAMED, "HUBSPOT_")
        return self

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value
