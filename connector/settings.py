"""Settings from the environment and .env (documented in .env.example).

Secrets are `SecretStr` so they never print in logs, reprs or error messages.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CONNECTOR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    crm: Literal["hubspot", "salesforce"] | None = Field(
        default=None, description="which CRM this deployment syncs"
    )
    mappings_dir: Path = Field(default=Path("mappings"), description="rules and mapping files")
