"""SOQL tokens. String escapes follow "Quoted String Escape Sequences" (SOQL and SOSL Reference):
`\\n \\r \\t \\b \\f` (either case), `\\" \\' \\\\` and `\\uXXXX`; `\\_` and `\\%` belong to LIKE,
which is not emulated, and "If you use a backslash character in any other context, an error
occurs". Date and datetime literals are unquoted (`1999-01-01`, `1999-01-01T23:01:01Z`,
`...-08:00`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Tok(StrEnum):
    IDENT = "ident"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"  # TRUE/FALSE and NULL: words, read as literals (any case)
    NULL = "null"
    OP = "op"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    EOF = "<EOF>"


@dataclass(frozen=True)
class Token:
    """A token; as a literal in a condition, `value` is what it stands for."""

    kind: Tok
    text: str  # the source text, used in error messages
    pos: int
    value: object = None


class SoqlError(Exception):
    """A query Salesforce refuses: `error_code` with `message`, about the text at `pos`."""

    def __init__(self, message: str, pos: int, error_code: str = "MALFORMED_QUERY") -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.error_code = error_code


_IDENT = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
#: One alternative per token kind, tried in this order at each position.
_TOKEN = re.compile(
    rf"""\s*(?:
      (?P<string>')
    | (?P<punct>[(),])
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<datetime>\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{1,3}})?
        (?:Z|[+-]\d{{2}}:\d{{2}})(?![\w:]))
    | (?P<date>\d{{4}}-\d{{2}}-\d{{2}}(?![\w:-]))
    | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.]))
    | (?P<ident>{_IDENT})
    )""",
    re.VERBOSE,
)
#: A string's body up to its closing quote, if it has one.
_STRING_BODY = re.compile(r"((?:[^'\\]|\\.)*)(')?", re.DOTALL)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)|(.)", re.DOTALL)
_WORDS = {"TRUE": (Tok.BOOLEAN, True), "FALSE": (Tok.BOOLEAN, False), "NULL": (Tok.NULL, None)}
#: Backslash escapes: n r t b f in either case, and the quotes and the backslash themselves.
_SIMPLE_ESCAPES = dict(zip("nNrRtTbBfF\"'\\", "\n\n\r\r\t\t\b\b\f\f\"'\\", strict=True))


def tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while (found := _TOKEN.match(soql, pos)) is not None and found.lastgroup is not None:
        kind = found.lastgroup
        start, text = found.start(kind), found.group(kind)
        if kind == "string":
            token = _string(soql, start)
        elif kind in ("punct", "op"):
            token = Token(Tok(text) if kind == "punct" else Tok.OP, text, start)
        elif kind == "number":
            token = Token(Tok.NUMBER, text, start, float(text) if "." in text else int(text))
        elif text.upper() in _WORDS:
            literal, value = _WORDS[text.upper()]
            token = Token(literal, text, start, value)
        else:
            token = Token(Tok(kind), text, start, text)
        tokens.append(token)
        pos = start + len(token.text)
    pos = len(soql) - len(soql[pos:].lstrip())
    if pos < len(soql):
        raise SoqlError(f"unexpected token: '{soql[pos]}'", pos)
    tokens.append(Token(Tok.EOF, "<EOF>", len(soql)))
    return tokens


def _string(soql: str, start: int) -> Token:
    body = _STRING_BODY.match(soql, start + 1)
    assert body is not None  # it matches the empty string
    chars: list[str] = []
    for piece in _ESCAPE.finditer(body.group(1)):
        escape, plain = piece.group(1), piece.group(2)
        if plain is not None:
            chars.append(plain)
        elif escape in _SIMPLE_ESCAPES:
            chars.append(_SIMPLE_ESCAPES[escape])
        elif len(escape) == 5:  # \uXXXX
            chars.append(chr(int(escape[1:], 16)))
        else:
            end = start + 1 + piece.end()
            raise SoqlError(
                f"Invalid string literal {soql[start:end]}'. Illegal character sequence "
                f"'\\{escape}' in string literal.",
                start,
            )
    if body.group(2) is None:
        raise SoqlError("unexpected token: '<EOF>'", start)
    return Token(Tok.STRING, soql[start : body.end()], start, "".join(chars))
