"""The `connector` command line: parses arguments, calls the layers below, prints results.

No logic lives here (see DESIGN.md); exit codes follow the convention there:
0 ok, 1 finished with rejected records, 2 bad configuration or usage, 3 aborted by a guard,
4 CRM unreachable, failing or auth failed, 5 an unexpected internal error (see `main`).
"""

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from connector.shown import shown

# Everything else is imported inside the command that needs it: the CRM SDKs, SQLAlchemy and
# Alembic, the sandboxes and the rules engine cost over a second to import, and `--help`, a
# usage error or `mappings validate --offline` need none of them. tests/unit/test_cli_imports.py
# keeps it that way.
if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_settings import BaseSettings
    from rich.table import Table

    from connector.calibrate.outcomes import OutcomeRules
    from connector.mapping.problems import ConfigProblem
    from connector.settings import Settings
    from connector.sync.accounts import AccountSet
    from connector.sync.connect import CrmAdapter
    from connector.sync.engine import Progress
    from connector.sync.guard import ChangeLimit
    from connector.sync.report import RunSummary
    from connector.sync.session import Session

SettingsT = TypeVar("SettingsT", bound="BaseSettings")

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_CONFIG = 2
EXIT_CRASH = 5  # an unexpected failure (a bug): never 1, which means "records rejected"
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report a process ended by SIGINT

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    help="Readable, reviewable lead scoring and lifecycle rules for HubSpot and Salesforce.",
    no_args_is_help=True,
    add_completion=False,
    context_settings=HELP_OPTIONS,
    # Typer's pretty tracebacks print local variables: request headers among them.
    pretty_exceptions_enable=False,
)


def _group(name: str, summary: str) -> typer.Typer:
    """A command group (`connector <name> ...`) with the app's help options."""
    group = typer.Typer(help=summary, no_args_is_help=True, context_settings=HELP_OPTIONS)
    app.add_typer(group, name=name)
    return group


mappings_app = _group("mappings", "Check and prepare the rules and field-mapping files.")
accounts_app = _group(
    "accounts", "The CRM accounts of the accounts file and how their syncs stand."
)
sandbox_app = _group("sandbox", "Run the HubSpot and Salesforce API emulators.")

#: settings variables that --env-file supplied (not set in the environment before), for `config`
FROM_ENV_FILE: dict[str, Path] = {}

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)  # one problem per line, never wrapped


def _fail(message: object, code: int = EXIT_CONFIG) -> NoReturn:
    """Stop the command: one line on stderr (data-safe, see connector.shown) and `code`."""
    errors.print(shown(message))
    raise typer.Exit(code)


@contextmanager
def _reported(*plain: type[Exception]) -> Iterator[None]:
    """The failures every command reports alike, in a line or a list and never a traceback:
    configuration problems (file:line each, exit 2), the CRM's own failure (its exit code), and
    the command's `plain` errors, whose message already says what to do (exit 2)."""
    from connector.mapping.problems import ConfigError
    from connector.sync.connect import CrmError

    try:
        yield
    except ConfigError as exc:
        _print_config_problems(exc.problems)
        raise typer.Exit(EXIT_CONFIG) from None
    except CrmError as exc:
        _fail(exc, exc.exit_code)
    except plain as exc:
        _fail(exc)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        console.print(shown(f"connector {version('crm-lifecycle-connector')}"))
        raise typer.Exit(EXIT_OK)


@app.callback()
def _common(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    env_file: Annotated[
        Path | None,
        typer.Option(
            help="Read settings from this file too (the environment wins over it, and it wins "
            "over ./.env).",
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            help="Log lines on stderr from this level up: debug, info, warning or error "
            "(default: CONNECTOR_LOG_LEVEL, else info: each run's start and end, retries, "
            "guard decisions, skips and rejects).",
        ),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            help="text, or json: one object per line (default: CONNECTOR_LOG_FORMAT, else text).",
        ),
    ] = None,
) -> None:
    """Readable, reviewable lead scoring and lifecycle rules for HubSpot and Salesforce."""
    if env_file is not None:
        from dotenv import dotenv_values, load_dotenv

        if not env_file.is_file():
            _fail(f"--env-file {env_file}: no such file")
        # Loaded into the process environment without overriding it, so every settings class
        # (the connector's and each adapter's) sees it exactly as if it had been exported.
        FROM_ENV_FILE.update(
            {name: env_file for name in dotenv_values(env_file) if name not in os.environ}
        )
        load_dotenv(env_file, override=False)
    # Set up before any command runs, so every command logs the same way: as the options say,
    # else CONNECTOR_LOG_LEVEL/FORMAT (environment, .env), else info as text.
    from connector.logs import configure_logging
    from connector.settings import LogSettings

    chosen = _loaded(LogSettings, log_level=log_level, log_format=log_format)
    configure_logging(chosen.log_level, chosen.log_format)


def _loaded(kind: "type[SettingsT]", hint: str = "", **options: str | None) -> "SettingsT":
    """`kind` from the `options` given (None: not given), else the environment and .env; a bad
    value is a usage error (exit 2) naming the option or the variable, never a traceback."""
    from pydantic import ValidationError

    given = {name: value for name, value in options.items() if value is not None}
    try:
        return kind(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = "_".join(str(part) for part in error["loc"])
            option = "--" + field.replace("_", "-")
            source = option if field in given else f"CONNECTOR_{field.upper()}"
            errors.print(shown(f"{source}: {error['msg']}{hint}"))
        raise typer.Exit(EXIT_CONFIG) from None


def _settings() -> "Settings":
    """Settings from the environment and .env (a bad value: exit 2, see `_loaded`)."""
    from connector.settings import Settings

    return _loaded(Settings, " (see .env.example)")


AccountOption = Annotated[
    str | None,
    typer.Option(
        help="Run for this account of the accounts file (CONNECTOR_ACCOUNTS_FILE, default "
        "./accounts.yaml): its CRM, mappings, change limit and credential variables.",
    ),
]


def _account_set(settings: "Settings") -> "AccountSet":
    from connector.sync.accounts import AccountSet, find_accounts_file

    with _reported():
        return AccountSet.load(find_accounts_file(settings.accounts_file))


def _use_account(name: str | None) -> None:
    """Make this process the run of account `name`: its entry's settings and credentials
    become the environment every settings class reads, exactly as if they had been exported.
    One process runs one account, so nothing of it reaches another account's run."""
    if name is None:
        return
    accounts = _account_set(_settings())
    with _reported():
        os.environ.update(accounts.environment_for(accounts.get(name), os.environ))


def _mappings_dir(settings: "Settings") -> Path:
    """CONNECTOR_MAPPINGS_DIR, else ./mappings; otherwise say to run `connector init` (exit 2)."""
    from connector.mapping.locate import MappingsNotFoundError, find_mappings_dir

    with _reported(MappingsNotFoundError):
        return find_mappings_dir(settings.mappings_dir)


def _print_config_problems(
    problems: "list[ConfigProblem]", outcome: str | None = "; nothing was run"
) -> None:
    """Each problem on a line (file:line: what to do), then their count and `outcome`."""
    for problem in problems:
        errors.print(shown(str(problem)))
    if outcome is not None:
        errors.print(f"{len(problems)} problem(s) found{outcome}.", style="bold red")


def _open(
    crm: str | None,
    account: str | None = None,
    environment: "Mapping[str, str] | None" = None,
    settings: "Settings | None" = None,
) -> "Session":
    """The run of `account` (`_use_account`): mapping files, adapter and state store, or a
    clear configuration error (exit 2). `environment`: adapter settings that win over the
    environment for this command."""
    from connector.sync.connect import ConnectionConfigError
    from connector.sync.session import StateStoreError, open_session

    _use_account(account)
    settings = settings or _settings()
    chosen = _crm_choice(crm, settings)
    with _reported(ConnectionConfigError, StateStoreError):
        session = open_session(settings, chosen, environment)
    if session.store.created:
        errors.print(
            shown(
                f"Created a new, empty state store at {session.store.location} "
                "(CONNECTOR_STATE_URL). If you expected an existing one, check the setting."
            )
        )
    return session


def _print_json(kind: str, payload: "BaseModel | dict[str, Any]") -> None:
    """Every --json has one layout: an object naming its `kind` and the `schema_version` of
    the layouts (connector.render.JSON_SCHEMA_VERSION), then the command's own fields."""
    import json

    from connector.render import JSON_SCHEMA_VERSION

    body = payload if isinstance(payload, dict) else payload.model_dump(mode="json")
    header = {"schema_version": JSON_SCHEMA_VERSION, "kind": kind}
    print(json.dumps({**header, **body}, indent=2, default=str))


def _plan_choice(plan: str) -> str:
    if plan not in ("summary", "full"):
        _fail(f"--plan must be summary or full, not {plan!r}")
    return plan


def _show(
    kind: str,
    result: Any,
    as_json: bool,
    view: "Callable[[Console, Any], object] | Table",
    code: int = EXIT_OK,
) -> NoReturn:
    """A command's result, then its exit code: JSON for machines (see `_print_json`), else for
    people: `view(console, result)`, or `view` itself when it is a table."""
    if as_json:
        _print_json(kind, result)
    elif callable(view):
        view(console, result)
    else:
        console.print(view)
    raise typer.Exit(code)


def _finish(summary: "RunSummary", as_json: bool, plan: str = "summary") -> None:
    from connector.render import print_plan, print_summary

    if not as_json and summary.dry_run and summary.outcome != "failed":
        print_plan(console, summary, full=plan == "full")
    _show(summary.kind, summary, as_json, print_summary, summary.exit_code)


def _change_limit(text: str | None) -> "ChangeLimit | None":
    if text is None:
        return None
    from connector.sync.guard import ChangeLimit

    try:
        return ChangeLimit.parse(text)
    except ValueError as exc:
        _fail(f"--max-changes: {exc}")


CrmOption = Annotated[
    str | None,
    typer.Option(help="hubspot or salesforce (default: CONNECTOR_CRM)."),
]
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Print the exact plan; write nothing to the CRM or the state."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")]
PlanOption = Annotated[
    str,
    typer.Option(
        callback=_plan_choice,
        help="What a dry run prints: 'summary' (an overview and the first 20 people) or 'full' "
        "(every person).",
    ),
]


@app.command()
def sync(
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    max_changes: Annotated[
        str | None,
        typer.Option(
            help="Abort (exit 3) before any write if more contacts than this (500) or this "
            "share (5%) would change stage or owner. Default: CONNECTOR_MAX_CHANGES.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write even when the change limit is exceeded.")
    ] = False,
    from_scratch: Annotated[
        bool,
        typer.Option(
            "--from-scratch",
            help="Allow a sync on a state store with no backfill or earlier sync: it reads and "
            "decides every contact.",
        ),
    ] = False,
    plan: PlanOption = "summary",
    crm: CrmOption = None,
    account: AccountOption = None,
    all_accounts: Annotated[
        bool,
        typer.Option(
            "--all-accounts",
            help="Sync every account of the accounts file, one after the other, each in its "
            "own process; exits with the highest exit code of any.",
        ),
    ] = False,
) -> None:
    """Incremental sync: every contact changed since the last run, scored, staged, routed and
    written back. Meant for cron or any scheduler; one run per CRM account at a time.

    Exit codes: 0 ok, 1 some records rejected (or skipped, with CONNECTOR_FAIL_ON_SKIPPED),
    2 configuration, 3 change limit or another run holds the lock, 4 CRM unreachable or
    failing (e.g. a paging cursor handed back twice), auth failed or daily limit reached,
    5 internal error.
    """
    if all_accounts:
        if account is not None or crm is not None:
            _fail("--all-accounts runs every account: give neither --account nor --crm")
        _sync_all_accounts(sys.argv, as_json)
    limit = _change_limit(max_changes)
    session = _open(crm, account)
    options = session.options(
        dry_run=dry_run,
        force=force,
        max_changes=limit,
        require_history=not (from_scratch or dry_run),
    )
    _finish(session.engine().sync(options), as_json, plan)


def _sync_all_accounts(argv: list[str], as_json: bool) -> None:
    """One `connector sync --account NAME` process per account, in the file's order, with the
    options given here; a table (or JSON) of how each ended."""
    import json
    import subprocess

    from connector.render import accounts_run_table

    accounts = _account_set(_settings())
    at = argv.index("sync")
    common, passed = argv[1:at], [arg for arg in argv[at + 1 :] if arg != "--all-accounts"]
    results: list[dict[str, Any]] = []
    for entry in accounts.accounts:
        command = [sys.executable, "-m", "connector", *common, "sync", *passed]
        command += ["--account", entry.name]
        if not as_json:
            errors.print(shown(f"── {entry.name} ({entry.crm}) ──"))
        done = subprocess.run(command, stdout=subprocess.PIPE if as_json else None, text=True)
        summary = None
        if as_json and done.stdout.strip():
            with suppress(ValueError):
                summary = json.loads(done.stdout)
        results.append({"account": entry.name, "exit_code": done.returncode, "summary": summary})
    worst = max(result["exit_code"] for result in results)
    body = {"exit_code": worst, "accounts": results}
    _show("sync-all-accounts", body, as_json, accounts_run_table(results), worst)


@app.command()
def backfill(
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue an interrupted backfill after its last finished page."
        ),
    ] = False,
    plan: PlanOption = "summary",
    crm: CrmOption = None,
    account: AccountOption = None,
) -> None:
    """A full pass over every contact, page by page, with a progress bar. Checkpoints after
    each page's writes, so --resume after a crash or Ctrl-C redoes no finished page."""
    session = _open(crm, account)
    engine = session.engine()
    options = session.options(dry_run=dry_run, resume=resume)
    with _ctrl_c_seen() as interrupted:
        try:
            with _progress_bar(as_json) as progress:
                summary = engine.backfill(options, progress=progress)
        except BaseException:
            # Ctrl-C raises KeyboardInterrupt wherever Python happens to be; inside a library
            # that converts exceptions (pydantic's serializer does) it arrives as another one.
            if interrupted:
                _interrupted_backfill(session, dry_run)
            raise
    _finish(summary, as_json, plan)


def _progress_bar(as_json: bool) -> "AbstractContextManager[Progress | None]":
    """A backfill's progress bar on stderr for people; none with --json, which is for machines."""
    if as_json:
        return nullcontext()
    from connector.render import progress_bar

    return progress_bar(errors, "backfill")


@contextmanager
def _ctrl_c_seen() -> Iterator[list[int]]:
    """A list that gets an entry when Ctrl-C (SIGINT) arrives; Ctrl-C still interrupts."""
    import signal

    seen: list[int] = []

    def note_and_interrupt(signum: int, _frame: object) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, note_and_interrupt)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupted_backfill(session: "Session", dry_run: bool) -> None:
    """Ctrl-C: say what was kept and how to go on, instead of click's bare "Aborted!"."""
    if dry_run:
        errors.print("Interrupted. A dry run writes nothing, so nothing was kept.")
    else:
        done = session.store.checkpoint(session.account, "backfill")
        kept = (
            f"{done.pages_done:,} finished page(s) ({done.records_done:,} contacts) are kept"
            if done is not None
            else "no page had finished yet"
        )
        errors.print(
            f"Interrupted. {kept}; journaled writes are finished by the next run. "
            "`connector backfill --resume` continues after the last finished page."
        )
    raise typer.Exit(EXIT_INTERRUPTED)


@app.command()
def explain(
    contact: Annotated[str, typer.Argument(help="The contact's CRM record id or e-mail address.")],
    as_json: JsonOption = False,
    crm: CrmOption = None,
) -> None:
    """One contact's score rule by rule, fit grade, the stage move it would get and why, the
    owner decision and the follow-up task — read live from the CRM, nothing written."""

    from connector.render import print_explanations
    from connector.sync.explain import ContactNotFoundError, explain_contact

    session = _open(crm)
    now = session.now()
    with _reported(ContactNotFoundError):
        result = explain_contact(
            session.adapter, session.mappings.rules, session.store, session.account, contact, now
        )
    contacts = [item.model_dump(mode="json") for item in result.explanations]
    body = {"contacts": contacts, "unusable": [problem.model_dump() for problem in result.unusable]}
    code = EXIT_REJECTED if result.unusable and not result.explanations else EXIT_OK
    _show("explain", body, as_json, lambda out, _: print_explanations(out, result), code)


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--since: {text!r} is not a date like 2026-11-01")


def _write_page(out: Path | None, default: str, as_json: bool, html: Callable[[], str]) -> Path:
    """report and whatif: the HTML page at --out (else `default`), unless only --json was asked
    for; the path it was written to."""
    path = out or Path(default)
    if out is None and as_json:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html(), encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: cannot write it ({exc.strerror or exc}): check --out")
    return path


OutOption = Annotated[Path | None, typer.Option(help="Where to write the HTML page.")]


@app.command()
def report(
    since: Annotated[
        str | None, typer.Option(help="Start of the period (YYYY-MM-DD); default all.")
    ] = None,
    out: OutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    spend: Annotated[
        Path | None,
        typer.Option(help="CSV of source,period,amount: adds cost per MQL and SQL."),
    ] = None,
    crm: CrmOption = None,
) -> None:
    """The funnel report: stages now and the flow between them, conversion by source, intent
    and persona, speed to lead, owner load, score distribution, recycle reasons and (with
    --spend) cost per MQL/SQL. Reads the state store and the CRM; writes neither.

    Writes one self-contained HTML page (default report.html; opens offline) and prints its
    path, or the same figures as JSON with --json (and the page too when --out is given).
    """
    from connector.insight.html import render_report
    from connector.insight.run import run_report
    from connector.insight.spend import SpendError

    day = _since(since)
    session = _open(crm)
    with _reported(SpendError):  # each bad line of the spend file on a line of its own
        figures = run_report(session, session.now(), day, spend)
    path = _write_page(out, "report.html", as_json, lambda: render_report(figures))
    written = shown(f"report written to {path.resolve()}")
    _show("report", figures, as_json, lambda out, _: out.print(written))


SuccessFromOption = Annotated[
    str,
    typer.Option(
        help="Earliest stage that counts as converted (sql, opportunity or customer); a deal "
        "or a qualified lead status counts too.",
    ),
]
IdleDaysOption = Annotated[
    int,
    typer.Option(
        min=0,
        help="No activity for this many days counts as not converted (as do rejected, "
        "disqualified, nurtured and recycled people).",
    ),
]
HoldoutOption = Annotated[
    float,
    typer.Option(min=0.01, max=0.99, help="Share of people held out (by hashed CRM id)."),
]
SplitSeedOption = Annotated[int, typer.Option(help="Seed of the split.")]
SplitByOption = Annotated[
    str | None,
    typer.Option(
        help="Split by this mapped property (an external id, say) instead of the CRM id, so "
        "two CRMs holding the same people hold out the same ones.",
    ),
]


def _read_only(
    crm: str | None, success_from: str, idle_days: int
) -> "tuple[Session, OutcomeRules]":
    """calibrate and backtest: the fitting extra they need and the outcome rules, checked before
    anything is opened; then a session whose adapter only reads."""
    from pydantic import ValidationError

    from connector.calibrate.errors import CalibrationError, require_sklearn
    from connector.calibrate.outcomes import OutcomeRules

    with _reported(CalibrationError):
        require_sklearn()
    try:
        outcomes = OutcomeRules.model_validate(
            {"success_from": success_from, "idle_days": idle_days}
        )
    except ValidationError as exc:
        _fail(f"--success-from: {exc.errors()[0]['msg']}")
    return _open(crm, environment=READ_ONLY_SETTINGS), outcomes


#: Adapter settings for the commands that only read (calibrate, backtest). HubSpot's echo
#: filter otherwise keeps, for every contact read, what stamping its write would need (up to
#: HUBSPOT_ECHO_MEMORY_CONTACTS, 200,000): writes these commands never make, and the memory
#: that grew with the people in `calibrate` (bench/README.md, calibration at 100,000 people).
READ_ONLY_SETTINGS = {"HUBSPOT_ECHO_MEMORY_CONTACTS": "0"}


@app.command()
def calibrate(
    out: Annotated[
        Path, typer.Option(help="Where to write the proposed rules file (and its .svg).")
    ],
    as_json: JsonOption = False,
    success_from: SuccessFromOption = "sql",
    idle_days: IdleDaysOption = 90,
    holdout: HoldoutOption = 0.3,
    split_seed: SplitSeedOption = 42,
    split_by: SplitByOption = None,
    min_support: Annotated[
        int, typer.Option(min=1, help="Fewest people a rule must fire for.")
    ] = 30,
    points_per_logit: Annotated[
        float,
        typer.Option(min=0.1, help="Points per unit of log-odds."),
    ] = 10.0,
    target_rate: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=1.0,
            help="MQL -> conversion rate the proposed threshold must reach (default: twice "
            "the base rate).",
        ),
    ] = None,
    sample_size: Annotated[
        int,
        typer.Option(
            min=100,
            help="Most training rows the fit holds (half per outcome); beyond, a uniform "
            "sample, so memory stays flat however many people the CRM holds.",
        ),
    ] = 50_000,
    holdout_size: Annotated[
        int,
        typer.Option(min=100, help="Most held-out people measured; beyond, a sample."),
    ] = 50_000,
    crm: CrmOption = None,
) -> None:
    """Learn whole-number points from the CRM's sales outcomes and propose a rules file.

    Reads every person and their engagement (read-only, page by page), fits points for the
    behaviour rules and fit criteria on a training part (L1 logistic regression), measures them
    on the held-out part (AUC, lift per decile, the MQL threshold trade-off) and writes the
    current rules.yaml with only the learned values changed, each with a comment giving its
    evidence. Needs the extra: pip install 'crm-lifecycle-connector[calibrate]'.
    """
    session, outcomes = _read_only(crm, success_from, idle_days)
    from connector.calibrate.calibrate import calibrate as run_calibration
    from connector.calibrate.errors import CalibrationError
    from connector.calibrate.fit import CalibrateOptions
    from connector.calibrate.tables import print_calibration

    options = CalibrateOptions(
        outcomes=outcomes,
        holdout_share=holdout,
        split_seed=split_seed,
        split_by=split_by,
        min_support=min_support,
        points_per_logit=points_per_logit,
        target_rate=target_rate,
        sample_size=sample_size,
        holdout_size=holdout_size,
    )
    with _reported(CalibrationError):
        report = run_calibration(
            session.adapter, session.mappings.rules, session.rules_file, out, options, session.now()
        )
    _show("calibrate", report, as_json, print_calibration)


@app.command()
def whatif(
    rules: Annotated[Path, typer.Option(help="The proposed rules file (a changed rules.yaml).")],
    mappings: Annotated[
        Path | None,
        typer.Option(help="Directory of the live rules and CRM files."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the difference as JSON.")] = False,
    out: OutOption = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Read every person from the CRM now.")
    ] = False,
    crm: CrmOption = None,
) -> None:
    """Preview a rules edit: decide every person with the live rules and with --rules, and
    show the difference — stage changes (from → to), MQLs and SQLs gained and lost, owner load
    change, tasks that would be created, and the 20 people who move most with both
    explanations. Works on the snapshot the last sync/backfill kept (--refresh: the CRM now).
    Writes nothing to the CRM or the state store.

    Writes an HTML page (default whatif.html) and prints a summary, or JSON with --json.
    """
    from connector.insight.html import render_whatif
    from connector.insight.run import EmptySnapshotError, run_whatif

    settings = _settings()
    if mappings is not None:
        settings = settings.model_copy(update={"mappings_dir": mappings})
    if not rules.is_file():
        _fail(f"{rules}: no such file (--rules)")
    session = _open(crm, settings=settings)
    with _reported(EmptySnapshotError):
        result, source = run_whatif(session, rules, session.now(), refresh)
    path = _write_page(
        out, "whatif.html", as_json, lambda: render_whatif(result, str(rules), source)
    )
    from connector.render import print_whatif

    _show("whatif", result, as_json, lambda out, _: print_whatif(out, result, path.resolve()))


@app.command()
def runs(
    limit: Annotated[int, typer.Option(min=1, help="How many of the newest runs.")] = 20,
    as_json: JsonOption = False,
    crm: CrmOption = None,
    account: AccountOption = None,
) -> None:
    """Past runs of this account from the state store: kind, start and end, outcome, contacts
    read, updates, tasks, rejects and skips (no sqlite3 needed)."""

    from connector.render import runs_table

    session = _open(crm, account)
    rows = session.store.last_runs(session.account, limit)
    table = runs_table(rows, session.account)
    _show("runs", {"account": session.account, "runs": rows}, as_json, table)


@accounts_app.command("list")
def accounts_list(as_json: JsonOption = False) -> None:
    """Every account of the accounts file: its CRM and schedule, its last run, how far its
    data lags behind now (the oldest watermark), who holds its lock and which credential
    variables are unset. Reads the state store only; talks to no CRM."""
    from connector.render import accounts_table
    from connector.sync.accounts import account_status
    from connector.sync.session import StateStoreError, open_state_store

    settings = _settings()
    accounts = _account_set(settings)
    now = settings.as_of or datetime.now(UTC)
    statuses = []
    for entry in accounts.accounts:
        url = str(entry.settings.get("CONNECTOR_STATE_URL", settings.state_url))
        try:
            store = open_state_store(url, create=False)
        except StateStoreError as exc:
            _fail(f"{entry.name}: {exc}")
        statuses.append(account_status(entry, store, os.environ, now))
    found = [{**status.model_dump(mode="json"), "behind": status.behind} for status in statuses]
    body = {"accounts_file": str(accounts.path), "accounts": found}
    _show("accounts", body, as_json, accounts_table(statuses, now))


def _worker_run(argv: list[str], accounts_file: str) -> None:
    """One account's run in a worker's forked process: this command line, as from cron."""
    from connector.sync.worker import run_in_child

    run_in_child(main, argv, accounts_file)


@app.command()
def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, help="Account runs this worker executes at the same time.")
    ] = 2,
    tick_seconds: Annotated[
        int,
        typer.Option(min=1, max=60, help="How often the schedule is looked at."),
    ] = 60,
    heartbeat_seconds: Annotated[
        float, typer.Option(min=0.1, help="Worker heartbeat interval.")
    ] = 10.0,
    stalled_after_seconds: Annotated[
        float,
        typer.Option(
            min=1.0,
            help="A worker silent this long is taken for dead; its account run is queued again.",
        ),
    ] = 30.0,
    name: Annotated[str | None, typer.Option(help="This worker's name in logs.")] = None,
) -> None:
    """Run account syncs from the job queue until stopped (Ctrl-C, SIGTERM). Start one on any
    number of machines: every account of the accounts file is synced on its schedule by
    exactly one worker at a time, a killed worker's account is picked up by another, and a
    slow account holds one slot of one worker only. Needs the PostgreSQL state store (the
    queue lives there) and `pip install 'crm-lifecycle-connector[workers]'`."""
    import socket

    settings = _settings()
    try:
        from connector.sync.worker import WorkerConfigError, WorkerOptions, run_worker
    except ImportError as exc:
        _fail(
            f"connector worker needs the job queue ({exc.name} is not installed): "
            "pip install 'crm-lifecycle-connector[workers]'"
        )
    accounts = _account_set(settings)
    options = WorkerOptions(
        accounts_file=accounts.path.resolve(),
        state_url=settings.state_url,
        tick_seconds=tick_seconds,
        concurrency=concurrency,
        heartbeat_seconds=heartbeat_seconds,
        stalled_after_seconds=stalled_after_seconds,
        run_command=_worker_run,
    )
    label = name or f"{socket.gethostname()}-{os.getpid()}"
    started = f"worker {label}: {len(accounts.accounts)} account(s), Ctrl-C stops it"
    with _reported(WorkerConfigError):
        run_worker(options, label, on_start=lambda: errors.print(shown(started)))


@app.command()
def audit(
    contact: Annotated[str, typer.Argument(help="The contact's CRM record id or e-mail address.")],
    as_json: JsonOption = False,
    crm: CrmOption = None,
) -> None:
    """One person's audit trail from the state store: every transition and write the connector
    made, old and new value, the rule and the run. An e-mail address is looked up in the CRM."""

    from connector.render import print_audit

    session = _open(crm)
    ids = [contact]
    if "@" in contact:
        with _reported():
            ids = [person.id for person in session.adapter.find_contacts(contact).contacts]
        if not ids:
            _fail(f"no contact has the e-mail address {contact}")
    trails = {person: session.store.audit_entries(session.account, person) for person in ids}
    _show("audit", {"account": session.account, "contacts": trails}, as_json, print_audit)


@app.command()
def config(
    as_json: JsonOption = False,
    crm: CrmOption = None,
) -> None:
    """The settings in effect and where each came from (environment, .env or default), secrets
    masked: what a run would use, before it runs."""

    from connector.render import settings_in_effect, settings_table
    from connector.sync.connect import ConnectionConfigError, adapter_settings

    settings = _settings()
    chosen = crm or settings.crm
    instances: list[Any] = [settings]
    problem = None
    if chosen:
        try:
            instances.append(adapter_settings(chosen))
        except ConnectionConfigError as exc:
            problem = str(exc)
    rows = settings_in_effect(instances, from_env_file=FROM_ENV_FILE)
    if as_json:
        _print_json("config", {"settings": rows, "problem": problem})
    else:
        console.print(settings_table(rows))
        if problem:
            errors.print(shown(problem))
    raise typer.Exit(EXIT_CONFIG if problem else EXIT_OK)


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="Where to write mappings/ and .env (default: here).")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files that already exist.")
    ] = False,
) -> None:
    """Write an editable, commented copy of the default rules and CRM mapping files (mappings/)
    and a .env from the documented example, to start a project of your own.

    Files that already exist are kept (--force overwrites them), so running it twice is safe.
    """
    import shutil

    from connector.mapping.locate import LOCAL_MAPPINGS, packaged_defaults, packaged_env_example

    target = directory / LOCAL_MAPPINGS
    copies = [(path, target / path.name) for path in sorted(packaged_defaults().glob("*.yaml"))]
    copies.append((packaged_env_example(), directory / ".env"))
    try:
        target.mkdir(parents=True, exist_ok=True)
        for source, destination in copies:
            if destination.exists() and not force:
                console.print(shown(f"kept     {destination} (exists; --force overwrites it)"))
                continue
            shutil.copyfile(source, destination)
            console.print(shown(f"wrote    {destination}"))
    except OSError as exc:
        _fail(f"cannot write {exc.filename or directory}: {exc.strerror}")
    console.print(
        shown(
            "Next: set CONNECTOR_CRM and the CRM's credentials in .env, then run "
            "`connector mappings validate`, `connector mappings provision`, "
            "`connector backfill --dry-run`. `connector demo` tries it all on a sandbox first."
        )
    )


@app.command()
def backtest(
    rules: Annotated[
        Path | None,
        typer.Option(help="The rules file to score with (default: the mappings')."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write one CSV row per person here.")] = None,
    as_json: JsonOption = False,
    part: Annotated[
        str,
        typer.Option(help="all, or the train or holdout part of calibrate's split."),
    ] = "all",
    success_from: SuccessFromOption = "sql",
    idle_days: IdleDaysOption = 90,
    holdout: HoldoutOption = 0.3,
    split_seed: SplitSeedOption = 42,
    split_by: SplitByOption = None,
    crm: CrmOption = None,
) -> None:
    """Score every person in the CRM with a rules file, read-only, and measure it.

    Writes one row per person (CRM id, dataset id when mapped, score, grade, the stage the
    rules would give, MQL, known outcome) and reports AUC, lift per decile and the MQL gate's
    precision and recall where outcomes are known. Nothing is written to the CRM.
    """
    if part not in ("all", "train", "holdout"):
        _fail("--part must be all, train or holdout")
    session, outcomes = _read_only(crm, success_from, idle_days)
    from connector.calibrate.backtest import backtest as run_backtest
    from connector.calibrate.errors import CalibrationError
    from connector.calibrate.history import Part, Split
    from connector.calibrate.tables import print_backtest
    from connector.mapping.loader import load_rules

    rules_path = rules or session.rules_file
    with _reported(CalibrationError):
        policy = load_rules(rules_path) if rules is not None else session.mappings.rules
        report = run_backtest(
            session.adapter,
            policy,
            str(rules_path),
            out,
            outcomes,
            session.now(),
            part=Part(part),
            split=Split(holdout, split_seed, split_by),
        )
    _show("backtest", report, as_json, print_backtest)


WithOutcomesOption = Annotated[
    bool,
    typer.Option(
        "--with-outcomes",
        help="With --dataset: record converted leads as customers with a closed-won deal.",
    ),
]


def _check_seeding(crm: str, dataset: Path | None, with_outcomes: bool) -> None:
    """demo and sandbox serve: a CRM there is a sandbox of, and a dataset file that exists."""
    _crm_choice(crm)
    if dataset is not None and not dataset.is_file():
        _fail(f"{dataset}: no such file (--dataset)")
    if with_outcomes and dataset is None:
        _fail("--with-outcomes needs --dataset (the outcomes come from the file)")


@app.command()
def demo(
    crm: Annotated[
        str, typer.Option(help="Which CRM sandbox to demo: hubspot or salesforce.")
    ] = "hubspot",
    contacts: Annotated[
        int, typer.Option(min=0, help="Contacts to seed (with --dataset, 0 = every row).")
    ] = 500,
    dataset: Annotated[
        Path | None,
        typer.Option(help="Seed from a lead-history CSV (x-education-leads.csv) instead."),
    ] = None,
    with_outcomes: WithOutcomesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run the whole product against an embedded CRM sandbox (nothing to configure).

    Starts an in-process HubSpot or Salesforce sandbox, seeds it, runs a backfill, lets sales
    work some leads in the CRM, then runs an incremental sync, and reports contacts read, score
    distribution, stage changes, owners assigned, tasks created, records rejected, API calls by
    endpoint and wall time.
    """
    _check_seeding(crm, dataset, with_outcomes)
    if contacts == 0 and dataset is None:
        _fail("--contacts 0 only means every row together with --dataset")
    settings = _settings()
    from connector.demo import run_demo
    from connector.mapping.locate import LOCAL_MAPPINGS, packaged_defaults
    from connector.render import print_demo
    from connector.sandbox.seed import SeedDataError

    # The demo runs anywhere: without local files it uses the shipped defaults; a
    # CONNECTOR_MAPPINGS_DIR that is not a folder is the user's to fix, as for every command.
    local = settings.mappings_dir is not None or LOCAL_MAPPINGS.is_dir()
    mappings_dir = _mappings_dir(settings) if local else packaged_defaults()
    with _reported(SeedDataError), _progress_bar(as_json) as progress:
        report = run_demo(
            crm,  # type: ignore[arg-type]
            contacts,
            dataset,
            mappings_dir,
            progress=progress,
            announce=(lambda _: None) if as_json else (lambda text: errors.print(shown(text))),
            with_outcomes=with_outcomes,
        )
    _show("demo", report, as_json, print_demo, report.exit_code)


def _problems_for(path: Path) -> "list[ConfigProblem]":
    from connector.mapping.loader import file_kind, load_crm_mapping, load_mapping_dir, load_rules
    from connector.mapping.problems import ConfigError, ConfigProblem

    if not path.exists():
        return [ConfigProblem(file=path, message="no such file or directory: check the path")]
    try:
        if path.is_dir():
            load_mapping_dir(path)
        elif (kind := file_kind(path)) == "rules":
            load_rules(path)
        elif kind == "crm":
            load_crm_mapping(path)
        else:
            return [ConfigProblem(file=path, message=NEITHER_RULES_NOR_MAPPING)]
    except ConfigError as exc:
        return exc.problems
    return []


NEITHER_RULES_NOR_MAPPING = (
    "neither a rules file (top-level scoring, fit, lifecycle, routing) nor a CRM mapping (a "
    "top-level `crm: hubspot` or `crm: salesforce`): check that this is the file you meant"
)


def _file_among(targets: list[Path], name: str, is_it: Callable[[Path], bool]) -> Path | None:
    """The file `name` in a directory among the paths given, or a file given that `is_it`
    (a rules file by its content, a CRM mapping by its name)."""
    for target in targets:
        candidate = target / name if target.is_dir() else target
        if candidate.exists() and (target.is_dir() or is_it(candidate)):
            return candidate
    return None


def _online_problems(
    adapter: "CrmAdapter", mapping_path: Path, targets: list[Path]
) -> "list[ConfigProblem]":
    """What the CRM itself says is wrong: mapped fields it lacks or holds with another type or
    options, and owners rules.yaml names that it has no active user for."""
    from connector.mapping.loader import RULES_FILE, file_kind, load_rules, owner_problems
    from connector.mapping.problems import ConfigProblem

    found = [
        ConfigProblem(file=mapping_path, message=text) for text in adapter.check_mapping().problems
    ]
    rules_file = _file_among(targets, RULES_FILE, lambda file: file_kind(file) == "rules")
    if rules_file is not None:
        found += owner_problems(rules_file, load_rules(rules_file), adapter.list_owners())
    return found


def _crm_choice(crm: str | None, settings: "Settings | None" = None) -> str:
    from connector.mapping.loader import CRM_FILES

    chosen = crm or (settings or _settings()).crm
    if chosen is None:
        _fail("Say which CRM: --crm hubspot|salesforce or CONNECTOR_CRM.")
    if chosen not in CRM_FILES:
        _fail(f"--crm must be hubspot or salesforce, not {chosen!r}")
    return chosen


def _connect(crm: str, mapping_path: Path) -> "CrmAdapter":
    from connector.mapping.loader import load_crm_mapping
    from connector.sync.connect import ConnectionConfigError, build_adapter

    with _reported(ConnectionConfigError):
        return build_adapter(crm, load_crm_mapping(mapping_path))


@mappings_app.command("validate")
def mappings_validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories to check (default: the mappings directory)."),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Check the files only, without asking the CRM.")
    ] = False,
    crm: CrmOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check rules.yaml, hubspot.yaml and salesforce.yaml; print every problem at once.

    Without --offline the CRM's own schema is read too: every mapped field must exist there with
    the right type, and every value the connector writes must be an allowed option.
    Exits 0 when every file is valid, 2 when any is not, 4 when the CRM cannot be reached.
    """

    from connector.mapping.loader import CRM_FILES

    settings = _settings()
    targets = paths or [_mappings_dir(settings)]
    problems = [problem for path in targets for problem in _problems_for(path)]
    if not offline and not problems:
        chosen = _crm_choice(crm)
        name = CRM_FILES[chosen]
        mapping_path = _file_among(targets, name, lambda file: file.name == name)
        if mapping_path is None:
            _fail(f"No {name} among {', '.join(map(str, targets))}.")
        with _reported():
            problems = _online_problems(_connect(chosen, mapping_path), mapping_path, targets)
    if as_json:
        found = [problem.model_dump(mode="json") for problem in problems]
        _print_json("mappings_validate", {"problems": found})
    elif problems:
        _print_config_problems(problems, "")
    else:
        names = ", ".join(str(path) for path in targets)
        console.print(Text.assemble(("OK", "green"), " ", shown(f"{names}: no problems found.")))
    raise typer.Exit(EXIT_CONFIG if problems else EXIT_OK)


@mappings_app.command("provision")
def mappings_provision(crm: CrmOption = None) -> None:
    """Create the connector's own fields (score, grade, reasons, stage marker, recycled-at,
    task key) where they are missing.

    On HubSpot the properties are created in the mapping's property group; on Salesforce the
    custom fields an admin must create are listed, because metadata changes stay an admin's
    decision.
    """
    from connector.mapping.loader import CRM_FILES

    chosen = _crm_choice(crm)
    mapping_path = _mappings_dir(_settings()) / CRM_FILES[chosen]
    if problems := _problems_for(mapping_path):
        _print_config_problems(problems, None)
        raise typer.Exit(EXIT_CONFIG)
    with _reported():
        lines = _connect(chosen, mapping_path).provision().lines()
    for line in lines:
        console.print(shown(line))


def _seed_moment(raw: str | None) -> datetime:
    """The moment a served sandbox's history leads up to: `--now`, else the current time
    (whole seconds, UTC). A time without an offset is taken as UTC."""
    if raw is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        _fail(f"--now {raw!r} is not an ISO 8601 time; write e.g. 2026-11-02T09:00:00Z")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@sandbox_app.command("serve")
def sandbox_serve(
    crm: Annotated[str, typer.Option(help="hubspot or salesforce.")] = "hubspot",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port.")] = 0,
    contacts: Annotated[int, typer.Option(min=0, help="Contacts to seed.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    dataset: Annotated[
        Path | None, typer.Option(help="Seed from x-education-leads.csv instead.")
    ] = None,
    with_outcomes: WithOutcomesOption = False,
    fault_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of requests that fail.")
    ] = 0.0,
    rate_limit: Annotated[
        int | None, typer.Option(help="Requests per rate window (HubSpot 10 s burst).")
    ] = None,
    token: Annotated[str, typer.Option(help="HubSpot access token the sandbox accepts.")] = (
        "sandbox-token"
    ),
    now: Annotated[
        str | None,
        typer.Option(
            help="Seed the history up to this ISO 8601 time (UTC if no offset) for a "
            "reproducible sandbox; default: the current time.",
        ),
    ] = None,
) -> None:
    """Run a HubSpot or Salesforce API emulator until interrupted (Ctrl-C).

    Its seeded history leads up to now (as `connector demo` does), so a backfill at today's
    clock finds fresh interest: MQLs and tasks, not an empty funnel. Prints its base URL (and
    the CA file for Salesforce's TLS) and the settings that point the connector at it.
    """
    import shutil
    import tempfile
    import threading

    from connector.sandbox.common.config import SandboxConfig
    from connector.sandbox.launch import start_sandbox

    _check_seeding(crm, dataset, with_outcomes)
    seed_now = _seed_moment(now)
    config = SandboxConfig(
        seed_now=seed_now,
        host=host,
        port=port,
        contacts=contacts,
        seed=seed,
        dataset=dataset,
        with_outcomes=with_outcomes,
        fault_rate=fault_rate,
        rate_limit=rate_limit,
        token=token,
    )
    tls_directory = Path(tempfile.mkdtemp(prefix="connector-sandbox-tls-"))
    running = start_sandbox(crm, config, tls_directory)  # type: ignore[arg-type]
    try:  # from here on, Ctrl-C (even during the banner) stops the sandbox cleanly
        console.print(shown(f"{crm} sandbox listening on {running.url}"))
        console.print(shown(f"History seeded up to {seed_now.isoformat()}"))
        if running.ca_file:
            console.print(shown(f"CA file: {running.ca_file}"))
        console.print(shown("Point the connector at it with:"))
        for name, value in running.settings.items():
            console.print(shown(f"  export {name}={value}"))
        sys.stdout.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print(shown("stopping"))
    finally:
        running.stop()
        shutil.rmtree(tls_directory, ignore_errors=True)  # its CA and key served this run only


def main() -> None:
    """The console script: the command line, with one last guard around it.

    An unexpected exception would otherwise print a traceback whose frames and messages can hold
    a header, URL or value with a secret in it (a cron line sends stderr to a log file). It
    prints one redacted line instead and exits with its own code, so a scheduler can tell a crash
    from a run that finished with rejected records; `CONNECTOR_TRACEBACK=1` adds the (equally
    redacted) traceback for a bug report.
    """
    try:
        app(prog_name="connector")
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # the last line of defence: nothing escapes unredacted
        import traceback

        from connector.redact import redact

        if os.environ.get("CONNECTOR_TRACEBACK") == "1":
            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        message = redact(f"{type(exc).__name__}: {exc}").replace("\n", " ").replace("\r", " ")
        sys.stderr.write(
            f"connector: internal error: {message}\n"
            "This is a bug, not a problem with your data or settings. Nothing more was written; "
            "a later run finishes what this one journaled. Set CONNECTOR_TRACEBACK=1 for the "
            "details to report.\n"
        )
        sys.exit(EXIT_CRASH)
