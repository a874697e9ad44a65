"""The Kubernetes CEL libraries that are cheap to provide offline, on top of the `cel` package's own.

The `cel` package (cel-rust) brings the CEL core and, through `cel.stdlib`, cel-go's strings,
math, sets, encoders and lists extensions (`lowerAscii`, `split`, `join`, `replace`, `trim`,
`substring`, `indexOf`, `math.greatest`, `sets.contains`, `sum`, `min`, `max`, ...). Here are the
Kubernetes libraries that admission policies commonly use and that need no cluster:

- quantity: `quantity`, `isQuantity`, `compareTo`, `isGreaterThan`, `isLessThan`, `add`, `sub`,
  `asInteger`, `asApproximateFloat`, `isInteger`, `sign` (exact, with podlint's quantity parser);
- regex: `find`, `findAll`, with RE2 as in Kubernetes (linear time: `regex.py`);
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

from podlint.model.quantity import OUT_OF_RANGE, Invalid, parse_quantity, read_quantity
from podlint.policies import k8s_cel_types, regex
from podlint.policies.cel_cost import TICK, Meter

QUANTITY_KEY = "@quantity"


def _amount(value: Any) -> Fraction:
    if isinstance(value, dict) and set(value) == {QUANTITY_KEY}:
        return Fraction(value[QUANTITY_KEY])
    raise TypeError("no such overload: expected a quantity")


def _quantity_of(amount: Fraction) -> dict[str, str]:
    return {QUANTITY_KEY: str(amount)}


def quantity(text: Any) -> dict[str, str]:
    amount = read_quantity(text) if isinstance(text, str) else None
    if amount is None or isinstance(amount, Invalid):
        shown = text if not isinstance(text, str) or len(text) <= 64 else text[:64] + "…"
        raise ValueError(f"invalid quantity: {shown!r}" + (f" ({amount})" if amount is OUT_OF_RANGE else ""))
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
    return regex.search(pattern, text) or ""


def find_all(text: Any, pattern: Any, limit: Any = -1) -> list[str]:
    if not isinstance(text, str) or not isinstance(pattern, str) or not isinstance(limit, int):
        raise TypeError("no such overload: findAll(string, string[, int])")
    if limit == 0:
        return []
    found: list[str] = []
    for match in regex.find_all(pattern, text):
        found.append(match)
        if len(found) == limit:
            break
    return found


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


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | dict) else 1


def _linear(*args: Any) -> float:
    return sum(_size(arg) for arg in args)


def _pairs(first: Any = None, second: Any = None, *rest: Any) -> float:
    """Comparing every entry of one list with every entry of the other (`distinct` compares a list with itself)."""
    return _size(first) * _size(first if second is None else second)


def _flattened(items: Any = None, depth: Any = 1) -> float:
    if not isinstance(items, list):
        return 1
    return sum(_size(item) for item in items) * max(1, depth if isinstance(depth, int) else 1) + len(items)


def _counted(count: Any = 0, *rest: Any) -> float:
    return count if isinstance(count, int) else 1


def _replaced(text: Any = "", old: Any = "", new: Any = "", *rest: Any) -> float:
    return _size(text) * max(1, _size(new)) + _size(old)


# What the library functions that run in Python cost, by their arguments (cel-go's units: a tenth of
# a unit per character or entry scanned), charged before they run: `distinct` compares every pair,
# `lists.range(10**9)` would build a billion-entry list.
_COSTS: dict[str, Callable[..., float]] = {
    "distinct": _pairs, "sets.contains": _pairs, "sets.intersects": _pairs, "sets.equivalent": _pairs,
    "flatten": _flattened, "lists.range": _counted, "replace": _replaced,
}


def _charged(function: Callable[..., Any], cost: Callable[..., float], meter: Meter) -> Callable[..., Any]:
    def charged(*args: Any) -> Any:
        meter.charge(1 + 0.1 * cost(*args))
        return function(*args)

    charged.__name__ = getattr(function, "__name__", "function")
    return charged


def functions(meter: Meter | None = None) -> dict[str, Callable[..., Any]]:
    """Every function of the environment beyond the CEL core, by name; with a meter, each charges its cost."""
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
    if meter is not None:
        table = {name: _charged(function, _COSTS.get(name, _linear), meter) for name, function in table.items()}
        table[TICK] = meter.tick
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
