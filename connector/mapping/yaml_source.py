"""Reading YAML while remembering where every key and item stood: ruamel.yaml's round-trip
positions, kept beside plain data for pydantic, keyed by the paths pydantic reports."""

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from connector.mapping.problems import ConfigError, ConfigProblem, FieldPath, dotted

Position = tuple[int, int]


class YamlDocument:
    """Plain data plus the 1-based (line, column) of every path in it."""

    def __init__(self, path: Path, data: Any, positions: dict[FieldPath, Position]) -> None:
        self.path = path
        self.data = data
        self._positions = positions

    def position(self, path: FieldPath) -> Position | None:
        """Where `path` stands; for a path that is absent (a missing key), its nearest parent."""
        for cut in range(len(path), -1, -1):
            found = self._positions.get(tuple(path[:cut]))
            if found is not None:
                return found
        return None

    def problem(self, path: FieldPath, message: str) -> ConfigProblem:
        """A problem placed where `path` stands, naming its field (`fit.criteria[2].points`)."""
        position = self.position(path)
        return ConfigProblem(
            file=self.path,
            line=position[0] if position else None,
            column=position[1] if position else None,
            field=dotted(path),
            message=message,
        )


def _plain(node: Any, path: FieldPath, positions: dict[FieldPath, Position]) -> Any:
    entries: list[tuple[str | int, Any, Any]]  # (key or index, ruamel's 0-based position, value)
    if isinstance(node, CommentedMap):
        entries = [(str(key), node.lc.key(key), value) for key, value in node.items()]
    elif isinstance(node, CommentedSeq):
        entries = [(index, node.lc.item(index), value) for index, value in enumerate(node)]
    else:
        return node
    plain: dict[str | int, Any] = {}
    for part, (line, column), value in entries:
        positions[(*path, part)] = (line + 1, column + 1)
        plain[part] = _plain(value, (*path, part), positions)
    return plain if isinstance(node, CommentedMap) else list(plain.values())


def load_yaml(path: Path) -> YamlDocument:
    """Parse one file; syntax errors and duplicate keys become a ConfigError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.of(path, "file not found: check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.of(path, f"cannot read the file: {exc}") from None
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        if "duplicate key" in what:
            what += ": each key may appear only once in the same block"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise ConfigError.of(path, f"YAML syntax: {what}", line=line, column=column) from None
    except YAMLError as exc:
        raise ConfigError.of(path, f"YAML syntax: {exc}") from None
    positions: dict[FieldPath, Position] = {(): (1, 1)}
    plain = _plain(data, (), positions)
    if not isinstance(plain, dict):
        raise ConfigError.of(path, "expected a mapping of keys at the top", line=1)
    return YamlDocument(path, plain, positions)
