"""The proposed rules.yaml: the current file byte for byte, but for the learned values and a
comment on each. Values are replaced in the text at the positions ruamel.yaml's round-trip
loader gives, not re-dumped: a dump re-flows `scoring.engagement`'s aligned flow mappings and
would turn a reviewable diff into a rewrite."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from connector.calibrate.errors import CalibrationError
from connector.calibrate.report import LearnedRule

_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
_GRADE = re.compile(r"[\"']?[^\s#\"']+[\"']?")
#: a comment this module wrote before, and the admin's comment it kept after " — "
_OWN_COMMENT = re.compile(r"\s*#\s*calibrated:.*?(?: — (?P<kept>.*))?$")


@dataclass(frozen=True)
class Change:
    path: tuple[str | int, ...]
    value: float | str  # a number, or a grade (the MQL gate's min_grade)
    comment: str | None  # the line's comment (None: leave the line's comment alone)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _position(document: Any, path: Sequence[str | int]) -> tuple[int, int]:
    """(line, column), 0-based, of the value at `path` in ruamel's round-trip tree."""
    node = document
    for part in path[:-1]:
        node = node[part]
    last = path[-1]
    if isinstance(node, CommentedMap | CommentedSeq):
        line, column = node.lc.value(last) if isinstance(node, CommentedMap) else node.lc.item(last)
        return int(line), int(column)
    raise CalibrationError(f"cannot place a value at {'.'.join(map(str, path))}")


def load_document(text: str) -> Any:
    """Where each value of a rules file stands. `patch` edits within lines, right to left, so one
    document (half a second to load) serves every edit of the same text."""
    return YAML(typ="rt").load(text)


def patch(text: str, changes: Sequence[Change], document: Any = None) -> str:
    """`text` with each change's value replaced in place and its comment at the line's end (an
    earlier `calibrated:` comment replaced, any other kept after it)."""
    document = load_document(text) if document is None else document
    lines = text.splitlines(keepends=True)
    by_line: dict[int, list[tuple[int, Change]]] = {}
    for change in changes:
        line_number, column = _position(document, change.path)
        by_line.setdefault(line_number, []).append((column, change))
    for line_number, edits in by_line.items():
        line = lines[line_number]
        ending = line[len(line.rstrip("\r\n")) :]
        body = line[: len(line) - len(ending)]
        comments = [c.comment for _, c in edits if c.comment]
        last_end = 0
        for column, change in sorted(edits, key=lambda item: item[0], reverse=True):
            grade = isinstance(change.value, str)
            found = (_GRADE if grade else _NUMBER).match(body, column)
            if found is None:
                what = "a grade" if grade else "a number"
                raise CalibrationError(
                    f"line {line_number + 1}: expected {what} at column {column + 1}"
                )
            value = change.value if isinstance(change.value, str) else _number(change.value)
            body = body[: found.start()] + value + body[found.end() :]
            last_end = max(last_end, found.start() + len(value))
        if comments:
            body = _OWN_COMMENT.sub(
                lambda m: f"  # {m['kept']}" if m["kept"] else "", body, count=1
            )
            head, old_comment = _split_comment(body, last_end)
            note = "; ".join(comments)
            rest = f" — {old_comment}" if old_comment else ""
            body = f"{head.rstrip()}  # calibrated: {note}{rest}"
        lines[line_number] = body + ending
    return "".join(lines)


def _split_comment(body: str, after: int) -> tuple[str, str]:
    """The line before its comment and the comment's text; a `#` after whitespace past column
    `after` (the edited value) starts a YAML comment."""
    found = re.search(r"\s#", body[after:])
    if found is None:
        return body, ""
    start = after + found.start()
    return body[:start], body[start:].strip().lstrip("#").strip()


def describe(rule: LearnedRule) -> str:
    """The evidence behind one learned value, as its comment."""
    parts = [f"was {_number(rule.current)}"]
    if rule.status in ("learned", "dropped"):
        parts.append(f"support {rule.support}")
        if rule.conversion is not None:
            parts.append(f"conversion {rule.conversion:.0%}")
        if rule.lift is not None:
            parts.append(f"lift {rule.lift:.2f}")
    if rule.why:
        parts.append(rule.why)
    return ", ".join(parts)
