"""Settings from the environment and .env (documented in .env.example).

Secrets are `SecretStr` so they never print in logs, reprs or error messages. CRM credentials
live in each adapter's own settings (HUBSPOT_*, SALESFORCE_*); these are the connector's.
"""

from pathlib import Path
from typing import Literal, Self

from pydantic import AwareDatetime, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.change_limit import ChangeLimit
from connector.durations import Seconds, adopt_deprecated, old_name

# old name -> (new name, factor to seconds): read for one deprecation cycle, with a warning
_RENAMED = {"stale_lock_minutes": ("stale_lock_seconds", 60.0)}

CONFIG = SettingsConfigDict(
    env_prefix="CONNECTOR_",
    env_file=".env",
    env_file_encoding="utf-8",
    env_ignore_empty=True,
    extra="ignore",
)


class LogSettings(BaseSettings):
    """How the connector logs. Read on its own before any command runs, so that a command's
    own settings problems are already logged (and a bad log setting is reported first)."""

    model_config = CONFIG

    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description="connector log lines on stderr at this level and above: info gives one "
        "line at each run's start and end plus retries, guard decisions, skips and rejects; "
        "debug adds every page read and write batch",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="log lines as text, or one JSON object per line"
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class Settings(LogSettings, BaseSettings):
    """Every connector setting (the log settings included, so `connector config` shows them)."""

    model_config = CONFIG

    crm: Literal["hubspot", "salesforce"] | None = Field(
        default=None, description="which CRM this deployment syncs"
    )
    mappings_dir: Path | None = Field(
        default=None,
        description="folder with rules.yaml, hubspot.yaml and salesforce.yaml (default: "
        "./mappings; `connector init` writes an editable copy of the shipped defaults)",
    )
    state_url: str = Field(
        default="connector-state.sqlite",
        description="state store: a SQLite file path or any SQLAlchemy URL",
    )
    accounts_file: Path | None = Field(
        default=None,
        description="the accounts file for `--account` and `--all-accounts` (default: "
        "./accounts.yaml); it names each account's CRM, mappings and credential variables",
    )
    account: str | None = Field(
        default=None,
        description="name of this CRM account in the state store (default: the CRM's name); "
        "give each portal or org its own when one state store serves several",
    )
    max_changes: str | None = Field(
        default=None,
        description="change-limit guard for sync: a count (500) or a share (5%) of the "
        "account's contacts whose stage or owner may change in one run",
    )
    max_changes_floor: int = Field(
        default=10,
        ge=0,
        description="the change limit never aborts a sync that changes this many people or "
        "fewer (a small account's genuine qualifications)",
    )
    stale_lock_seconds: Seconds = Field(
        default=1800.0,
        gt=0,
        description="a run lock older than this is taken over (seconds, or ISO 8601: PT30M)",
    )
    stale_lock_minutes: float | None = old_name(
        "CONNECTOR_STALE_LOCK_MINUTES", "CONNECTOR_STALE_LOCK_SECONDS", gt=0
    )
    write_buffer_records: int = Field(
        default=5000,
        ge=1,
        description="a backfill writes the CRM once this many planned updates have gathered "
        "(full batches; fewer calls). Lower it on memory-tight hosts: a few kB per contact",
    )
    fail_on_skipped: bool = Field(
        default=False,
        description="exit 1 when records were skipped as unusable (no e-mail, impossible "
        "dates), as for records the CRM rejected; by default they are reported and exit 0",
    )
    as_of: AwareDatetime | None = Field(
        default=None,
        description="decide as of this moment instead of now (reproducible dry runs, tests)",
    )

    @model_validator(mode="after")
    def _old_names(self) -> Self:
        adopt_deprecated(self, _RENAMED, "CONNECTOR_")
        return self

    @field_validator("max_changes")
    @classmethod
    def _change_limit(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            ChangeLimit.parse(value)
            return value
        return None

    def change_limit(self) -> ChangeLimit | None:
        return ChangeLimit.parse(self.max_changes) if self.max_changes else None
