"""The `connector` command line: parses arguments, calls the layers below, prints results.

No logic lives here (see DESIGN.md); exit codes follow the convention there:
0 ok, 1 finished with rejected records, 2 bad configuration or usage, 3 aborted by a guard,
4 CRM unreachable or auth failed.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

# Everything else is imported inside the command that needs it: the CRM SDKs, SQLAlchemy and
# Alembic, the sandboxes and the rules engine cost over a second to import, and `--help`, a
# usage error or `mappings validate --offline` need none of them. tests/unit/test_cli_imports.py
# keeps it that way.
if TYPE_CHECKING:
    from connector.adapters.base import CrmAdapter
    from connector.calibrate.outcomes import OutcomeRules
    from connector.mapping.problems import ConfigProblem
    from connector.settings import Settings
    from connector.sync.guard import ChangeLimit
    from connector.sync.report import RunSummary
    from connector.sync.session import Session

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_CONFIG = 2

app = typer.Typer(
    help="Readable, reviewable lead scoring and lifecycle rules for HubSpot and Salesforce.",
    no_args_is_help=True,
    add_completion=False,
)
mappings_app = typer.Typer(
    help="Check and prepare the rules and field-mapping files.", no_args_is_help=True
)
app.add_typer(mappings_app, name="mappings")
sandbox_app = typer.Typer(
    help="Run the HubSpot and Salesforce API emulators.", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)  # one problem per line, never wrapped


def _settings() -> "Settings":
    """Settings from the environment and .env; a bad value is a usage error (exit 2) that
    names the variable, never a traceback."""
    from pydantic import ValidationError

    from connector.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            name = "CONNECTOR_" + "_".join(str(part) for part in error["loc"]).upper()
            errors.print(f"{name}: {error['msg']} (see .env.example)", markup=False)
        raise typer.Exit(EXIT_CONFIG) from None


def _print_config_problems(problems: "list[ConfigProblem]") -> None:
    for problem in problems:
        errors.print(str(problem), markup=False, highlight=False)
    errors.print(f"{len(problems)} problem(s) found; nothing was run.", style="bold red")


def _open(settings: "Settings", crm: str | None) -> "Session":
    """Mapping files, adapter and state store, or a clear configuration error (exit 2)."""
    from connector.mapping.problems import ConfigError
    from connector.sync.connect import ConnectionConfigError
    from connector.sync.session import StateStoreError, open_session

    chosen = _crm_choice(crm, settings)
    try:
        return open_session(settings, chosen)
    except ConfigError as exc:
        _print_config_problems(exc.problems)
    except (ConnectionConfigError, StateStoreError) as exc:
        errors.print(str(exc), markup=False)
    raise typer.Exit(EXIT_CONFIG)


def _finish(summary: "RunSummary", as_json: bool) -> None:
    from connector.render import print_plan, print_summary

    if as_json:
        print(summary.model_dump_json(indent=2))
    else:
        if summary.dry_run:
            print_plan(console, summary)
        print_summary(console, summary)
    raise typer.Exit(summary.exit_code)


def _change_limit(text: str | None) -> "ChangeLimit | None":
    if text is None:
        return None
    from connector.sync.guard import ChangeLimit

    try:
        return ChangeLimit.parse(text)
    except ValueError as exc:
        errors.print(f"--max-changes: {exc}", markup=False)
        raise typer.Exit(EXIT_CONFIG) from None


CrmOption = Annotated[
    str | None,
    typer.Option("--crm", help="hubspot or salesforce (default: CONNECTOR_CRM)."),
]
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Print the exact plan; write nothing to the CRM or the state."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")]


@app.command()
def sync(
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    max_changes: Annotated[
        str | None,
        typer.Option(
            "--max-changes",
            help="Abort (exit 3) before any write if more contacts than this (500) or this "
            "share (5%) would change stage or owner. Default: CONNECTOR_MAX_CHANGES.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write even when the change limit is exceeded.")
    ] = False,
    crm: CrmOption = None,
) -> None:
    """Incremental sync: every contact changed since the last run, scored, staged, routed and
    written back. Meant for cron or any scheduler; one run per CRM account at a time.

    Exit codes: 0 ok, 1 some records rejected or skipped, 2 configuration, 3 change limit or
    another run holds the lock, 4 CRM unreachable, auth failed or daily limit reached.
    """
    settings = _settings()
    limit = _change_limit(max_changes)
    session = _open(settings, crm)
    options = session.options(dry_run=dry_run, force=force, max_changes=limit)
    _finish(session.engine().sync(options), as_json)


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
    crm: CrmOption = None,
) -> None:
    """A full pass over every contact, page by page, with a progress bar. Checkpoints after
    each page's writes, so --resume after a crash or Ctrl-C redoes no finished page."""
    from connector.render import progress_bar

    settings = _settings()
    session = _open(settings, crm)
    engine = session.engine()
    options = session.options(dry_run=dry_run, resume=resume)
    if as_json:
        summary = engine.backfill(options)
    else:
        with progress_bar(errors, "backfill") as progress:
            summary = engine.backfill(options, progress=progress)
    _finish(summary, as_json)


@app.command()
def explain(
    contact: Annotated[str, typer.Argument(help="The contact's CRM record id or e-mail address.")],
    as_json: JsonOption = False,
    crm: CrmOption = None,
) -> None:
    """One contact's score rule by rule, fit grade, the stage move it would get and why, the
    owner decision and the follow-up task — read live from the CRM, nothing written."""
    import json

    from connector.adapters.errors import CrmError
    from connector.render import print_explanations
    from connector.sync.explain import ContactNotFoundError, explain_contact

    settings = _settings()
    session = _open(settings, crm)
    now = settings.as_of or datetime.now(UTC)
    try:
        result = explain_contact(
            session.adapter, session.mappings.rules, session.store, session.account, contact, now
        )
    except ContactNotFoundError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    except CrmError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        print(
            json.dumps(
                {
                    "contacts": [
                        {
                            "contact": item.contact.model_dump(mode="json"),
                            "evaluation": item.evaluation.model_dump(mode="json"),
                            "update": item.update.model_dump(mode="json") if item.update else None,
                        }
                        for item in result.explanations
                    ],
                    "unusable": [problem.model_dump() for problem in result.unusable],
                },
                indent=2,
            )
        )
    else:
        print_explanations(console, result)
    raise typer.Exit(EXIT_REJECTED if result.unusable and not result.explanations else EXIT_OK)


SuccessFromOption = Annotated[
    str,
    typer.Option(
        "--success-from",
        help="Earliest stage that counts as converted (sql, opportunity or customer); a deal "
        "or a qualified lead status counts too.",
    ),
]
IdleDaysOption = Annotated[
    int,
    typer.Option(
        "--idle-days",
        min=0,
        help="No activity for this many days counts as not converted (as do rejected, "
        "disqualified, nurtured and recycled people).",
    ),
]
HoldoutOption = Annotated[
    float,
    typer.Option(
        "--holdout", min=0.01, max=0.99, help="Share of people held out (by hashed CRM id)."
    ),
]
SplitSeedOption = Annotated[int, typer.Option("--split-seed", help="Seed of the split.")]
SplitByOption = Annotated[
    str | None,
    typer.Option(
        "--split-by",
        help="Split by this mapped property (an external id, say) instead of the CRM id, so "
        "two CRMs holding the same people hold out the same ones.",
    ),
]


def _outcomes(success_from: str, idle_days: int) -> "OutcomeRules":
    from pydantic import ValidationError

    from connector.calibrate.outcomes import OutcomeRules

    try:
        return OutcomeRules.model_validate({"success_from": success_from, "idle_days": idle_days})
    except ValidationError as exc:
        errors.print(f"--success-from: {exc.errors()[0]['msg']}", markup=False)
        raise typer.Exit(EXIT_CONFIG) from None


@app.command()
def calibrate(
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the proposed rules file (and its .svg).")
    ],
    as_json: JsonOption = False,
    success_from: SuccessFromOption = "sql",
    idle_days: IdleDaysOption = 90,
    holdout: HoldoutOption = 0.3,
    split_seed: SplitSeedOption = 42,
    split_by: SplitByOption = None,
    min_support: Annotated[
        int, typer.Option("--min-support", min=1, help="Fewest people a rule must fire for.")
    ] = 30,
    points_per_logit: Annotated[
        float,
        typer.Option("--points-per-logit", min=0.1, help="Points per unit of log-odds."),
    ] = 10.0,
    target_rate: Annotated[
        float | None,
        typer.Option(
            "--target-rate",
            min=0.01,
            max=1.0,
            help="MQL -> conversion rate the proposed threshold must reach (default: twice "
            "the base rate).",
        ),
    ] = None,
    crm: CrmOption = None,
) -> None:
    """Learn whole-number points from the CRM's sales outcomes and propose a rules file.

    Reads every person and their engagement (read-only, page by page), fits points for the
    behaviour rules and fit criteria on a training part (L1 logistic regression), measures them
    on the held-out part (AUC, lift per decile, the MQL threshold trade-off) and writes the
    current rules.yaml with only the learned values changed, each with a comment giving its
    evidence. Needs the extra: pip install 'crm-lifecycle-connector[calibrate]'.
    """
    from connector.calibrate.errors import CalibrationError, require_sklearn

    try:
        require_sklearn()
    except CalibrationError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    from connector.adapters.errors import CrmError
    from connector.calibrate.calibrate import calibrate as run_calibration
    from connector.calibrate.fit import CalibrateOptions
    from connector.calibrate.tables import print_calibration
    from connector.mapping.loader import RULES_FILE

    outcomes = _outcomes(success_from, idle_days)
    settings = _settings()
    session = _open(settings, crm)
    options = CalibrateOptions(
        outcomes=outcomes,
        holdout_share=holdout,
        split_seed=split_seed,
        split_by=split_by,
        min_support=min_support,
        points_per_logit=points_per_logit,
        target_rate=target_rate,
    )
    now = settings.as_of or datetime.now(UTC)
    try:
        report = run_calibration(
            session.adapter,
            session.mappings.rules,
            settings.mappings_dir / RULES_FILE,
            out,
            options,
            now,
        )
    except CalibrationError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    except CrmError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print_calibration(console, report)
    raise typer.Exit(EXIT_OK)


@app.command()
def backtest(
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="The rules file to score with (default: the mappings')."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write one CSV row per person here.")
    ] = None,
    as_json: JsonOption = False,
    part: Annotated[
        str,
        typer.Option("--part", help="all, or the train or holdout part of calibrate's split."),
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
    from connector.calibrate.errors import CalibrationError, require_sklearn

    try:
        require_sklearn()
    except CalibrationError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    from connector.adapters.errors import CrmError
    from connector.calibrate.backtest import backtest as run_backtest
    from connector.calibrate.history import Part, Split
    from connector.calibrate.tables import print_backtest
    from connector.mapping.loader import RULES_FILE, load_rules
    from connector.mapping.problems import ConfigError

    if part not in {p.value for p in Part}:
        errors.print("--part must be all, train or holdout", markup=False)
        raise typer.Exit(EXIT_CONFIG)
    outcomes = _outcomes(success_from, idle_days)
    settings = _settings()
    session = _open(settings, crm)
    rules_path = rules or settings.mappings_dir / RULES_FILE
    try:
        policy = load_rules(rules_path) if rules is not None else session.mappings.rules
    except ConfigError as exc:
        _print_config_problems(exc.problems)
        raise typer.Exit(EXIT_CONFIG) from None
    now = settings.as_of or datetime.now(UTC)
    try:
        report = run_backtest(
            session.adapter,
            policy,
            str(rules_path),
            out,
            outcomes,
            now,
            part=Part(part),
            split=Split(holdout, split_seed, split_by),
        )
    except CalibrationError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    except CrmError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print_backtest(console, report)
    raise typer.Exit(EXIT_OK)


@app.command()
def demo(
    crm: Annotated[
        str, typer.Option("--crm", help="Which CRM sandbox to demo: hubspot or salesforce.")
    ] = "hubspot",
    contacts: Annotated[
        int, typer.Option(min=0, help="Contacts to seed (with --dataset, 0 = every row).")
    ] = 500,
    dataset: Annotated[
        Path | None,
        typer.Option(help="Seed from a lead-history CSV (x-education-leads.csv) instead."),
    ] = None,
    with_outcomes: Annotated[
        bool,
        typer.Option(
            "--with-outcomes",
            help="With --dataset: record converted leads as customers with a closed-won deal.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run the whole product against an embedded CRM sandbox (nothing to configure).

    Starts an in-process HubSpot or Salesforce sandbox, seeds it, runs a backfill, lets sales
    work some leads in the CRM, then runs an incremental sync, and reports contacts read, score
    distribution, stage changes, owners assigned, tasks created, records rejected, API calls by
    endpoint and wall time.
    """
    from connector.mapping.loader import CRM_FILES

    if crm not in CRM_FILES:
        errors.print("--crm must be hubspot or salesforce")
        raise typer.Exit(EXIT_CONFIG)
    if dataset is not None and not dataset.is_file():
        errors.print(f"{dataset}: no such file (--dataset)", markup=False)
        raise typer.Exit(EXIT_CONFIG)
    if contacts == 0 and dataset is None:
        errors.print("--contacts 0 only means every row together with --dataset")
        raise typer.Exit(EXIT_CONFIG)
    if with_outcomes and dataset is None:
        errors.print("--with-outcomes needs --dataset (the outcomes come from the file)")
        raise typer.Exit(EXIT_CONFIG)
    settings = _settings()
    from connector.demo import run_demo
    from connector.mapping.problems import ConfigError
    from connector.render import print_demo, progress_bar
    from connector.sandbox.seed import SeedDataError

    try:
        if as_json:
            report = run_demo(
                crm,  # type: ignore[arg-type]
                contacts,
                dataset,
                settings.mappings_dir,
                with_outcomes=with_outcomes,
            )
        else:
            with progress_bar(errors, "backfill") as progress:
                report = run_demo(
                    crm,  # type: ignore[arg-type]
                    contacts,
                    dataset,
                    settings.mappings_dir,
                    progress=progress,
                    announce=lambda text: errors.print(text, markup=False, highlight=False),
                    with_outcomes=with_outcomes,
                )
    except ConfigError as exc:
        _print_config_problems(exc.problems)
        raise typer.Exit(EXIT_CONFIG) from None
    except SeedDataError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print_demo(console, report)
    raise typer.Exit(report.exit_code)


def _problems_for(path: Path) -> "list[ConfigProblem]":
    from connector.mapping.loader import RULES_FILE, load_crm_mapping, load_mapping_dir, load_rules
    from connector.mapping.problems import ConfigError, ConfigProblem

    if not path.exists():
        return [ConfigProblem(file=path, message="no such file or directory: check the path")]
    try:
        if path.is_dir():
            load_mapping_dir(path)
        elif path.name == RULES_FILE:
            load_rules(path)
        else:
            load_crm_mapping(path)
    except ConfigError as exc:
        return exc.problems
    return []


def _crm_file(targets: list[Path], crm: str) -> Path | None:
    """The mapping file of `crm` among the paths given (a directory or the file itself)."""
    from connector.mapping.loader import CRM_FILES

    for target in targets:
        candidate = target / CRM_FILES[crm] if target.is_dir() else target
        if candidate.name == CRM_FILES[crm] and candidate.exists():
            return candidate
    return None


def _crm_choice(crm: str | None, settings: "Settings | None" = None) -> str:
    from connector.mapping.loader import CRM_FILES

    chosen = crm or (settings or _settings()).crm
    if chosen is None:
        errors.print("Say which CRM: --crm hubspot|salesforce or CONNECTOR_CRM.")
        raise typer.Exit(EXIT_CONFIG)
    if chosen not in CRM_FILES:
        errors.print(f"--crm must be hubspot or salesforce, not {chosen!r}", markup=False)
        raise typer.Exit(EXIT_CONFIG)
    return chosen


def _connect(crm: str, mapping_path: Path) -> "CrmAdapter":
    from connector.mapping.loader import load_crm_mapping
    from connector.sync.connect import ConnectionConfigError, build_adapter

    try:
        return build_adapter(crm, load_crm_mapping(mapping_path))
    except ConnectionConfigError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(EXIT_CONFIG) from None


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
    import json

    from connector.adapters.errors import CrmError
    from connector.mapping.loader import CRM_FILES
    from connector.mapping.problems import ConfigProblem
    from connector.sync.connect import online_mapping_problems

    settings = _settings()
    targets = paths or [settings.mappings_dir]
    problems = [problem for path in targets for problem in _problems_for(path)]
    if not offline and not problems:
        chosen = _crm_choice(crm)
        mapping_path = _crm_file(targets, chosen)
        if mapping_path is None:
            errors.print(f"No {CRM_FILES[chosen]} among {', '.join(map(str, targets))}.")
            raise typer.Exit(EXIT_CONFIG)
        try:
            found = online_mapping_problems(_connect(chosen, mapping_path))
        except CrmError as exc:
            errors.print(str(exc), markup=False)
            raise typer.Exit(exc.exit_code) from None
        problems = [ConfigProblem(file=mapping_path, message=text) for text in found]
    if as_json:
        print(json.dumps([problem.model_dump(mode="json") for problem in problems], indent=2))
    elif problems:
        for problem in problems:
            errors.print(str(problem), markup=False, highlight=False)
        errors.print(f"{len(problems)} problem(s) found.", style="bold red")
    else:
        names = ", ".join(str(path) for path in targets)
        console.print(f"[green]OK[/green] {names}: no problems found.")
    raise typer.Exit(EXIT_CONFIG if problems else EXIT_OK)


@mappings_app.command("provision")
def mappings_provision(crm: CrmOption = None) -> None:
    """Create the connector's own fields (score, grade, reasons, stage marker, recycled-at,
    task key) where they are missing.

    On HubSpot the properties are created in the mapping's property group; on Salesforce the
    custom fields an admin must create are listed, because metadata changes stay an admin's
    decision.
    """
    from connector.adapters.errors import CrmError
    from connector.mapping.loader import CRM_FILES
    from connector.sync.connect import provision_report

    chosen = _crm_choice(crm)
    mapping_path = _settings().mappings_dir / CRM_FILES[chosen]
    if problems := _problems_for(mapping_path):
        for problem in problems:
            errors.print(str(problem), markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    try:
        lines = provision_report(_connect(chosen, mapping_path))
    except CrmError as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(exc.exit_code) from None
    for line in lines:
        console.print(line, markup=False, highlight=False)
    raise typer.Exit(EXIT_OK)


@sandbox_app.command("serve")
def sandbox_serve(
    crm: Annotated[str, typer.Option("--crm", help="hubspot or salesforce.")] = "hubspot",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port.")] = 0,
    contacts: Annotated[int, typer.Option(min=0, help="Contacts to seed.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    dataset: Annotated[
        Path | None, typer.Option(help="Seed from x-education-leads.csv instead.")
    ] = None,
    with_outcomes: Annotated[
        bool,
        typer.Option(
            "--with-outcomes",
            help="With --dataset: record converted leads as customers with a closed-won deal.",
        ),
    ] = False,
    fault_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of requests that fail.")
    ] = 0.0,
    rate_limit: Annotated[
        int | None, typer.Option(help="Requests per rate window (HubSpot 10 s burst).")
    ] = None,
    token: Annotated[str, typer.Option(help="HubSpot access token the sandbox accepts.")] = (
        "sandbox-token"
    ),
) -> None:
    """Run a HubSpot or Salesforce API emulator until interrupted (Ctrl-C).

    Prints its base URL (and the CA file for Salesforce's TLS) and the settings that point the
    connector at it.
    """
    import tempfile
    import threading

    from connector.mapping.loader import CRM_FILES
    from connector.sandbox.common.config import SandboxConfig
    from connector.sandbox.launch import start_sandbox

    if crm not in CRM_FILES:
        errors.print("--crm must be hubspot or salesforce")
        raise typer.Exit(EXIT_CONFIG)
    if dataset is not None and not dataset.is_file():
        errors.print(f"{dataset}: no such file")
        raise typer.Exit(EXIT_CONFIG)
    if with_outcomes and dataset is None:
        errors.print("--with-outcomes needs --dataset (the outcomes come from the file)")
        raise typer.Exit(EXIT_CONFIG)
    config = SandboxConfig(
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
        console.print(f"{crm} sandbox listening on {running.url}", markup=False)
        if running.ca_file:
            console.print(f"CA file: {running.ca_file}", markup=False)
        console.print("Point the connector at it with:", markup=False)
        for name, value in running.settings.items():
            console.print(f"  export {name}={value}", markup=False, highlight=False)
        sys.stdout.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print("stopping", markup=False)
    finally:
        running.stop()
