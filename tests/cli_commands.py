"""The commands the CLI registers, read from the typer app itself: tests that must cover every
command enumerate them here, so a new command is covered without editing a list."""

import typer.main


def registered_commands() -> list[list[str]]:
    """Every leaf command the CLI registers, as its words (`["mappings", "validate"]`)."""
    from connector.cli import app

    def walk(command: typer.main.TyperCommand, words: list[str]) -> list[list[str]]:
        if isinstance(command, typer.main.TyperGroup):
            return [
                found
                for name, sub in sorted(command.commands.items())
                for found in walk(sub, [*words, name])
            ]
        return [words]

    return walk(typer.main.get_command(app), [])
