"""Many CRM accounts in one configuration: the accounts file and what each account's run sees.

An agency or a RevOps team syncs several HubSpot portals and Salesforce orgs. Each account is
one entry of `accounts.yaml`: its CRM, its mappings folder, its change limit and schedule, and
*where* each credential comes from — the name of an environment variable, never the secret
itself, so the file can be reviewed in git like the rules are.

A run for one account is an ordinary run whose settings are the account's: the entry becomes
the environment of that run (`environment_for`), read by the same settings classes as a
single-account deployment. One process runs one account, so nothing of one account's settings
can leak into another's; `--all-accounts` starts one process per account.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from connector.durations import Seconds
from connector.mapping.loader import load_model
from connector.mapping.problems import ConfigError
from connector.settings import ChangeLimit

if TYPE_CHECKING:
    from connector.sync.state import StateStore

#: the default file, looked up in the working directory (CONNECTOR_ACCOUNTS_FILE overrides)
ACCOUNTS_FILE = "accounts.yaml"
_VARIABLE = re.compile(r"[A-Z_][A-Z0-9_]*")
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
#: settings that hold secrets: never written in the file, only named as a variable to read
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY")
#: settings an account's own keys set (crm, name, mappings, max_changes), never `settings`
_OWN_KEYS = {f"CONNECTOR_{key}" for key in ("CRM", "ACCOUNT", "MAPPINGS_DIR", "MAX_CHANGES")}
#: the shortest schedule: a sync needs a minute; a smaller number is likely a unit mistake
SHORTEST_INTERVAL = 60.0


def _setting_name(value: str) -> str:
    if not _VARIABLE.fullmatch(value):
        raise ValueError(f"{value!r} is not a setting name like HUBSPOT_ACCESS_TOKEN")
    return value


def _variable_name(value: str) -> str:
    if not _VARIABLE.fullmatch(value):
        # Never echo the value: it may be the secret pasted by mistake.
        raise ValueError(
            "give the name of the environment variable that holds it (like "
            "ACME_HUBSPOT_TOKEN), never the secret itself"
        )
    return value


SettingName = Annotated[str, AfterValidator(_setting_name)]
VariableName = Annotated[str, AfterValidator(_variable_name)]
SettingValue = str | int | float | bool


class Account(BaseModel):
    """One CRM portal or org, as its entry in accounts.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="the account's key in the state store and on the command line")
    crm: Literal["hubspot", "salesforce"]
    mappings: Path | None = Field(
        default=None, description="its mappings folder, relative to the accounts file"
    )
    every: Seconds = Field(
        default=900.0, description="how often it is synced: seconds or an ISO 8601 duration"
    )
    max_changes: str | None = Field(default=None, description="its change limit: 500 or 5%")
    credentials: dict[SettingName, VariableName] = Field(
        default_factory=dict,
        description="connector setting → the environment variable that holds its value",
    )
    settings: dict[SettingName, SettingValue] = Field(
        default_factory=dict, description="other, non-secret settings of this account's runs"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError(
                f"{value!r}: an account name is lower-case letters, digits, '-', '_' or '.'"
            )
        return value

    @field_validator("every")
    @classmethod
    def _every(cls, value: float) -> float:
        if value < SHORTEST_INTERVAL:
            raise ValueError(f"{value:g} s is under a minute: a sync needs at least a minute")
        return value

    @field_validator("max_changes")
    @classmethod
    def _max_changes(cls, value: str | None) -> str | None:
        if value is not None:
            ChangeLimit.parse(value)
        return value

    @field_validator("settings")
    @classmethod
    def _settings(cls, value: dict[str, SettingValue]) -> dict[str, SettingValue]:
        for setting in value:
            if any(word in setting for word in _SECRET_WORDS):
                raise ValueError(
                    f"{setting} is a secret: move it to `credentials` as the name of the "
                    "environment variable that holds it"
                )
            if setting in _OWN_KEYS:
                raise ValueError(f"{setting} is set by the account's own keys, not in `settings`")
        return value

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.every)


class AccountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[Account] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "AccountsFile":
        names = [account.name for account in self.accounts]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"account names must be unique; given twice: {', '.join(twice)}")
        return self


class AccountSet:
    """The accounts of one file, with paths resolved against the file's folder."""

    def __init__(self, path: Path, accounts: list[Account]) -> None:
        self.path = path
        self.accounts = accounts

    @classmethod
    def load(cls, path: Path) -> "AccountSet":
        """accounts.yaml → its accounts, or a ConfigError naming file, line and field."""
        return cls(path, load_model(path, AccountsFile).accounts)

    def get(self, name: str) -> Account:
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(account.name for account in self.accounts)
        raise ConfigError.of(self.path, f"no account named {name!r} (known: {known})")

    def environment_for(self, account: Account, environ: Mapping[str, str]) -> dict[str, str]:
        """The settings a run of `account` gets on top of the process environment.

        Each credential is read from the variable the file names; a variable that is unset is
        an error naming the account, the setting and the variable (never a value).
        """
        missing = [
            f"{setting} (from ${variable})"
            for setting, variable in account.credentials.items()
            if not environ.get(variable)
        ]
        if missing:
            raise ConfigError.of(
                self.path,
                f"unset in the environment: {', '.join(missing)}; export them (or put them in "
                ".env) before running this account",
                field=f"{account.name}.credentials",
            )
        overlay = {setting: _text(value) for setting, value in account.settings.items()}
        overlay |= {setting: environ[variable] for setting, variable in account.credentials.items()}
        overlay |= {"CONNECTOR_CRM": account.crm, "CONNECTOR_ACCOUNT": account.name}
        if account.mappings is not None:
            overlay["CONNECTOR_MAPPINGS_DIR"] = str(self.path.parent / account.mappings)
        if account.max_changes is not None:
            overlay["CONNECTOR_MAX_CHANGES"] = account.max_changes
        return overlay


def _text(value: SettingValue) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def find_accounts_file(given: Path | None) -> Path:
    """The accounts file: the one given (CONNECTOR_ACCOUNTS_FILE or --accounts-file), else
    ./accounts.yaml; a ConfigError saying what to do when there is none."""
    path = given if given is not None else Path(ACCOUNTS_FILE)
    if not path.is_file():
        raise ConfigError.of(
            path,
            "no accounts file here: write one (README, 'Running many accounts') or point "
            "CONNECTOR_ACCOUNTS_FILE at it",
        )
    return path


class LastRun(BaseModel):
    kind: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None


class LockInfo(BaseModel):
    """Who holds an account's run lock (`StateStore.lock_holder`); here, free of SQLAlchemy."""

    holder: str
    host: str
    pid: int
    heartbeat_at: datetime


class AccountStatus(BaseModel):
    """One line of `connector accounts list`: is this account synced on schedule?"""

    name: str
    crm: str
    every_seconds: int
    missing_credentials: list[str]
    last_run: LastRun | None
    #: the oldest of the account's object watermarks: everything before it has been synced
    watermark: datetime | None
    lag_seconds: int | None
    lock: LockInfo | None

    @property
    def behind(self) -> bool:
        """Never synced, or its data older than two schedule intervals."""
        return self.lag_seconds is None or self.lag_seconds > 2 * self.every_seconds


def account_status(
    account: Account, store: "StateStore | None", environ: Mapping[str, str], now: datetime
) -> AccountStatus:
    """What the state store knows of `account` (None: no state store exists yet)."""
    runs = store.last_runs(account.name, 1) if store is not None else []
    marks = store.watermarks(account.name) if store is not None else {}
    oldest = min(marks.values()) if marks else None
    return AccountStatus(
        name=account.name,
        crm=account.crm,
        every_seconds=int(account.interval.total_seconds()),
        missing_credentials=[
            variable for variable in account.credentials.values() if not environ.get(variable)
        ],
        last_run=LastRun.model_validate(runs[0]) if runs else None,
        watermark=oldest,
        lag_seconds=None if oldest is None else max(0, int((now - oldest).total_seconds())),
        lock=store.lock_holder(account.name) if store is not None else None,
    )
