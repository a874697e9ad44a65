"""CEL cost: an estimate before an expression runs, and a budget while it runs.

As the API server does with cel-go, an expression is costed in units of about one operation: a
field read, a call, a comparison is 1; a string scan costs a tenth of a unit per character; a
comprehension (`all`, `exists`, `exists_one`, `map`, `filter`) costs its range's size times one
iteration. Sizes come from `Sizes`: when a rule is loaded, every list and map of the object is
taken to hold `ASSUMED.items` entries and every string `ASSUMED.chars` characters, and an
expression over `STATIC_LIMIT` is refused (cel-go's StaticEstimatedCostLimit for CRD rules,
10,000,000).

While it runs, an evaluation may spend `PER_CALL_LIMIT` units (cel-go's PerCallLimit, 1,000,000,
about 0.1-0.5 s here) and `EVALUATION_SECONDS` of wall-clock time, counted by a `Meter`. The
`cel` package (Rust) cannot be interrupted and counts nothing, so `instrument` rewrites every
comprehension body `B` into `(__podlint_tick(W) ? (B) : false)`, where W is the body's own size
in operations: the tick adds W to the evaluation's count and raises past the budget or the
deadline, and an error ends a cel-rust evaluation at once. Library functions that run in Python
(`distinct`, `lists.range`, `sets.*`, ...) charge the same count by their arguments' sizes
before they run (`k8s_cel.py`).

The estimate and the rewriting work on any CEL expression: a CRD's `x-kubernetes-validations`
can be costed and instrumented the same way (`estimate(tree, Sizes(...))`, `instrument(...)`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from podlint.policies.cel_syntax import MACROS, Node, is_macro, walk

PER_CALL_LIMIT = 1_000_000
STATIC_LIMIT = 10_000_000
EVALUATION_SECONDS = 2.0
TICK = "__podlint_tick"
EXCEEDED = "operation cancelled: actual cost limit exceeded"  # cel-go's words
TIMED_OUT = f"operation cancelled: the evaluation ran past {EVALUATION_SECONDS:g} s"


class Exhausted(Exception):
    """An evaluation went over its budget: raised inside the expression, which ends it."""


class Meter:
    """The cost (and time) one evaluation has spent; shared by the tick and the charged library functions."""

    __slots__ = ("exceeded", "limit", "spent", "started", "ticks")

    def __init__(self, limit: int = PER_CALL_LIMIT) -> None:
        self.limit = limit
        self.spent = 0.0
        self.ticks = 0
        self.started = 0.0
        self.exceeded: str | None = None

    def reset(self) -> None:
        self.spent = 0.0
        self.ticks = 0
        self.exceeded = None

    def tick(self, weight: int) -> bool:
        """One comprehension iteration of `weight` operations; True, or Exhausted past the budget."""
        self.charge(weight)
        return True

    def charge(self, cost: float) -> None:
        spent = self.spent = self.spent + cost
        if spent > self.limit:
            self.exceeded = EXCEEDED
            raise Exhausted(EXCEEDED)
        ticks = self.ticks = self.ticks + 1
        if ticks == 1:
            self.started = time.monotonic()
        elif not ticks & 63 and time.monotonic() - self.started > EVALUATION_SECONDS:
            self.exceeded = TIMED_OUT
            raise Exhausted(TIMED_OUT)


@dataclass(frozen=True, slots=True)
class Sizes:
    """How large the collections and strings of the variables may be."""

    items: float
    chars: float


ASSUMED = Sizes(items=50, chars=256)  # at load time: a large real manifest's lists and strings


@dataclass(frozen=True, slots=True)
class Shape:
    """What an expression's value may hold: entries (a list or map), characters (a string or bytes)."""

    items: float = 0
    chars: float = 0
    elem: Shape | None = None  # the entries' shape; None: as unknown as the variables


_SCALAR = Shape()
_STRING_SCANS = frozenset({"contains", "startsWith", "endsWith", "indexOf", "lastIndexOf", "lowerAscii", "upperAscii",
                           "trim", "reverse", "charAt", "substring", "replace", "split", "join", "strings.quote",
                           "base64.encode", "base64.decode", "string", "bytes", "format", "quantity", "isQuantity"})
_REGEX = frozenset({"matches", "find", "findAll"})
_LIST_SCANS = frozenset({"sum", "min", "max", "isSorted", "sort", "flatten", "slice", "first", "last", "indexOf",
                         "lastIndexOf", "math.greatest", "math.least", "contains"})
_PAIR_SCANS = frozenset({"distinct", "sets.contains", "sets.intersects", "sets.equivalent"})


def _times(a: float, b: float) -> float:
    """a x b, where 0 x infinity is 0 (an empty range costs nothing, whatever its body)."""
    return 0.0 if a == 0 or b == 0 else a * b


def _widest(a: Shape, b: Shape) -> Shape:
    return Shape(max(a.items, b.items), max(a.chars, b.chars), a.elem if b.elem is None else b.elem)


class _Estimator:
    def __init__(self, sizes: Sizes) -> None:
        self.unknown = Shape(sizes.items, sizes.chars, None)

    def entries(self, shape: Shape) -> Shape:
        return shape.elem if shape.elem is not None else self.unknown

    def cost(self, node: Node, scope: dict[str, Shape]) -> tuple[float, Shape]:
        kind = node.kind
        if kind == "literal":
            size = len(node.value) if node.type in ("string", "bytes") else 0
            return 0.0, Shape(chars=size)
        if kind == "ident":
            return 1.0, scope.get(node.name, self.unknown)
        if kind == "select":
            cost, _ = self.cost(node.args[0], scope)
            return cost + 1, self.unknown
        if kind == "index":
            (operand_cost, operand), (index_cost, _) = (self.cost(arg, scope) for arg in node.args)
            return operand_cost + index_cost + 1, self.entries(operand)
        if kind in ("list", "map", "message"):
            parts = [self.cost(arg, scope) for arg in node.args]
            total = sum(cost for cost, _ in parts) + 1
            values = [shape for _, shape in parts][1::2] if kind == "map" else [shape for _, shape in parts]
            elem = values[0] if values else _SCALAR
            for shape in values[1:]:
                elem = _widest(elem, shape)
            if kind == "message":
                return total, self.unknown
            return total, Shape(items=len(values), elem=elem)
        if kind == "unary":
            cost, _ = self.cost(node.args[0], scope)
            return cost + 1, _SCALAR
        if kind == "ternary":
            (c0, _), (c1, s1), (c2, s2) = (self.cost(arg, scope) for arg in node.args)
            return c0 + max(c1, c2), _widest(s1, s2)
        if kind == "binary":
            return self.binary(node, scope)
        return self.call(node, scope)

    def binary(self, node: Node, scope: dict[str, Shape]) -> tuple[float, Shape]:
        (c1, a), (c2, b) = (self.cost(arg, scope) for arg in node.args)
        cost = c1 + c2
        operator = node.name
        if operator in ("&&", "||"):
            return cost, _SCALAR
        if operator == "+":
            shape = Shape(a.items + b.items, a.chars + b.chars, a.elem if b.elem is None else b.elem)
            return cost + 1 + 0.1 * (shape.chars + shape.items), shape
        if operator == "in":
            return cost + 1 + b.items + 0.1 * max(a.chars, b.chars), _SCALAR
        if operator in ("==", "!=", "<", "<=", ">", ">="):  # (a comparison stops at the shorter operand)
            return cost + 1 + 0.1 * (min(a.chars, b.chars) + min(a.items, b.items)), _SCALAR
        return cost + 1, _SCALAR

    def call(self, node: Node, scope: dict[str, Shape]) -> tuple[float, Shape]:
        if is_macro(node):
            return self.comprehension(node, scope)
        parts = [self.cost(arg, scope) for arg in node.children()]
        cost = sum(each for each, _ in parts) + 1
        shapes = [shape for _, shape in parts]
        first = shapes[0] if shapes else _SCALAR
        name = node.name
        if name in ("has", "size", "int", "uint", "double", "bool", "type", "dyn", "duration", "timestamp"):
            return cost, _SCALAR
        if name in _REGEX:
            text, pattern = [*shapes, _SCALAR, _SCALAR][:2]
            scan = _times(text.chars, max(1.0, pattern.chars))
            found = Shape(items=text.chars, elem=Shape(chars=text.chars)) if name == "findAll" else Shape(
                chars=text.chars)
            return cost + 0.1 * scan, found if name != "matches" else _SCALAR
        if name == "lists.range":
            literal = node.args[0] if node.args and node.args[0].kind == "literal" else None
            count = float(literal.value) if literal is not None and isinstance(literal.value, int) else math.inf
            return cost + 0.1 * count, Shape(items=count)
        if name in _PAIR_SCANS:
            other = shapes[1] if len(shapes) > 1 else first
            return cost + 0.1 * _times(first.items, max(1.0, other.items)), first
        if name == "split":
            return cost + 0.1 * first.chars, Shape(items=first.chars, elem=Shape(chars=first.chars))
        if name == "join":
            elem = self.entries(first)
            return cost + 0.1 * _times(first.items, elem.chars + 1), Shape(chars=_times(first.items, elem.chars + 1))
        if name == "flatten":
            elem = self.entries(first)
            return cost + 0.1 * _times(first.items, max(1.0, elem.items)), Shape(items=_times(first.items, max(
                1.0, elem.items)), elem=self.entries(elem))
        if name == "replace":
            replacement = shapes[2] if len(shapes) > 2 else _SCALAR
            out = _times(first.chars, max(1.0, replacement.chars))
            return cost + 0.1 * out, Shape(chars=out)
        if name in _STRING_SCANS or name in _LIST_SCANS:
            scanned = sum(shape.chars + shape.items for shape in shapes)
            return cost + 0.1 * scanned, first
        return cost + 0.1 * sum(shape.chars + shape.items for shape in shapes), self.unknown

    def comprehension(self, node: Node, scope: dict[str, Shape]) -> tuple[float, Shape]:
        assert node.target is not None
        range_cost, range_shape = self.cost(node.target, scope)
        inner = {**scope, node.args[0].name: self.entries(range_shape)}
        bodies = [self.cost(body, inner) for body in node.args[1:]]
        iteration = 1 + sum(cost for cost, _ in bodies)
        total = range_cost + _times(range_shape.items, iteration)
        if node.name == "map":
            return total, Shape(items=range_shape.items, elem=bodies[-1][1])
        if node.name == "filter":
            return total, Shape(items=range_shape.items, elem=self.entries(range_shape))
        return total, _SCALAR


def estimate(tree: Node, sizes: Sizes = ASSUMED) -> float:
    """The expression's worst-case cost when every collection and string is at most `sizes`."""
    cost, _ = _Estimator(sizes).cost(tree, {})
    return cost


def _bodies(tree: Node) -> list[Node]:
    return [body for node in walk(tree) if is_macro(node) for body in node.args[1:]]


def _own_size(body: Node) -> int:
    """Operations in a comprehension body, not counting those of comprehensions inside it (they tick themselves)."""
    count = 0
    stack = [body]
    while stack:
        node = stack.pop()
        count += 1
        if is_macro(node):
            assert node.target is not None
            stack.append(node.target)  # the range is evaluated once per iteration of this body
        else:
            stack.extend(node.children())
    return count


def instrument(source: str, tree: Node) -> str:
    """The same expression with a budget check at the start of every comprehension iteration."""
    inserts: list[tuple[int, int, int, str]] = []
    for body in _bodies(tree):
        inserts.append((body.start, 1, body.start, f"({TICK}({_own_size(body)}) ? ("))
        inserts.append((body.end, 0, -body.start, ") : false)"))
    if not inserts:
        return source
    inserts.sort()
    out: list[str] = []
    position = 0
    for offset, _, _, text in inserts:
        out.append(source[position:offset])
        out.append(text)
        position = offset
    out.append(source[position:])
    return "".join(out)


def literal_patterns(tree: Node) -> list[tuple[str, str]]:
    """(function, pattern) for every `matches`/`find`/`findAll` whose pattern is a string literal."""
    found: list[tuple[str, str]] = []
    for node in walk(tree):
        if node.kind != "call" or node.name not in _REGEX:
            continue
        args = node.args if node.target is not None else node.args[1:]
        if args and args[0].kind == "literal" and args[0].type == "string":
            found.append((node.name, args[0].value))
    return found


def has_comprehension(tree: Node) -> bool:
    return any(node.kind == "call" and node.name in MACROS for node in walk(tree))
