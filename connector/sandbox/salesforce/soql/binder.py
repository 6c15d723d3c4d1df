"""Checks a parsed query against the org's metadata and resolves every name to a field, with
Salesforce's errors as the API prints them (SOQL and SOSL Reference): INVALID_TYPE for an unknown
object, INVALID_FIELD for an unknown field or relationship, a literal of the wrong type or a
long text area filtered or sorted, INVALID_QUERY_FILTER_OPERATOR for a malformed id literal."""

from __future__ import annotations

from dataclasses import dataclass

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.catalogue import NAME_OBJECT
from connector.sandbox.salesforce.errors import custom_hint
from connector.sandbox.salesforce.schema import KIND_NAMES, FieldDef, FieldType, Kind, ObjectDef
from connector.sandbox.salesforce.soql.ast import (
    And,
    Comparison,
    Condition,
    FieldPath,
    InList,
    Or,
    Parsed,
    Query,
)
from connector.sandbox.salesforce.soql.lexer import SoqlError, Tok, Token
from connector.sandbox.salesforce.values import CONVERTERS


@dataclass(frozen=True)
class BoundPath:
    """A field path resolved hop by hop: `Owner.Name` on Lead is hop OwnerId -> `Name`.Name."""

    text: str
    hops: tuple[FieldDef, ...]
    objects: tuple[ObjectDef, ...]  # the object reached after each hop
    leaf: FieldDef
    pos: int


Bound = Condition[BoundPath, object]  # a condition over resolved paths and stored values
BoundQuery = Query[ObjectDef, BoundPath, object]


#: The literal each kind of field is compared with.
_LITERALS = {
    Kind.TEXT: Tok.STRING,
    Kind.BOOL: Tok.BOOLEAN,
    Kind.INT: Tok.NUMBER,
    Kind.FLOAT: Tok.NUMBER,
    Kind.DATE: Tok.DATE,
    Kind.DATETIME: Tok.DATETIME,
}


class Binder:
    """Resolves names against `objects`; `literal` converts literals to stored form."""

    def __init__(self, objects: dict[str, ObjectDef]) -> None:
        self.objects = {name.lower(): obj for name, obj in objects.items()}

    def bind(self, query: Parsed) -> BoundQuery:
        obj = self.objects.get(query.object.text.lower())
        if obj is None:
            hint = custom_hint("object", "entity name")
            message = f"sObject type '{query.object.text}' is not supported. {hint}"
            raise SoqlError(message, query.object.pos, "INVALID_TYPE")
        fields: list[BoundPath] = []
        for path in query.fields:
            resolved = self.path(obj, path)
            if any(resolved.text.lower() == other.text.lower() for other in fields):
                raise SoqlError(f"duplicate field selected: {path.text}", path.pos)
            fields.append(resolved)
        where = None if query.where is None else self.condition(obj, query.where)
        order_by = [self.path(obj, path, "sorted") for path in query.order_by]
        return Query(obj, fields, query.count, where, order_by, query.limit)

    def path(self, obj: ObjectDef, path: FieldPath, use: str | None = None) -> BoundPath:
        """Resolve `path` on `obj`; `use` ("filtered", "sorted") also checks the leaf allows it."""
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
            target = self._target(hop) if hop is not None else None
            if hop is None or target is None:
                message = f"Didn't understand relationship '{part}' in field path. "
                raise SoqlError(
                    message + custom_hint("relationship", "custom relationship name", "__r"),
                    path.pos,
                    "INVALID_FIELD",
                )
            hops.append(hop)
            objects.append(target)
            current = target
        leaf = current.field(parts[-1])
        if leaf is None:
            hint = custom_hint("field", "custom field name")
            message = f"No such column '{parts[-1]}' on entity '{current.name}'. {hint}"
            raise SoqlError(message, path.pos, "INVALID_FIELD")
        allowed = {"filtered": leaf.filterable, "sorted": leaf.sortable}.get(use or "", True)
        if not allowed:
            message = f"field '{leaf.name}' can not be {use} in a query call"
            raise SoqlError(message, path.pos, "INVALID_FIELD")
        return BoundPath(".".join(parts), tuple(hops), tuple(objects), leaf, path.pos)

    def _target(self, hop: FieldDef) -> ObjectDef | None:
        """The object a lookup leads to: `Name` for a polymorphic one, None outside the org."""
        target = self.objects.get(hop.reference_to[0].lower())
        return NAME_OBJECT if hop.polymorphic else target

    def condition(self, obj: ObjectDef, node: Condition[FieldPath, Token]) -> Bound:
        if isinstance(node, And):
            return And(tuple(self.condition(obj, child) for child in node.children))
        if isinstance(node, Or):
            return Or(tuple(self.condition(obj, child) for child in node.children))
        path = self.path(obj, node.path, "filtered")
        if isinstance(node, Comparison):
            return Comparison(path, node.op, self.literal(path, node.value))
        return InList(path, tuple(self.literal(path, v) for v in node.values), node.negated)

    def literal(self, path: BoundPath, literal: Token) -> object:
        """The literal in the store's representation, once its type fits the field's."""
        leaf = path.leaf
        if literal.kind is Tok.NULL:
            return None
        expected, type_name = _LITERALS[leaf.kind], KIND_NAMES[leaf.kind][1]
        if literal.kind is not expected:
            quotes = "should be" if leaf.kind is Kind.TEXT else "should not be"
            message = (
                f"value of filter criterion for field '{leaf.name}' must be of type {type_name} "
                f"and {quotes} enclosed in quotes"
            )
            raise SoqlError(message, literal.pos, "INVALID_FIELD")
        if leaf.type in (FieldType.ID, FieldType.REFERENCE):
            if not ids.looks_like_id(str(literal.value)):
                message = f"invalid ID field: {literal.value}"
                raise SoqlError(message, literal.pos, "INVALID_QUERY_FILTER_OPERATOR")
            return ids.to18(str(literal.value))
        if leaf.kind in (Kind.DATE, Kind.DATETIME, Kind.FLOAT):
            return CONVERTERS[leaf.kind](literal.value)
        return literal.value
