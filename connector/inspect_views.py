"""Read-only views of the state store and the settings for people: past runs, one person's audit
trail, and the settings in effect with where each came from (like `dbt debug` or `meltano config
list`). Rendering only; the data comes from the state store and pydantic-settings."""

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import dotenv_values
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings
from rich.console import RenderableType
from rich.table import Table

from connector.shown import shown

if TYPE_CHECKING:
    from connector.sync.accounts import AccountStatus

JSON_SCHEMA_VERSION = 1  # bumped when a --json layout of these views changes incompatibly
_AUDIT_TEXT = ("kind", "field", "old_value", "new_value", "rule")  # printed as data, never markup


def table_of(
    title: str,
    *columns: str,
    rows: Iterable[Sequence[RenderableType]] = (),
    numbers: int = 1,
    show_header: bool = True,
) -> Table:
    """A table of `rows` whose last `numbers` columns hold numbers (right-aligned)."""
    table = Table(title=title, show_header=show_header)
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index >= len(columns) - numbers else "left")
    for row in rows:
        table.add_row(*row)
    return table


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if isinstance(value, datetime) else ""


def runs_table(rows: Iterable[Mapping[str, Any]], account: str) -> Table:
    table = Table(title=f"runs of {account}, newest first")
    for column in ("run", "kind", "started", "finished", "outcome", "read", "updated", "tasks"):
        table.add_column(column, justify="right" if column in ("run", "read") else "left")
    table.add_column("rejected / skipped", justify="right")
    for row in rows:
        counts = row.get("counts") or {}
        table.add_row(
            str(row["id"]),
            row["kind"] + (" (dry run)" if row.get("dry_run") else ""),
            _when(row.get("started_at")),
            _when(row.get("finished_at")),
            shown(row.get("outcome") or "unfinished"),
            f"{counts.get('contacts_read', 0):,}",
            f"{counts.get('updates_applied', 0):,}",
            f"{counts.get('tasks_created', 0):,}",
            f"{counts.get('rejected', 0):,} / {counts.get('skipped', 0):,}",
        )
    return table


def audit_table(rows: Iterable[Mapping[str, Any]], contact_id: str) -> Table:
    columns = ("at", "run", "what", "field", "old", "new", "rule")
    table = table_of(f"audit trail of {contact_id}, oldest first", *columns, numbers=0)
    for row in rows:
        table.add_row(
            _when(row.get("at")),
            str(row.get("run_id") or ""),
            *(shown(row.get(key) or "") for key in _AUDIT_TEXT),
        )
    return table


def settings_in_effect(
    settings: Iterable[BaseSettings],
    env_file: Path = Path(".env"),
    from_env_file: Mapping[str, Path] | None = None,
) -> list[dict[str, str]]:
    """Each setting's variable, value in effect (secrets masked) and where it came from;
    `from_env_file` names the variables an `--env-file` put into the environment."""
    from_env_file = from_env_file or {}
    from_file = {k: v for k, v in dotenv_values(env_file).items() if v}  # {} without a file
    rows = []
    for instance in settings:
        prefix = str(instance.model_config.get("env_prefix", ""))
        for name, field in type(instance).model_fields.items():
            if field.deprecated:  # an old name: its value shows under the new one
                continue
            variable = f"{prefix}{name}".upper()
            value = getattr(instance, name)
            if variable in from_env_file:
                source = f"--env-file {from_env_file[variable]}"
            elif os.environ.get(variable):
                source = "environment"
            elif variable in from_file:
                source = str(env_file)
            elif any(key.startswith(f"{variable}__") for key in (*os.environ, *from_file)):
                source = "environment or .env (nested)"
            else:
                source = "default"
            if isinstance(value, SecretStr):
                shown_value = "*** (set)" if value.get_secret_value() else "(empty)"
            elif value is None:
                shown_value = "(not set)"
            elif isinstance(value, BaseModel):
                shown_value = str(value.model_dump())
            else:
                shown_value = str(value)
            rows.append({"setting": variable, "value": shown_value, "source": source})
    return rows


def settings_table(rows: Iterable[Mapping[str, str]]) -> Table:
    table = Table(title="settings in effect")
    for column in ("setting", "value", "from"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["setting"], shown(row["value"]), row["source"])
    return table


def _lag(seconds: int | None) -> str:
    if seconds is None:
        return "never synced"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def accounts_table(statuses: "Iterable[AccountStatus]", now: datetime) -> Table:
    """`connector accounts list`: one account a row; lag is how old its newest data may be."""
    columns = ("account", "crm", "every", "last run", "outcome", "watermark", "lag", "lock")
    table = table_of(f"accounts at {_when(now)}", *columns, "unset credentials", numbers=0)
    for status in statuses:
        last = status.last_run
        lock = status.lock
        table.add_row(
            shown(status.name),
            status.crm,
            _lag(status.every_seconds),
            "" if last is None else f"{last.kind} {_when(last.started_at)}",
            "" if last is None else shown(last.outcome or "unfinished"),
            _when(status.watermark),
            _lag(status.lag_seconds) + (" (behind)" if status.behind else ""),
            ""
            if lock is None
            else shown(f"pid {lock.pid} on {lock.host} since {_when(lock.heartbeat_at)}"),
            shown(", ".join(status.missing_credentials)),
        )
    return table


def accounts_run_table(results: Iterable[Mapping[str, Any]]) -> Table:
    """How each account's sync of `sync --all-accounts` ended."""
    rows = [(shown(result["account"]), str(result["exit_code"])) for result in results]
    return table_of("sync of every account", "account", "exit code", rows=rows)
