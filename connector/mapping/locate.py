"""Where the rules and CRM mapping files are: `CONNECTOR_MAPPINGS_DIR`, then `./mappings`, else
run `connector init` (an editable copy of the shipped defaults and a `.env`, as `dbt init` does).
Only the demo uses the shipped files directly: it runs from an empty folder."""

from importlib import resources
from pathlib import Path

LOCAL_MAPPINGS = Path("mappings")


class MappingsNotFoundError(Exception):
    """No rules and mapping files where the connector looks for them."""


def packaged_defaults() -> Path:
    return Path(str(resources.files("connector") / "defaults" / "mappings"))


def packaged_env_example() -> Path:
    return Path(str(resources.files("connector") / "defaults" / "env.example"))


def find_mappings_dir(configured: Path | None) -> Path:
    """`configured` (CONNECTOR_MAPPINGS_DIR) when set, else ./mappings when it exists."""
    if configured is not None:
        if not configured.is_dir():
            raise MappingsNotFoundError(
                f"CONNECTOR_MAPPINGS_DIR is {configured}, which is not a folder. Point it at the "
                "folder holding rules.yaml, or run `connector init` to write one."
            )
        return configured
    if LOCAL_MAPPINGS.is_dir():
        return LOCAL_MAPPINGS
    raise MappingsNotFoundError(
        "No rules and mapping files here: CONNECTOR_MAPPINGS_DIR is not set and there is no "
        "./mappings folder. Run `connector init` to write an editable, commented copy of the "
        "defaults (and a .env) into this folder."
    )
