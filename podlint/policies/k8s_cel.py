"""The Kubernetes CEL libraries that are cheap to provide offline, on top of the `cel` package's own.

The `cel` package (cel-rust) brings the CEL core and, through `cel.stdlib`, cel-go's strings,
math, sets, encoders and lists extensions (`lowerAscii`, `split`, `join`, `replace`, `trim`,
`substring`, `indexOf`, `math.greatest`, `sets.contains`, `sum`, `min`, `max`, ...). Here are the
Kubernetes libraries that admission policies commonly use and that need no cluster:

- quantity: `quantity`, `isQuantity`, `compareTo`, `isGreaterThan`, `isLessThan`, `add`, `sub`,
  `asInteger`, `asApproximateFloat`, `isInteger`, `sign` (exact, with podlint's quantity parser);
- regex: `find`, `findAll` (Python's `re`; RE2 and `re` agree on the patterns policies use);
- lists: `isSorted`, and `indexOf`/`lastIndexOf` on lists as well as strings.

A quantity is carried as a one-key map (`{"@quantity": "<exact fraction>"}`) because a function
can only return CEL values; equal amounts are equal maps, so `==` works as in Kubernetes.
Errors raised here surface as CEL evaluation errors (with VAP semantics, see `cel.py`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from podlint.model.quantity import parse_quantity
from podlint.policies import k8s_cel_types

QUANTITY_KEY = "@quantity"


def _amount(value: Any) -> Fraction:
    if isinstance(value, dict) and set(value) == {QUANTITY_KEY}:
        return Fraction(value[QUANTITY_KEY])
    raise TypeError("no such overload: expected a quantity")


def _quantity_of(amount: Fraction) -> dict[str, str]:
    return {QUANTITY_KEY: str(amount)}


def quantity(text: Any) -> dict[str, str]:
    amount = parse_quantity(text) if isinstance(text, str) else None
    if amount is None:
        raise ValueError(f"invalid quantity: {text!r}")
    return _quantity_of(amount)


def is_quantity(text: Any) -> bool:
    return isinstance(text, str) and parse_quantity(text) is not None


def _operand(value: Any) -> Fraction:
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    return _amount(value)


def compare_to(left: Any, right: Any) -> int:
    a, b = _amount(left), _amount(right)
    return (a > b) - (a < b)


def add(left: Any, right: Any) -> dict[str, str]:
    return _quantity_of(_amount(left) + _operand(right))


def sub(left: Any, right: Any) -> dict[str, str]:
    return _quantity_of(_amount(left) - _operand(right))


def as_integer(value: Any) -> int:
    amount = _amount(value)
    if amount.denominator != 1 or not -(2**63) <= amount <= 2**63 - 1:
        raise ValueError("cannot convert value to integer")
    return int(amount)


def sign(value: Any) -> int:
    amount = _amount(value)
    return (amount > 0) - (amount < 0)


def find(text: Any, pattern: Any) -> str:
    if not isinstance(text, str) or not isinstance(pattern, str):
        raise TypeError("no such overload: find(string, string)")
    match = re.search(pattern, text)
    return match.group(0) if match else ""


def find_all(text: Any, pattern: Any, limit: Any = -1) -> list[str]:
    if not isinstance(text, str) or not isinstance(pattern, str) or not isinstance(limit, int):
        raise TypeError("no such overload: findAll(string, string[, int])")
    found = [match.group(0) for match in re.finditer(pattern, text)]
    return found if limit < 0 else found[:limit]


def is_sorted(items: Any) -> bool:
    if not isinstance(items, list):
        raise TypeError("no such overload: isSorted(list)")
    return all(a <= b for a, b in itertools.pairwise(items))


def _with_lists(strings: Callable[..., Any], last: bool) -> Callable[..., Any]:
    """`indexOf`/`lastIndexOf`: the strings extension's for strings, Kubernetes' for lists."""

    def index(target: Any, item: Any, *rest: Any) -> Any:
        if isinstance(target, list):
            positions = [i for i, value in enumerate(target) if value == item and type(value) is type(item)]
            return (positions[-1] if last else positions[0]) if positions else -1
        return strings(target, item, *rest)

    return index


def functions() -> dict[str, Callable[..., Any]]:
    """Every function of the environment beyond the CEL core, by name."""
    from cel import stdlib

    table: dict[str, Callable[..., Any]] = {}
    for library in stdlib.EXTENSIONS.values():
        table.update(library)
    table.update({
        "quantity": quantity,
        "isQuantity": is_quantity,
        "compareTo": compare_to,
        "isGreaterThan": lambda a, b: compare_to(a, b) > 0,
        "isLessThan": lambda a, b: compare_to(a, b) < 0,
        "add": add,
        "sub": sub,
        "asInteger": as_integer,
        "asApproximateFloat": lambda q: float(_amount(q)),
        "isInteger": lambda q: _amount(q).denominator == 1,
        "sign": sign,
        "find": find,
        "findAll": find_all,
        "isSorted": is_sorted,
        "indexOf": _with_lists(table["indexOf"], last=False),
        "lastIndexOf": _with_lists(table["lastIndexOf"], last=True),
    })
    table.update(k8s_cel_types.functions(table))  # URL, IP, CIDR, format, semver
    return table


# Functions and macros of the CEL core that cel-rust provides natively (operators, spelled
# `_+_`, `@in` and so on, are recognised by their punctuation).
CORE_FUNCTIONS = frozenset({
    "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double", "string", "bytes",
    "bool", "timestamp", "duration", "dyn", "type", "has", "all", "exists", "exists_one", "map", "filter",
    "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek", "getHours",
    "getMinutes", "getSeconds", "getMilliseconds", "max", "min",
})


def is_operator(name: str) -> bool:
    """`_+_`, `!_`, `@in`, `_[_]`: what the parser makes of operators, not named functions."""
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", name) is None
