"""Checks a parsed query against the org's metadata and resolves every name to a field.

Errors are Salesforce's (SOQL and SOSL Reference; messages as the API prints them):
- unknown object: INVALID_TYPE "sObject type 'X' is not supported. If you are attempting to use a
  custom object, be sure to append the '__c' ..."
- unknown field: INVALID_FIELD "No such column 'X' on entity 'Lead'. If you are attempting to use
  a custom field, be sure to append the '__c' ..."
- unknown relationship: INVALID_FIELD "Didn't understand relationship 'X' in field path. ..."
- a literal of the wrong type: INVALID_FIELD "value of filter criterion for field 'X' must be of
  type dateTime and should not be enclosed in quotes"
- a malformed id literal: INVALID_QUERY_FILTER_OPERATOR "invalid ID field: X"
- long text areas: INVALID_FIELD "field 'X' can not be filtered in a query call" / "... sorted ..."
- OFFSET above 2,000: NUMBER_OUTSIDE_VALID_RANGE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import (
    CUSTOM_FIELD_HINT,
    CUSTOM_OBJECT_HINT,
    CUSTOM_RELATIONSHIP_HINT,
)
from connector.sandbox.salesforce.schema import FieldDef, FieldType, Kind, ObjectDef
from connector.sandbox.salesforce.soql.ast import (
    And,
    Comparison,
    Condition,
    FieldPath,
    InList,
    Like,
    Literal,
    LiteralKind,
    Not,
    Or,
    Query,
)
from connector.sandbox.salesforce.values import date_to_days, datetime_to_ms, parse_datetime_text

MAX_OFFSET = 2000


class SoqlBindError(Exception):
    def __init__(self, error_code: str, message: str, pos: int | None) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class BoundPath:
    """A field path resolved hop by hop: `Owner.Name` on Lead is hop OwnerId -> `Name`.Name."""

    text: str
    hops: tuple[FieldDef, ...]
    objects: tuple[ObjectDef, ...]  # the object reached after each hop
    leaf: FieldDef
    pos: int

    @property
    def keys(self) -> tuple[str, ...]:
        """The JSON nesting keys: relationship names, then the leaf's API name."""
        return (*(hop.relationship_name or hop.name for hop in self.hops), self.leaf.name)


@dataclass(frozen=True)
class BoundLiteral:
    literal: Literal
    value: object  # stored representation


@dataclass(frozen=True)
class BoundComparison:
    path: BoundPath
    op: str
    value: BoundLiteral


@dataclass(frozen=True)
class BoundIn:
    path: BoundPath
    values: tuple[BoundLiteral, ...]
    negated: bool


@dataclass(frozen=True)
class BoundLike:
    path: BoundPath
    parts: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class BoundAnd:
    children: tuple[BoundCondition, ...]


@dataclass(frozen=True)
class BoundOr:
    children: tuple[BoundCondition, ...]


@dataclass(frozen=True)
class BoundNot:
    child: BoundCondition


BoundCondition = BoundComparison | BoundIn | BoundLike | BoundAnd | BoundOr | BoundNot


@dataclass(frozen=True)
class BoundOrder:
    path: BoundPath
    descending: bool
    nulls_last: bool


@dataclass
class BoundQuery:
    soql: str
    object: ObjectDef
    fields: list[BoundPath] = field(default_factory=list)
    count_only: bool = False
    count_path: BoundPath | None = None
    count_alias: str | None = None
    where: BoundCondition | None = None
    order_by: list[BoundOrder] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None

    @property
    def aggregate(self) -> bool:
        return self.count_path is not None


# Type names as Salesforce spells them in filter-criterion errors.
_TYPE_NAMES = {
    Kind.TEXT: "string",
    Kind.BOOL: "boolean",
    Kind.INT: "integer",
    Kind.FLOAT: "double",
    Kind.DATE: "date",
    Kind.DATETIME: "dateTime",
}


class Binder:
    """Resolves names against `objects`; `literal_value` converts literals to stored form."""

    def __init__(self, objects: dict[str, ObjectDef], name_object: ObjectDef) -> None:
        self.objects = {name.lower(): obj for name, obj in objects.items()}
        self.name_object = name_object

    def bind(self, query: Query, soql: str) -> BoundQuery:
        obj = self.objects.get(query.object_name.lower())
        if obj is None or not obj.queryable:
            raise SoqlBindError(
                "INVALID_TYPE",
                f"sObject type '{query.object_name}' is not supported. {CUSTOM_OBJECT_HINT}",
                query.object_pos,
            )
        bound = BoundQuery(soql, obj)
        seen: set[str] = set()
        for path in query.fields:
            resolved = self.path(obj, path)
            key = resolved.text.lower()
            if key in seen:
                raise SoqlBindError(
                    "MALFORMED_QUERY", f"duplicate field selected: {path.text}", path.pos
                )
            seen.add(key)
            bound.fields.append(resolved)
        if query.count is not None:
            bound.count_only = query.count.path is None
            if query.count.path is not None:
                bound.count_path = self.path(obj, query.count.path)
                bound.count_alias = query.count.alias
        if query.where is not None:
            bound.where = self.condition(obj, query.where)
        for item in query.order_by:
            resolved = self.path(obj, item.path)
            if not resolved.leaf.sortable:
                raise SoqlBindError(
                    "INVALID_FIELD",
                    f"field '{resolved.leaf.name}' can not be sorted in a query call",
                    item.path.pos,
                )
            nulls_last = bool(item.nulls_last)  # default: nulls first
            bound.order_by.append(BoundOrder(resolved, item.descending, nulls_last))
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise SoqlBindError(
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                query.offset_pos,
            )
        bound.limit = query.limit
        bound.offset = query.offset
        return bound

    def path(self, obj: ObjectDef, path: FieldPath) -> BoundPath:
        parts = list(path.parts)
        # `SELECT Lead.Email FROM Lead`: a leading object name qualifies the field.
        if (
            len(parts) > 1
            and parts[0].lower() == obj.name.lower()
            and not obj.relationship(parts[0])
        ):
            parts = parts[1:]
        hops: list[FieldDef] = []
        objects: list[ObjectDef] = []
        current = obj
        for part in parts[:-1]:
            hop = current.relationship(part)
            if hop is None:
                raise SoqlBindError(
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{part}' in field path. "
                    f"{CUSTOM_RELATIONSHIP_HINT}",
                    path.pos,
                )
            target = self._target(hop)
            if target is None:
                raise SoqlBindError(
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{part}' in field path. "
                    f"{CUSTOM_RELATIONSHIP_HINT}",
                    path.pos,
                )
            hops.append(hop)
            objects.append(target)
            current = target
        leaf = current.field(parts[-1])
        if leaf is None:
            raise SoqlBindError(
                "INVALID_FIELD",
                f"No such column '{parts[-1]}' on entity '{current.name}'. {CUSTOM_FIELD_HINT}",
                path.pos,
            )
        return BoundPath(".".join(parts), tuple(hops), tuple(objects), leaf, path.pos)

    def _target(self, hop: FieldDef) -> ObjectDef | None:
        if hop.polymorphic:
            return self.name_object
        return self.objects.get(hop.reference_to[0].lower()) if hop.reference_to else None

    def condition(self, obj: ObjectDef, node: Condition) -> BoundCondition:
        if isinstance(node, And):
            return BoundAnd(tuple(self.condition(obj, child) for child in node.children))
        if isinstance(node, Or):
            return BoundOr(tuple(self.condition(obj, child) for child in node.children))
        if isinstance(node, Not):
            return BoundNot(self.condition(obj, node.child))
        path = self.filter_path(obj, node.path)
        if isinstance(node, Comparison):
            return BoundComparison(path, node.op, self.literal(path, node.value))
        if isinstance(node, InList):
            values = tuple(self.literal(path, value) for value in node.values)
            return BoundIn(path, values, node.negated)
        assert isinstance(node, Like)
        if path.leaf.kind is not Kind.TEXT or path.leaf.type in (FieldType.ID, FieldType.REFERENCE):
            raise SoqlBindError(
                "INVALID_FIELD",
                f"invalid operator on {_describe_kind(path.leaf)} field: LIKE",
                node.path.pos,
            )
        return BoundLike(path, node.pattern.like_parts)

    def filter_path(self, obj: ObjectDef, path: FieldPath) -> BoundPath:
        resolved = self.path(obj, path)
        if not resolved.leaf.filterable:
            raise SoqlBindError(
                "INVALID_FIELD",
                f"field '{resolved.leaf.name}' can not be filtered in a query call",
                path.pos,
            )
        return resolved

    def literal(self, path: BoundPath, literal: Literal) -> BoundLiteral:
        leaf = path.leaf
        kind = leaf.kind
        if literal.kind is LiteralKind.NULL:
            return BoundLiteral(literal, None)
        if literal.has_wildcard_escape:
            raise SoqlBindError(
                "MALFORMED_QUERY",
                f"Invalid string literal {literal.text}. Illegal character sequence '\\_' or "
                "'\\%' outside a LIKE expression.",
                literal.pos,
            )
        expected = {
            Kind.TEXT: LiteralKind.STRING,
            Kind.BOOL: LiteralKind.BOOLEAN,
            Kind.INT: LiteralKind.NUMBER,
            Kind.FLOAT: LiteralKind.NUMBER,
            Kind.DATE: LiteralKind.DATE,
            Kind.DATETIME: LiteralKind.DATETIME,
        }[kind]
        if literal.kind is not expected:
            raise self._type_error(leaf, literal)
        if leaf.type in (FieldType.ID, FieldType.REFERENCE):
            text = str(literal.value)
            if not ids.looks_like_id(text):
                raise SoqlBindError(
                    "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {text}", literal.pos
                )
            return BoundLiteral(literal, ids.to18(text))
        return BoundLiteral(literal, literal_stored(literal, kind))

    @staticmethod
    def _type_error(leaf: FieldDef, literal: Literal) -> SoqlBindError:
        type_name = _TYPE_NAMES[leaf.kind]
        if leaf.kind is Kind.TEXT:
            advice = "should be enclosed in quotes"
        else:
            advice = "should not be enclosed in quotes"
        return SoqlBindError(
            "INVALID_FIELD",
            f"value of filter criterion for field '{leaf.name}' must be of type {type_name} "
            f"and {advice}",
            literal.pos,
        )


def _describe_kind(leaf: FieldDef) -> str:
    if leaf.type in (FieldType.ID, FieldType.REFERENCE):
        return "id"
    return _TYPE_NAMES[leaf.kind]


def literal_stored(literal: Literal, kind: Kind) -> object:
    """A type-checked literal in the store's representation."""
    if literal.kind is LiteralKind.DATE:
        return date_to_days(date.fromisoformat(str(literal.value)))
    if literal.kind is LiteralKind.DATETIME:
        return datetime_to_ms(parse_datetime_text(str(literal.value)))
    if literal.kind is LiteralKind.NUMBER and kind is Kind.FLOAT:
        return float(literal.value)  # type: ignore[arg-type]
    return literal.value
