"""The `connector` command line: parses arguments, calls the layers below, prints results.

No logic lives here (see DESIGN.md); exit codes follow the convention there:
0 ok, 1 finished with rejected records, 2 bad configuration or usage, 3 aborted by a guard,
4 CRM unreachable or auth failed.
"""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connector.mapping.loader import (
    RULES_FILE,
    load_crm_mapping,
    load_mapping_dir,
    load_rules,
)
from connector.mapping.problems import ConfigError, ConfigProblem
from connector.settings import Settings

EXIT_OK = 0
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

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)  # one problem per line, never wrapped


@app.command()
def demo(
    crm: Annotated[
        str, typer.Option(help="Which CRM sandbox to demo: hubspot or salesforce.")
    ] = "hubspot",
    contacts: Annotated[int, typer.Option(min=1, help="How many contacts to seed.")] = 500,
) -> None:
    """Run the whole product against an embedded CRM sandbox (nothing to configure).

    Starts an in-process HubSpot or Salesforce sandbox, seeds it, runs a backfill and then an
    incremental sync, and reports scores, stage changes, owners, tasks and API calls.
    """
    console.print(
        "[bold]connector demo[/bold] will start an embedded "
        f"{crm} sandbox with {contacts} contacts, run a backfill and an incremental sync, and "
        "report what changed. The sandbox and the sync engine are still being built; until "
        "they land this command only describes the demo."
    )
    raise typer.Exit(EXIT_OK)


def _problems_for(path: Path) -> list[ConfigProblem]:
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


@mappings_app.command("validate")
def mappings_validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories to check (default: the mappings directory)."),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Check the files only, without asking the CRM.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check rules.yaml, hubspot.yaml and salesforce.yaml; print every problem at once.

    Exits 0 when every file is valid and 2 when any is not.
    """
    settings = Settings()
    targets = paths or [settings.mappings_dir]
    problems = [problem for path in targets for problem in _problems_for(path)]
    if not offline and not problems:
        problems.append(
            ConfigProblem(
                file=targets[0],
                message="checking the files against a live CRM needs a CRM adapter, which this "
                "release does not have yet; run with --offline to check the files alone",
            )
        )
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
