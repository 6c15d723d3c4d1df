"""What every adapter's settings share: read from the environment and .env under the CRM's
prefix, nested values (the retry policy) with `__`."""

from pydantic_settings import SettingsConfigDict


def crm_settings_config(env_prefix: str) -> SettingsConfigDict:
    """The settings configuration of one CRM's adapter (`HUBSPOT_`, `SALESFORCE_`, ...)."""
    return SettingsConfigDict(
        env_prefix=env_prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        env_ignore_empty=True,  # an empty line copied from .env.example means "the default"
        extra="ignore",
    )
