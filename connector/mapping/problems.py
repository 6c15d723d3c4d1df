"""Configuration problems that name the file, line and field, and say what is expected.

CRM admins edit these files; an error they cannot place is an error they cannot fix, so every
problem carries a location and the loader never lets a traceback through.
"""

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
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ConfigError(Exception):
    """Raised with every problem found, so an admin fixes them all in one pass."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
