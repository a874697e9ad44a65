"""A CEL parser: expressions -> syntax trees with source offsets, for cost estimates and rewriting.

The `cel` package compiles and runs expressions but shows no syntax tree, and podlint needs one
to estimate an expression's cost before it runs (as the API server's cel-go does) and to add a
budget check to every iteration of its comprehensions (`cel_cost.py`). The grammar is the CEL
specification's (langdef.md): ternary, `||`, `&&`, relations (with `in`), `+ -`, `* / %`,
unary `! -`, member selection, calls, indexing, list, map and message literals, and the literal
forms (decimal and hex ints, `u` uints, doubles, quoted, raw, triple-quoted and bytes strings).
The parser runs only on expressions the `cel` package has already compiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class CelSyntaxError(ValueError):
    """Text this parser does not read (CEL that the `cel` package accepts should never raise it)."""


@dataclass(slots=True)
class Node:
    """One node of the tree: `kind` says which fields matter.

    literal (value, type), ident (name), select (name; args[0] the operand), call (name; target
    or None; args), index (args: operand, index), list (args), map (args: key, value, ...),
    message (name; args: field values, names in `fields`), unary/binary (name: the operator;
    args), ternary (args: condition, then, else).
    """

    kind: str
    start: int
    end: int
    name: str = ""
    args: list[Node] = field(default_factory=list)
    target: Node | None = None
    value: Any = None
    type: str = ""
    fields: list[str] = field(default_factory=list)

    def children(self) -> list[Node]:
        return ([self.target] if self.target is not None else []) + self.args


_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<double>(?:[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|\.[0-9]+(?:[eE][+-]?[0-9]+)?))
  | (?P<uint>(?:0[xX][0-9a-fA-F]+|[0-9]+)[uU])
  | (?P<int>0[xX][0-9a-fA-F]+|[0-9]+)
  | (?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<punct>\|\||&&|<=|>=|==|!=|[?:<>+\-*/%!.,()\[\]{}])
""", re.VERBOSE)
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\'\"`?])|[xX]([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})"
                     r"|([0-3][0-7]{2}))")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
                   "'": "'", '"': '"', "`": "`", "?": "?"}
_RELATIONS = frozenset({"<", "<=", ">=", ">", "==", "!=", "in"})
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


@dataclass(slots=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise CelSyntaxError(f"unexpected character {source[position]!r} at {position}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    tokens.append(_Token("end", "", len(source), len(source)))
    return tokens


def string_value(text: str) -> tuple[str, Any]:
    """("string" or "bytes", value) of a string literal's text."""
    prefix = re.match(r"[rRbB]*", text)
    letters = prefix.group().lower() if prefix else ""
    body = text[len(letters):]
    quote = 3 if body[:3] in ('"""', "'''") else 1
    inner = body[quote:-quote]
    if "r" not in letters:
        inner = _ESCAPE.sub(_unescape, inner)
    if "b" in letters:
        return "bytes", inner.encode("utf-8", "surrogatepass")
    return "string", inner


def _unescape(match: re.Match[str]) -> str:
    simple, hex2, hex4, hex8, octal = match.groups()
    if simple is not None:
        return _SIMPLE_ESCAPES[simple]
    number = hex2 or hex4 or hex8
    return chr(int(number, 16) if number else int(octal, 8))


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokens(source)
        self.at = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self, text: str | None = None) -> _Token:
        token = self.token
        if text is not None and token.text != text:
            raise CelSyntaxError(f"expected {text!r} at {token.start}, found {token.text!r}")
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        if self.token.text == text and self.token.kind in ("punct", "ident"):
            self.at += 1
            return True
        return False

    def parse(self) -> Node:
        node = self.expr()
        if self.token.kind != "end":
            raise CelSyntaxError(f"unexpected {self.token.text!r} at {self.token.start}")
        return node

    def expr(self) -> Node:
        condition = self.binary(0)
        if not self.accept("?"):
            return condition
        then = self.binary(0)
        self.take(":")
        otherwise = self.expr()
        return Node("ternary", condition.start, otherwise.end, args=[condition, then, otherwise])

    _LEVELS: tuple[frozenset[str], ...] = (frozenset({"||"}), frozenset({"&&"}), _RELATIONS, frozenset({"+", "-"}),
                                          frozenset({"*", "/", "%"}))

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.token.text in self._LEVELS[level] and self.token.kind in ("punct", "ident"):
            operator = self.take().text
            right = self.binary(level + 1)
            node = Node("binary", node.start, right.end, name=operator, args=[node, right])
        return node

    def unary(self) -> Node:
        if self.token.text in ("!", "-") and self.token.kind == "punct":
            start = self.take()
            operand = self.unary()
            return Node("unary", start.start, operand.end, name=start.text, args=[operand])
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.accept("."):
                name = self.take()
                if name.kind != "ident":
                    raise CelSyntaxError(f"expected a field name at {name.start}")
                if self.accept("("):
                    args = self.arguments(")")
                    node = Node("call", node.start, self.tokens[self.at - 1].end, name=name.text, target=node,
                                args=args)
                else:
                    node = Node("select", node.start, name.end, name=name.text, args=[node])
            elif self.accept("["):
                index = self.expr()
                end = self.take("]")
                node = Node("index", node.start, end.end, args=[node, index])
            elif self.token.text == "{" and _qualified_name(node) is not None:
                self.take("{")
                names: list[str] = []
                values: list[Node] = []
                while not self.accept("}"):
                    names.append(self.take().text)
                    self.take(":")
                    values.append(self.expr())
                    if not self.accept(","):
                        self.take("}")
                        break
                node = Node("message", node.start, self.tokens[self.at - 1].end, name=_qualified_name(node) or "",
                            args=values, fields=names)
            else:
                return node

    def arguments(self, closing: str) -> list[Node]:
        args: list[Node] = []
        while not self.accept(closing):
            args.append(self.expr())
            if not self.accept(","):
                self.take(closing)
                break
        return args

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "punct" and token.text == ".":  # a name from the root scope: `.a.b`
            name = self.take()
            return self.identifier(name, token.start)
        if token.kind == "ident":
            if token.text in ("true", "false"):
                return Node("literal", token.start, token.end, value=token.text == "true", type="bool")
            if token.text == "null":
                return Node("literal", token.start, token.end, value=None, type="null")
            return self.identifier(token, token.start)
        if token.kind == "string":
            kind, value = string_value(token.text)
            return Node("literal", token.start, token.end, value=value, type=kind)
        if token.kind in ("int", "uint"):
            text = token.text.rstrip("uU")
            number = int(text, 16) if text[:2] in ("0x", "0X") else int(text)
            return Node("literal", token.start, token.end, value=number, type=token.kind)
        if token.kind == "double":
            return Node("literal", token.start, token.end, value=float(token.text), type="double")
        if token.text == "(":
            inner = self.expr()
            end = self.take(")")
            inner.start, inner.end = token.start, end.end  # the parentheses belong to it (for rewriting)
            return inner
        if token.text == "[":
            items = self.arguments("]")
            return Node("list", token.start, self.tokens[self.at - 1].end, args=items)
        if token.text == "{":
            entries: list[Node] = []
            while not self.accept("}"):
                entries.append(self.expr())
                self.take(":")
                entries.append(self.expr())
                if not self.accept(","):
                    self.take("}")
                    break
            return Node("map", token.start, self.tokens[self.at - 1].end, args=entries)
        raise CelSyntaxError(f"unexpected {token.text!r} at {token.start}")

    def identifier(self, name: _Token, start: int) -> Node:
        if name.kind != "ident":
            raise CelSyntaxError(f"expected a name at {name.start}")
        if self.accept("("):
            args = self.arguments(")")
            return Node("call", start, self.tokens[self.at - 1].end, name=name.text, args=args)
        return Node("ident", start, name.end, name=name.text)


def _qualified_name(node: Node) -> str | None:
    """`a.b.c` for an identifier or a chain of selections (a message's type name), else None."""
    if node.kind == "ident":
        return node.name
    if node.kind == "select":
        inner = _qualified_name(node.args[0])
        return None if inner is None else f"{inner}.{node.name}"
    return None


def parse(source: str) -> Node:
    """The syntax tree of an expression; CelSyntaxError when it is not CEL this parser reads."""
    try:
        return _Parser(source).parse()
    except RecursionError:
        raise CelSyntaxError("the expression nests too deeply") from None


def is_macro(node: Node) -> bool:
    """`e.all(x, p)`, `e.exists(x, p)`, `e.exists_one(x, p)`, `e.map(x, t)`, `e.map(x, p, t)`, `e.filter(x, p)`."""
    if node.kind != "call" or node.target is None or node.name not in MACROS or not node.args:
        return False
    return node.args[0].kind == "ident" and (len(node.args) == 2 or (node.name == "map" and len(node.args) == 3))


def walk(node: Node) -> list[Node]:
    """Every node, parents before children."""
    out: list[Node] = []
    stack = [node]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item.children()))
    return out
