"""Kubernetes resource quantities (`500m`, `1Gi`, `1e3`), parsed exactly as the API server does."""

from __future__ import annotations

import functools
from fractions import Fraction

from podlint.patterns import lazy

# The API server's own pattern (apimachinery api/resource/quantity.go).
_QUANTITY = lazy(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_SUFFIXES: dict[str, Fraction] = {
    "": Fraction(1),
    "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9),
    "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18),
    "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30),
    "Ti": Fraction(2**40), "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}


def parse_quantity(value: object) -> Fraction | None:
    """The exact amount of a quantity, or None when the API server would reject it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value) if value == value and abs(value) != float("inf") else None
    if not isinstance(value, str):
        return None
    return _parse_text(value)


@functools.lru_cache(maxsize=4096)  # manifests repeat a few quantities (`100m`, `64Mi`) many times
def _parse_text(value: str) -> Fraction | None:
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    number, suffix = match.groups()
    if number.count(".") > 1 or number.strip("+-") in ("", "."):
        return None
    try:
        amount = Fraction(number)
    except ValueError:
        return None
    if suffix in _SUFFIXES:
        return amount * _SUFFIXES[suffix]
    if suffix[:1] in ("e", "E"):
        try:
            return amount * Fraction(10) ** int(suffix[1:])
        except ValueError:
            return None
    return None


def at_most(a: Fraction, b: Fraction) -> bool:
    """`a <= b`, without Fraction's generic comparison (several times slower, for thousands of amounts a run)."""
    return a.numerator * b.denominator <= b.numerator * a.denominator  # (denominators are positive)
