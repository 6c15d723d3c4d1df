"""SOQL tokens: identifiers and field paths, string/number/date/datetime literals, operators.

String literals follow "Quoted String Escape Sequences" in the SOQL and SOSL Reference: `\\n \\N`,
`\\r \\R`, `\\t \\T`, `\\b \\B`, `\\f \\F`, `\\"`, `\\'`, `\\\\`, `\\uXXXX`, and - in LIKE
patterns only - `\\_` and `\\%` for a literal underscore or percent sign. "If you use a backslash
character in any other context, an error occurs." Date and datetime literals are unquoted
(`1999-01-01`, `1999-01-01T23:01:01Z`, `...+01:00`, `...-08:00`; "Date Formats and Date
Literals").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Tok(StrEnum):
    IDENT = "ident"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    OP = "op"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    COLON = ":"
    EOF = "<EOF>"


@dataclass(frozen=True)
class Token:
    kind: Tok
    text: str  # the source text, used in error messages
    pos: int
    value: object = None
    # For strings: (char, escaped) pairs, so LIKE can tell `\%` from `%`.
    like_parts: tuple[tuple[str, bool], ...] = field(default=(), compare=False)
    has_wildcard_escape: bool = False

    def upper(self) -> str:
        return self.text.upper()


class LexError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})(?![\w:])"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:-])")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.])")
_OPERATORS = ("<=", ">=", "!=", "<>", "=", "<", ">")
#: Backslash escapes: n r t b f in either case, and the quotes and the backslash themselves.
_SIMPLE_ESCAPES = dict(zip("nNrRtTbBfF\"'\\", "\n\n\r\r\t\t\b\b\f\f\"'\\", strict=True))


def tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    length = len(soql)
    while pos < length:
        char = soql[pos]
        if char.isspace():
            pos += 1
            continue
        if char == "'":
            token, pos = _string(soql, pos)
            tokens.append(token)
            continue
        if char in "(),:":
            tokens.append(Token(Tok(char), char, pos))
            pos += 1
            continue
        operator = next((op for op in _OPERATORS if soql.startswith(op, pos)), None)
        if operator is not None:
            tokens.append(Token(Tok.OP, operator, pos))
            pos += len(operator)
            continue
        match = _DATETIME.match(soql, pos)
        if match:
            tokens.append(Token(Tok.DATETIME, match.group(), pos, match.group()))
            pos = match.end()
            continue
        match = _DATE.match(soql, pos)
        if match:
            tokens.append(Token(Tok.DATE, match.group(), pos, match.group()))
            pos = match.end()
            continue
        match = _NUMBER.match(soql, pos)
        if match:
            text = match.group()
            value: object = float(text) if ("." in text) else int(text)
            tokens.append(Token(Tok.NUMBER, text, pos, value))
            pos = match.end()
            continue
        match = _IDENT.match(soql, pos)
        if match:
            tokens.append(Token(Tok.IDENT, match.group(), pos, match.group()))
            pos = match.end()
            continue
        raise LexError(f"unexpected token: '{char}'", pos)
    tokens.append(Token(Tok.EOF, "<EOF>", length))
    return tokens


def _string(soql: str, start: int) -> tuple[Token, int]:
    pos = start + 1
    parts: list[tuple[str, bool]] = []
    wildcard_escape = False
    while True:
        if pos >= len(soql):
            raise LexError("unexpected token: '<EOF>'", start)
        char = soql[pos]
        if char == "'":
            pos += 1
            break
        if char != "\\":
            parts.append((char, False))
            pos += 1
            continue
        if pos + 1 >= len(soql):
            raise LexError("unexpected token: '<EOF>'", start)
        escaped = soql[pos + 1]
        if escaped in _SIMPLE_ESCAPES:
            parts.append((_SIMPLE_ESCAPES[escaped], True))
            pos += 2
        elif escaped in "_%":
            parts.append((escaped, True))
            wildcard_escape = True
            pos += 2
        elif escaped == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", soql[pos + 2 : pos + 6]):
            parts.append((chr(int(soql[pos + 2 : pos + 6], 16)), True))
            pos += 6
        else:
            literal = soql[start : pos + 2]
            raise LexError(
                f"Invalid string literal {literal}'. Illegal character sequence "
                f"'\\{escaped}' in string literal.",
                start,
            )
    value = "".join(char for char, _ in parts)
    token = Token(
        Tok.STRING,
        soql[start:pos],
        start,
        value,
        like_parts=tuple(parts),
        has_wildcard_escape=wildcard_escape,
    )
    return token, pos
