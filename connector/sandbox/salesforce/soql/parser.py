"""A recursive-descent parser for the SOQL subset the connector (and tools like it) use:

    SELECT (COUNT() | path {, path}) FROM object [WHERE condition]
    [ORDER BY path [ASC] {, path [ASC]}] [LIMIT n]

Conditions: = != <> < <= > >=, [NOT] IN (...), AND, OR, parentheses; as on Salesforce, AND and
OR are not mixed at one level without parentheses. LIKE, a leading NOT, OFFSET, DESC and NULLS
FIRST|LAST are not emulated: the connector matches by =, != and IN, and pages by keyset (`Id >
...` in ascending order, where nulls come first as on Salesforce). Keywords and names are
case-insensitive; syntax errors raise `SoqlError` (MALFORMED_QUERY).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NoReturn, TypeVar

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
from connector.sandbox.salesforce.soql.lexer import SoqlError, Tok, Token, tokenize

# Clauses and operators of full SOQL this emulator does not implement; refused with a clear
# message. (The word lists are split strings, which read better here than one item per line.)
UNSUPPORTED = frozenset(
    "GROUP HAVING WITH FOR USING TYPEOF INCLUDES EXCLUDES LIKE OFFSET DESC NULLS".split()  # noqa: SIM905
)
KEYWORDS = UNSUPPORTED | frozenset("SELECT FROM WHERE ORDER BY ASC LIMIT AND OR NOT IN".split())  # noqa: SIM905
_LITERALS = frozenset({Tok.STRING, Tok.NUMBER, Tok.DATE, Tok.DATETIME, Tok.BOOLEAN, Tok.NULL})
Clause = Condition[FieldPath, Token]
T = TypeVar("T")


def parse(soql: str) -> Parsed:
    return _Parser(tokenize(soql)).query()


def _not_emulated(what: str, token: Token) -> NoReturn:
    message = f"unexpected token: '{token.text}' ({what} not emulated by the Salesforce sandbox)"
    raise SoqlError(message, token.pos)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    # -- token helpers -------------------------------------------------------------------------
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Tok.EOF:
            self.index += 1
        return token

    def is_keyword(self, *words: str) -> bool:
        return self.current.kind is Tok.IDENT and self.current.text.upper() in words

    def accept(self, *words: str) -> Token | None:
        """The current token, consumed, when it is one of the keywords `words`."""
        return self.advance() if self.is_keyword(*words) else None

    def expect_keyword(self, word: str) -> Token:
        return self.accept(word) or self.unexpected()

    def expect(self, kind: Tok) -> Token:
        return self.advance() if self.current.kind is kind else self.unexpected()

    def unexpected(self, token: Token | None = None) -> NoReturn:
        token = token or self.current
        if token.kind is Tok.IDENT and token.text.upper() in UNSUPPORTED:
            _not_emulated("this SOQL keyword is", token)
        raise SoqlError(f"unexpected token: '{token.text}'", token.pos)

    def separated(self, item: Callable[[], T]) -> list[T]:
        """`item {, item}`."""
        items = [item()]
        while self.current.kind is Tok.COMMA:
            self.advance()
            items.append(item())
        return items

    # -- grammar ------------------------------------------------------------------------------
    def query(self) -> Parsed:
        self.expect_keyword("SELECT")
        count = self.count()
        fields = [] if count else self.separated(self.field_path)
        self.expect_keyword("FROM")
        object_token = self.expect(Tok.IDENT)
        if object_token.text.upper() in KEYWORDS or "." in object_token.text:
            self.unexpected(object_token)
        query: Parsed = Query(object_token, fields, count)
        if self.accept("WHERE"):
            query.where = self.condition()
        if self.accept("ORDER"):
            self.expect_keyword("BY")
            query.order_by = self.separated(self.order_item)
        if self.accept("LIMIT"):
            limit = self.expect(Tok.NUMBER)
            if not isinstance(limit.value, int) or limit.value < 0:
                self.unexpected(limit)
            query.limit = limit.value
        if self.current.kind is not Tok.EOF:
            self.unexpected()
        return query

    def count(self) -> bool:
        """Whether the select list is `COUNT()`: only totalSize is answered. COUNT(field) and
        other aggregates are not emulated (nothing in the connector asks for them)."""
        if not self.is_keyword("COUNT") or self.tokens[self.index + 1].kind is not Tok.LPAREN:
            return False
        self.advance()  # COUNT
        self.expect(Tok.LPAREN)
        if self.current.kind is not Tok.RPAREN:
            _not_emulated("COUNT(field) is", self.current)
        self.expect(Tok.RPAREN)
        return True

    def field_path(self) -> FieldPath:
        token = self.current
        if token.kind is not Tok.IDENT or token.text.upper() in KEYWORDS:
            self.unexpected()
        self.advance()
        if self.current.kind is Tok.LPAREN:
            # A function call (FIELDS(ALL), toLabel(...), ...) or a subquery: not emulated.
            _not_emulated(f"functions such as {token.text}() are", self.current)
        return FieldPath(tuple(token.text.split(".")), token.pos)

    def order_item(self) -> FieldPath:
        path = self.field_path()
        self.accept("ASC")
        return path

    def condition(self) -> Clause:
        first = self.unary()
        connective = self.accept("AND", "OR")
        if connective is None:
            return first
        word = connective.text.upper()
        children = [first, self.unary()]
        while self.accept(word):
            children.append(self.unary())
        if self.is_keyword("AND", "OR"):  # mixing AND and OR at one level needs parentheses
            self.unexpected()
        return And(tuple(children)) if word == "AND" else Or(tuple(children))

    def unary(self) -> Clause:
        if self.is_keyword("NOT"):  # NOT IN is read by predicate
            _not_emulated("a leading NOT is", self.current)
        if self.current.kind is not Tok.LPAREN:
            return self.predicate()
        self.advance()
        inner = self.condition()
        self.expect(Tok.RPAREN)
        return inner

    def predicate(self) -> Clause:
        path = self.field_path()
        token = self.current
        if token.kind is Tok.OP:  # = != <> < <= > >=
            self.advance()
            return Comparison(path, "!=" if token.text == "<>" else token.text, self.value())
        negated = self.accept("NOT") is not None
        if not self.accept("IN"):
            self.unexpected()
        self.expect(Tok.LPAREN)
        if self.is_keyword("SELECT"):
            _not_emulated("semi-join subqueries are", replace(self.current, text="SELECT"))
        values = self.separated(self.value)
        self.expect(Tok.RPAREN)
        return InList(path, tuple(values), negated)

    def value(self) -> Token:
        return self.advance() if self.current.kind in _LITERALS else self.unexpected()
