"""Everything one command needs to run against one CRM account: the validated mapping files,
the adapter, the state store and the engine — opened in that order, so a broken mapping file
stops the command before the CRM is contacted or the state store is touched."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from connector.adapters.base import CrmAdapter
from connector.domain.contact import Owner
from connector.gc_tuning import tune_for_batch_run
from connector.mapping.loader import (
    CRM_FILES,
    RULES_FILE,
    MappingSet,
    load_mapping_dir,
    owner_problems,
)
from connector.mapping.locate import LOCAL_MAPPINGS, MappingsNotFoundError, find_mappings_dir
from connector.mapping.problems import ConfigError
from connector.settings import Settings
from connector.sync.connect import build_adapter
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.state import StateStore
from connector.sync.state_check import StateCheckError


class StateStoreError(Exception):
    """The state store cannot be opened (bad URL, unwritable path): exit 2."""


@dataclass
class Session:
    crm: str
    settings: Settings
    mappings: MappingSet
    adapter: CrmAdapter
    store: StateStore
    rules_file: Path = LOCAL_MAPPINGS / RULES_FILE

    def owner_problems(self, owners: Sequence[Owner]) -> list[str]:
        """Owners rules.yaml names that the CRM lacks, each as `file:line:column: ...`."""
        return [str(p) for p in owner_problems(self.rules_file, self.mappings.rules, owners)]

    @property
    def account(self) -> str:
        return self.settings.account or self.crm

    def now(self) -> datetime:
        """The moment the command judges by: CONNECTOR_AS_OF, else the current time."""
        return self.settings.as_of or datetime.now(UTC)

    def engine(self) -> SyncEngine:
        as_of = self.settings.as_of
        return SyncEngine(
            self.adapter,
            self.mappings.rules,
            self.store,
            account=self.account,
            clock=(lambda: as_of) if as_of is not None else None,
            owner_check=self.owner_problems,
        )

    def options(self, **overrides: object) -> RunOptions:
        """Run options from the settings, overridden by what the command line says."""
        values: dict[str, object] = {
            "stale_lock_after": timedelta(seconds=self.settings.stale_lock_seconds),
            "max_changes": self.settings.change_limit(),
            "write_buffer_records": self.settings.write_buffer_records,
            "fail_on_skipped": self.settings.fail_on_skipped,
            "change_floor": self.settings.max_changes_floor,
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        return RunOptions.model_validate(values)


def open_session(
    settings: Settings, crm: str, environment: Mapping[str, str] | None = None
) -> Session:
    """Load and check the mapping files, build the adapter and open (migrating) the state store.

    Raises ConfigError (bad mapping files), ConnectionConfigError (missing CRM settings) or
    StateStoreError — all configuration problems, exit 2. The garbage collector is then set
    for the batch run that follows (`gc_tuning`).
    """
    try:
        mappings_dir = find_mappings_dir(settings.mappings_dir)
    except MappingsNotFoundError as exc:
        raise ConfigError.of(LOCAL_MAPPINGS, str(exc)) from None
    mappings = load_mapping_dir(mappings_dir)
    mapping = mappings.crms.get(crm)
    if mapping is None:
        message = f"no {CRM_FILES[crm]} in {mappings_dir}: the {crm} field mapping is required"
        raise ConfigError.of(mappings_dir / CRM_FILES[crm], f"{message} to sync it")
    adapter = build_adapter(crm, mapping, environment)
    store = open_state_store(settings.state_url)
    assert store is not None
    tune_for_batch_run()  # everything a run needs is imported and loaded by now
    return Session(crm, settings, mappings, adapter, store, mappings_dir / RULES_FILE)


def open_state_store(url: str, *, create: bool = True) -> StateStore | None:
    """The state store at `url`, migrated to the current schema, or a StateStoreError saying
    what is wrong. With `create=False` a SQLite file that does not exist yet is None (nothing
    has run), not a new empty store: looking must not leave files behind."""
    if not create and "://" not in url and not Path(url).expanduser().exists():
        return None
    try:
        return StateStore.open(url)
    except StateCheckError as exc:
        raise StateStoreError(f"{exc} (CONNECTOR_STATE_URL)") from None
    except (SQLAlchemyError, OSError) as exc:
        raise StateStoreError(
            f"cannot open the state store {url!r} (CONNECTOR_STATE_URL): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        ) from None
