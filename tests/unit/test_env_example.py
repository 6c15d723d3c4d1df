"""`.env.example` is the one place an operator learns what can be configured, so it must list
every setting of every settings class, each with a line saying what it does, with its real
default and with empty secrets.

`.env.example` copied to `.env` as it stands (secrets filled in) must also give valid settings
with the documented defaults: an empty line means "the default", never an empty path or date.
"""

import ast
import importlib
import os
import re

import pytest
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

from connector.adapters.hubspot.settings import HubSpotSettings
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.settings import Settings
from tests.factories import REPO

EXAMPLE = REPO / ".env.example"

# `NAME=value`, or `# NAME=value` for a default shown but better left unset.
ASSIGNMENT = re.compile(r"^(?P<commented># ?)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")

# Values the example recommends instead of the default (they are said so in the file).
RECOMMENDED = {"CONNECTOR_CRM", "CONNECTOR_MAX_CHANGES"}

# Required credentials, filled in as an operator would before the settings can load.
CREDENTIALS = {
    "HUBSPOT_ACCESS_TOKEN": "pat-example",
    "SALESFORCE_CLIENT_ID": "consumer-key",
    "SALESFORCE_CLIENT_SECRET": "consumer-secret",
}


def settings_classes() -> list[type[BaseSettings]]:
    """Every pydantic-settings class in the package, found in the source so a new one cannot be
    forgotten here."""
    found: list[type[BaseSettings]] = []
    package = REPO / "connector"
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                (isinstance(base, ast.Name) and base.id == "BaseSettings")
                or (isinstance(base, ast.Attribute) and base.attr == "BaseSettings")
                for base in node.bases
            ):
                module = ".".join(path.relative_to(REPO).with_suffix("").parts)
                found.append(getattr(importlib.import_module(module), node.name))
    return found


SETTINGS_CLASSES = settings_classes()


def env_names(cls: type[BaseSettings]) -> dict[str, tuple[str, ...]]:
    """Environment variable name → attribute path; nested models (the retry policy) are set one
    field at a time through the nested delimiter, so each of their fields is a variable. A
    deprecated old name is still read (with a warning) but no longer documented."""
    prefix = cls.model_config.get("env_prefix", "")
    delimiter = cls.model_config.get("env_nested_delimiter")
    names: dict[str, tuple[str, ...]] = {}
    for name, field in cls.model_fields.items():
        if field.deprecated:
            continue
        nested = field.annotation
        if delimiter and isinstance(nested, type) and issubclass(nested, BaseModel):
            for sub in nested.model_fields:
                names[f"{prefix}{name}{delimiter}{sub}".upper()] = (name, sub)
        else:
            names[f"{prefix}{name}".upper()] = (name,)
    return names


def value_at(settings: BaseSettings, path: tuple[str, ...]) -> object:
    value: object = settings
    for part in path:
        value = getattr(value, part)
    return value


def documented() -> dict[str, tuple[str, bool]]:
    """Variable name → (value, commented out) for every setting line in the example."""
    lines: dict[str, tuple[str, bool]] = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ASSIGNMENT.match(line)
        if match:
            assert match["name"] not in lines, f"{match['name']} is documented twice"
            lines[match["name"]] = (match["value"], bool(match["commented"]))
    return lines


def is_secret(cls: type[BaseSettings], field: str) -> bool:
    annotation = cls.model_fields[field].annotation
    return annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ())


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("CONNECTOR_", "HUBSPOT_", "SALESFORCE_")):
            monkeypatch.delenv(name)


def test_the_settings_classes_are_all_found():
    assert {Settings, HubSpotSettings, SalesforceSettings} <= set(SETTINGS_CLASSES)


def test_the_connector_settings_parse_with_their_documented_values(clean_env):
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.crm == "hubspot"
    assert settings.mappings_dir is None  # empty: ./mappings, else `connector init`
    assert settings.state_url == "connector-state.sqlite"
    assert settings.account is None and settings.as_of is None
    assert str(settings.change_limit()) == "5%"


def test_the_crm_settings_parse_once_the_secrets_are_filled_in(clean_env, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    hubspot = HubSpotSettings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert hubspot.base_url == "https://api.hubapi.com"
    assert hubspot.burst_limit == 100
    salesforce = SalesforceSettings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert salesforce.ca_file is None and salesforce.jwt_private_key_file is None
    assert salesforce.login_url == "https://login.salesforce.com"


@pytest.mark.parametrize("cls", SETTINGS_CLASSES, ids=lambda cls: cls.__name__)
def test_every_setting_is_documented(cls):
    prefix = cls.model_config["env_prefix"]
    listed = {name for name in documented() if name.startswith(prefix)}
    # a class read on its own ahead of the rest (LogSettings) shares its prefix with the rest
    sharing = [other for other in SETTINGS_CLASSES if other.model_config["env_prefix"] == prefix]
    expected = set().union(*(env_names(other) for other in sharing))
    assert set(env_names(cls)) <= expected
    assert sorted(expected - listed) == [], "settings missing from .env.example"
    assert sorted(listed - expected) == [], ".env.example lists settings that do not exist"


def test_every_setting_line_has_its_own_explanation():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    unexplained = [
        line
        for before, line in zip(["", *lines], lines, strict=False)
        if ASSIGNMENT.match(line) and not (before.startswith("#") and not ASSIGNMENT.match(before))
    ]
    assert unexplained == []


@pytest.mark.parametrize("cls", SETTINGS_CLASSES, ids=lambda cls: cls.__name__)
def test_secrets_are_empty_placeholders(cls):
    lines = documented()
    for name, path in env_names(cls).items():
        if is_secret(cls, path[0]):
            assert lines[name] == ("", False), f"{name} must be an empty, uncommented line"


@pytest.mark.parametrize("cls", SETTINGS_CLASSES, ids=lambda cls: cls.__name__)
def test_documented_values_are_the_defaults(cls, clean_env, monkeypatch):
    """Commented-out values included: a default shown in the example that the code no longer
    has misleads whoever tunes it."""
    names = env_names(cls)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    defaults = cls(_env_file=None)  # type: ignore[call-arg]
    for name, (value, _commented) in documented().items():
        if name in names and value and name not in CREDENTIALS:
            monkeypatch.setenv(name, value)
    example = cls(_env_file=None)  # type: ignore[call-arg]
    differing = {
        name for name, path in names.items() if value_at(example, path) != value_at(defaults, path)
    }
    assert differing == RECOMMENDED & set(names)
