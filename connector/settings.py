"""The connector's settings from the environment and .env (documented in .env.example); CRM
credentials live in each adapter's settings, as `SecretStr` so they never print. The change
limit's value type lives here too, where it is validated: `connector.sync.guard` applies it."""

import re
from pathlib import Path
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.durations import Seconds, adopt_deprecated, old_name

_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


class ChangeLimit(BaseModel):
    """Either an absolute number of contacts or a percentage of the contacts evaluated."""

    count: int | None = Field(default=None, ge=0)
    percent: float | None = Field(default=None, ge=0, le=100)

    @classmethod
    def parse(cls, text: str) -> "ChangeLimit":
        match = _LIMIT.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a change limit: use a number (500) or a share (5%)")
        number, percent = match.groups()
        if percent:
            return cls(percent=float(number))
        if "." in number:
            raise ValueError(f"{text!r}: a count of contacts must be a whole number")
        return cls(count=int(number))

    def allows(self, changed: int, evaluated: int, floor: int = 0) -> bool:
        if changed <= floor:
            return True
        if self.count is not None:
            return changed <= self.count
        if self.percent is not None and evaluated:
            return changed * 100 <= self.percent * evaluated
        return True

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else f"{self.count}"


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
    """How the connector logs: read before any command runs, so its settings problems are logged."""

    model_config = CONFIG

    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="info: runs, retries, guards, skips; debug: every page too"
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="log lines as text, or one JSON object per line"
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class Settings(LogSettings, BaseSettings):
    """Every connector setting (the log ones too, so `connector config` shows them)."""

    model_config = CONFIG

    crm: Literal["hubspot", "salesforce"] | None = Field(
        default=None, description="which CRM this deployment syncs"
    )
    mappings_dir: Path | None = Field(
        default=None, description="folder with rules.yaml and the CRM files (default ./mappings)"
    )
    state_url: str = Field(
        default="connector-state.sqlite",
        description="state store: a SQLite file path or any SQLAlchemy URL",
    )
    accounts_file: Path | None = Field(
        default=None, description="for --account and --all-accounts (default ./accounts.yaml)"
    )
    account: str | None = Field(
        default=None, description="this CRM account's name in the state store (default: the CRM)"
    )
    max_changes: str | None = Field(
        default=None, description="most contacts (500) or share (5%) a sync may re-stage or move"
    )
    max_changes_floor: int = Field(
        default=10, ge=0, description="the change limit never aborts this many changes or fewer"
    )
    stale_lock_seconds: Seconds = Field(
        default=1800.0, gt=0, description="a run lock older than this is taken over"
    )
    stale_lock_minutes: float | None = old_name(
        "CONNECTOR_STALE_LOCK_MINUTES", "CONNECTOR_STALE_LOCK_SECONDS", gt=0
    )
    write_buffer_records: int = Field(
        default=2000, ge=1, description="planned updates a backfill gathers (a few kB each)"
    )
    fail_on_skipped: bool = Field(
        default=False, description="exit 1 when records were skipped as unusable, not 0"
    )
    as_of: AwareDatetime | None = Field(
        default=None, description="decide as of this moment instead of now (reproducible runs)"
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
