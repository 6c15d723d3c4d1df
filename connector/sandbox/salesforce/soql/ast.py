"""A SOQL query and its conditions: the parser builds them over names and literal tokens, the
binder rebuilds them over definitions (`ObjectDef`, `BoundPath`) and stored values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from connector.sandbox.salesforce.soql.lexer import Token

S = TypeVar("S")  # the sObject: its name's token as parsed, its ObjectDef once bound
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
class Query(Generic[S, P, V]):
    object: S
    fields: list[P]
    count: bool  # SELECT COUNT(): only totalSize is answered
    where: Condition[P, V] | None = None
    order_by: list[P] = field(default_factory=list)  # ascending, nulls first
    limit: int | None = None


Parsed = Query[Token, FieldPath, Token]
