"""Building the adapter for a CRM from settings and mapping files, and the mapping checks that
need the CRM itself. Adapters are found through the `connector.adapters` entry points, so a
third-party CRM plugs in the same way as the built-in two."""

from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any, get_type_hints

from pydantic import ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource

# The command line reaches the CRM only through the sync layer (DESIGN.md): what it needs of
# the adapters (the protocol's name for type hints, the error a CRM call ends in) it takes
# from here.
from connector.adapters.base import CrmAdapter as CrmAdapter
from connector.adapters.errors import CrmError as CrmError
from connector.mapping.crm_schema import CrmMapping

ADAPTER_GROUP = "connector.adapters"


class ConnectionConfigError(Exception):
    """The CRM cannot even be tried: unknown adapter or missing/invalid settings (exit 2)."""


class _Overrides(EnvSettingsSource):
    """Variables given by the caller, read exactly as the environment is read (prefix,
    `__` for nested settings, case), without touching `os.environ`: the process environment
    is shared by every thread and would leak one CRM's overrides into another's settings.
    (Overriding `_load_env_vars` is how pydantic-settings' own .env source extends this.)"""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        self._variables = dict(variables)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._variables)
        return {name.lower(): value for name, value in self._variables.items()}


@cache
def _adapter_class(crm: str) -> Any:
    found = {entry.name: entry for entry in entry_points(group=ADAPTER_GROUP)}
    if crm not in found:
        raise ConnectionConfigError(
            f"no adapter named {crm!r} is installed (available: {', '.join(sorted(found))})"
        )
    return found[crm].load()


def adapter_settings(crm: str, environment: Mapping[str, str] | None = None) -> Any:
    """The settings the adapter for `crm` would be configured with (ConnectionConfigError when
    they are incomplete or invalid, naming each variable)."""
    settings_class = get_type_hints(_adapter_class(crm).__init__)["settings"]
    try:
        # Values from `environment` are init arguments: they win over the process environment
        # and .env, which the settings class still reads for everything else.
        overrides = _Overrides(settings_class, environment)() if environment else {}
        return settings_class(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{settings_class.model_config.get('env_prefix', '')}"
            f"{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise ConnectionConfigError(
            f"{crm} settings are incomplete: {problems} (see .env.example)"
        ) from None


def build_adapter(
    crm: str, mapping: CrmMapping, environment: Mapping[str, str] | None = None
) -> CrmAdapter:
    """The adapter registered for `crm`, configured from the environment (and .env), with
    `environment` taking precedence (how the demo points the connector at its sandbox)."""
    return _adapter_class(crm)(adapter_settings(crm, environment), mapping)
