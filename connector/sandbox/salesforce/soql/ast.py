"""The parsed form of a SOQL query, before names are checked against the org's metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class LiteralKind(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Literal:
    kind: LiteralKind
    value: object
    pos: int
    text: str
    like_parts: tuple[tuple[str, bool], ...] = ()
    has_wildcard_escape: bool = False


@dataclass(frozen=True)
class FieldPath:
    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Comparison:
    path: FieldPath
    op: str  # = != < <= > >=
    value: Literal


@dataclass(frozen=True)
class InList:
    path: FieldPath
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    path: FieldPath
    pattern: Literal


@dataclass(frozen=True)
class And:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    child: Condition


Condition = Comparison | InList | Like | And | Or | Not


@dataclass(frozen=True)
class OrderItem:
    path: FieldPath
    descending: bool = False
    nulls_last: bool | None = None  # None: Salesforce's default (nulls first)


@dataclass(frozen=True)
class CountExpr:
    """`COUNT()` (no field: only totalSize is answered) or `COUNT(field) [alias]`."""

    path: FieldPath | None
    alias: str | None
    pos: int


@dataclass
class Query:
    object_name: str
    object_pos: int
    fields: list[FieldPath] = field(default_factory=list)
    count: CountExpr | None = None
    where: Condition | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    offset_pos: int = 0
