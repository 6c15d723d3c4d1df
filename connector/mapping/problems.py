"""Configuration problems naming file, line and field, and what is expected: CRM admins edit
these files, and an error they cannot place is one they cannot fix."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict

FieldPath = tuple[str | int, ...]


def dotted(path: FieldPath) -> str:
    """`scoring.engagement[2].kind` from ("scoring", "engagement", 2, "kind")."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


class ConfigProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: Path
    line: int | None = None
    column: int | None = None
    field: str = ""
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f":{self.line}" if self.line is not None else "")
        where += f":{self.column}" if self.line is not None and self.column is not None else ""
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ConfigError(Exception):
    """Raised with every problem found, so an admin fixes them all in one pass."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))

    @classmethod
    def of(
        cls,
        file: Path,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        field: str = "",
    ) -> "ConfigError":
        """The error of the one problem that stops a command (a file unreadable, a name unknown)."""
        return cls(
            [ConfigProblem(file=file, line=line, column=column, field=field, message=message)]
        )
