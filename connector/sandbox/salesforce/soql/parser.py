"""A recursive-descent parser for the SOQL subset the connector (and tools like it) use.

    SELECT (COUNT() | COUNT(path) [alias] | path {, path}) FROM object
    [WHERE condition] [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST] {, ...}]
    [LIMIT n] [OFFSET n]

Conditions: comparisons (= != <> < <= > >=), [NOT] IN (...), LIKE, NOT, AND, OR and parentheses.
As on Salesforce, AND and OR cannot be mixed at one level without parentheses
(`a = 1 AND b = 2 OR c = 3` is rejected). Keywords and names are case-insensitive.
Syntax errors raise `SoqlSyntaxError`, which the query resource answers as MALFORMED_QUERY.
"""

from __future__ import annotations

from connector.sandbox.salesforce.soql.ast import (
    And,
    Comparison,
    Condition,
    CountExpr,
    FieldPath,
    InList,
    Like,
    Literal,
    LiteralKind,
    Not,
    Or,
    OrderItem,
    Query,
)
from connector.sandbox.salesforce.soql.lexer import LexError, Tok, Token, tokenize

KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "LIMIT",
        "OFFSET",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "TRUE",
        "FALSE",
        "NULL",
        "GROUP",
        "HAVING",
        "WITH",
        "FOR",
        "USING",
        "TYPEOF",
        "INCLUDES",
        "EXCLUDES",
    }
)
# Clauses of full SOQL this emulator does not implement; refused with a clear message.
UNSUPPORTED = frozenset(
    {"GROUP", "HAVING", "WITH", "FOR", "USING", "TYPEOF", "INCLUDES", "EXCLUDES"}
)

COMPARISON_OPERATORS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})


class SoqlSyntaxError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def parse(soql: str) -> Query:
    try:
        tokens = tokenize(soql)
    except LexError as exc:
        raise SoqlSyntaxError(exc.message, exc.pos) from exc
    return _Parser(tokens).query()


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
        token = self.current
        return token.kind is Tok.IDENT and token.upper() in words

    def expect_keyword(self, word: str) -> Token:
        if not self.is_keyword(word):
            self.unexpected()
        return self.advance()

    def expect(self, kind: Tok) -> Token:
        if self.current.kind is not kind:
            self.unexpected()
        return self.advance()

    def unexpected(self, token: Token | None = None) -> None:
        token = token or self.current
        if token.kind is Tok.IDENT and token.upper() in UNSUPPORTED:
            raise SoqlSyntaxError(
                f"unexpected token: '{token.text}' (this SOQL clause is not emulated by the "
                "Salesforce sandbox)",
                token.pos,
            )
        raise SoqlSyntaxError(f"unexpected token: '{token.text}'", token.pos)

    # -- grammar ------------------------------------------------------------------------------

    def query(self) -> Query:
        self.expect_keyword("SELECT")
        fields: list[FieldPath] = []
        count: CountExpr | None = None
        if self.is_keyword("COUNT") and self.tokens[self.index + 1].kind is Tok.LPAREN:
            count = self.count_expr()
        else:
            fields.append(self.field_path())
            while self.current.kind is Tok.COMMA:
                self.advance()
                if self.is_keyword("COUNT") and self.tokens[self.index + 1].kind is Tok.LPAREN:
                    self.unexpected()
                fields.append(self.field_path())
        self.expect_keyword("FROM")
        object_token = self.expect(Tok.IDENT)
        if object_token.upper() in KEYWORDS or "." in object_token.text:
            self.unexpected(object_token)
        query = Query(object_token.text, object_token.pos, fields, count)
        if self.is_keyword("WHERE"):
            self.advance()
            query.where = self.condition()
        if self.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            query.order_by.append(self.order_item())
            while self.current.kind is Tok.COMMA:
                self.advance()
                query.order_by.append(self.order_item())
        if self.is_keyword("LIMIT"):
            self.advance()
            query.limit = self.non_negative_int()
        if self.is_keyword("OFFSET"):
            query.offset_pos = self.advance().pos
            query.offset = self.non_negative_int()
        if self.current.kind is not Tok.EOF:
            self.unexpected()
        return query

    def count_expr(self) -> CountExpr:
        start = self.advance()  # COUNT
        self.expect(Tok.LPAREN)
        path: FieldPath | None = None
        if self.current.kind is not Tok.RPAREN:
            path = self.field_path()
        self.expect(Tok.RPAREN)
        alias: str | None = None
        if (
            path is not None
            and self.current.kind is Tok.IDENT
            and self.current.upper() not in KEYWORDS
        ):
            alias = self.advance().text
        return CountExpr(path, alias, start.pos)

    def field_path(self) -> FieldPath:
        token = self.current
        if token.kind is not Tok.IDENT or token.upper() in KEYWORDS:
            self.unexpected()
        self.advance()
        if self.current.kind is Tok.LPAREN:
            # A function call (FIELDS(ALL), toLabel(...), ...) or a subquery: not emulated.
            raise SoqlSyntaxError(
                f"unexpected token: '(' (functions such as {token.text}() are not emulated by "
                "the Salesforce sandbox)",
                self.current.pos,
            )
        return FieldPath(tuple(token.text.split(".")), token.pos)

    def non_negative_int(self) -> int:
        token = self.current
        if token.kind is not Tok.NUMBER or not isinstance(token.value, int) or token.value < 0:
            self.unexpected()
        self.advance()
        assert isinstance(token.value, int)
        return token.value

    def order_item(self) -> OrderItem:
        path = self.field_path()
        descending = False
        nulls_last: bool | None = None
        if self.is_keyword("ASC", "DESC"):
            descending = self.advance().upper() == "DESC"
        if self.is_keyword("NULLS"):
            self.advance()
            if not self.is_keyword("FIRST", "LAST"):
                self.unexpected()
            nulls_last = self.advance().upper() == "LAST"
        return OrderItem(path, descending, nulls_last)

    def condition(self) -> Condition:
        first = self.unary()
        if self.is_keyword("AND", "OR"):
            connective = self.current.upper()
            children = [first]
            while self.is_keyword(connective):
                self.advance()
                children.append(self.unary())
            if self.is_keyword("AND", "OR"):
                # Mixing AND and OR at one level needs parentheses in SOQL.
                self.unexpected()
            return And(tuple(children)) if connective == "AND" else Or(tuple(children))
        return first

    def unary(self) -> Condition:
        if self.is_keyword("NOT"):
            self.advance()
            return Not(self.unary())
        if self.current.kind is Tok.LPAREN:
            self.advance()
            inner = self.condition()
            self.expect(Tok.RPAREN)
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        path = self.field_path()
        token = self.current
        if token.kind is Tok.OP and token.text in COMPARISON_OPERATORS:
            self.advance()
            op = "!=" if token.text == "<>" else token.text
            return Comparison(path, op, self.value())
        if self.is_keyword("LIKE"):
            self.advance()
            pattern = self.value()
            if pattern.kind is not LiteralKind.STRING:
                raise SoqlSyntaxError(f"unexpected token: '{pattern.text}'", pattern.pos)
            return Like(path, pattern)
        negated = False
        if self.is_keyword("NOT"):
            self.advance()
            negated = True
            if not self.is_keyword("IN"):
                self.unexpected()
        if self.is_keyword("IN"):
            self.advance()
            return InList(path, self.value_list(), negated)
        self.unexpected()
        raise AssertionError("unreachable")

    def value_list(self) -> tuple[Literal, ...]:
        self.expect(Tok.LPAREN)
        if self.is_keyword("SELECT"):
            raise SoqlSyntaxError(
                "unexpected token: 'SELECT' (semi-join subqueries are not emulated by the "
                "Salesforce sandbox)",
                self.current.pos,
            )
        values = [self.value()]
        while self.current.kind is Tok.COMMA:
            self.advance()
            values.append(self.value())
        self.expect(Tok.RPAREN)
        return tuple(values)

    def value(self) -> Literal:
        token = self.current
        if token.kind is Tok.STRING:
            self.advance()
            return Literal(
                LiteralKind.STRING,
                token.value,
                token.pos,
                token.text,
                like_parts=token.like_parts,
                has_wildcard_escape=token.has_wildcard_escape,
            )
        if token.kind is Tok.NUMBER:
            self.advance()
            return Literal(LiteralKind.NUMBER, token.value, token.pos, token.text)
        if token.kind is Tok.DATE:
            self.advance()
            return Literal(LiteralKind.DATE, token.value, token.pos, token.text)
        if token.kind is Tok.DATETIME:
            self.advance()
            return Literal(LiteralKind.DATETIME, token.value, token.pos, token.text)
        if token.kind is Tok.IDENT:
            word = token.upper()
            if word in ("TRUE", "FALSE"):
                self.advance()
                return Literal(LiteralKind.BOOLEAN, word == "TRUE", token.pos, token.text)
            if word == "NULL":
                self.advance()
                return Literal(LiteralKind.NULL, None, token.pos, token.text)
        self.unexpected()
        raise AssertionError("unreachable")
