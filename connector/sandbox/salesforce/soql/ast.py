"""A SOQL query's conditions and ordering: the parser builds them over `FieldPath`s and literal
tokens, the binder rebuilds them over `BoundPath`s and stored values for the executor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from connector.sandbox.salesforce.soql.lexer import Token

P = TypeVar("P")  # a field path: FieldPath as parsed, BoundPath once bound
V = TypeVar("V")  # a value: the literal's token as parsed, its stored form once bound


@dataclass(frozen=True)
class FieldPath:
    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Comparison(Generic[P, V]):
    path: P
    op: str  # = != < <= > >=
    value: V


@dataclass(frozen=True)
class InList(Generic[P, V]):
    path: P
    values: tuple[V, ...]
    negated: bool


@dataclass(frozen=True)
class And(Generic[P, V]):
    children: tuple[Condition[P, V], ...]


@dataclass(frozen=True)
class Or(Generic[P, V]):
    children: tuple[Condition[P, V], ...]


Condition = Comparison[P, V] | InList[P, V] | And[P, V] | Or[P, V]


@dataclass
class Query:
    object_name: str
    object_pos: int
    fields: list[FieldPath] = field(default_factory=list)
    count: bool = False  # SELECT COUNT()
    where: Condition[FieldPath, Token] | None = None
    order_by: list[FieldPath] = field(default_factory=list)  # ascending, nulls first
    limit: int | None = None
