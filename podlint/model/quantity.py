"""Kubernetes resource quantities (`500m`, `1Gi`, `1e3`), read as the API server reads them.

apimachinery's `ParseQuantity` (api/resource/quantity.go) splits the text with a fast scanner,
reads the suffix (an exponent must parse as an int64 and is then cut to an int32), and keeps
the amount as a mantissa and a scale: `1e99999999` costs it nothing. It rounds every non-zero
amount up to a whole nano unit. So does this module, without ever building a number from the
text's full size: only amounts up to 2^63-1 (the int64 that the scheduler, the kubelet and
quota read; the API server caps binary-SI amounts there, and decimal ones overflow in those
readers) become exact fractions, in nano units, and larger ones are `OUT_OF_RANGE`.
"""

from __future__ import annotations

import functools
from fractions import Fraction

# suffix -> (base, exponent), as apimachinery's suffixer knows them
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
MAX_AMOUNT = 2**63 - 1  # apimachinery's maxAllowed
_NANO = 10**9
_MAX_NANOS = MAX_AMOUNT * _NANO


class Invalid(str):
    """Why a value is not a usable quantity; the API server's words where it has them."""


SYNTAX = Invalid("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
SUFFIX = Invalid("unable to parse quantity's suffix")
NUMERIC = Invalid("unable to parse numeric part of quantity")
OUT_OF_RANGE = Invalid(f"must be at most {MAX_AMOUNT} (2^63-1): larger amounts overflow the int64 that the "
                       "scheduler and the kubelet read")


def parse_quantity(value: object) -> Fraction | None:
    """The amount of a quantity, or None when it is not one (or is out of range)."""
    amount = read_quantity(value)
    return None if isinstance(amount, Invalid) else amount


def read_quantity(value: object) -> Fraction | Invalid:
    """The amount of a quantity (an int, a finite float or a text), or why it is not one."""
    if isinstance(value, bool):
        return SYNTAX
    if isinstance(value, int):
        return Fraction(value) if -MAX_AMOUNT <= value <= MAX_AMOUNT else OUT_OF_RANGE
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return SYNTAX
        return _from_text(repr(value)) if abs(value) <= MAX_AMOUNT else OUT_OF_RANGE
    if not isinstance(value, str):
        return SYNTAX
    return _from_text(value.strip())


@functools.lru_cache(maxsize=4096)  # manifests repeat a few quantities (`100m`, `64Mi`) many times
def _from_text(text: str) -> Fraction | Invalid:
    scanned = _scan(text)
    if isinstance(scanned, Invalid):
        return scanned
    negative, whole, fraction, suffix = scanned
    exponent = _exponent(suffix)
    if exponent is None:
        return SUFFIX
    base, power = exponent
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Fraction(0)
    nanos = _decimal_nanos(digits, power - len(fraction)) if base == 10 else _binary_nanos(digits, len(fraction), power)
    if nanos is None:
        return OUT_OF_RANGE
    return Fraction(-nanos if negative else nanos, _NANO)


_DIGITS = frozenset("0123456789")
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")


def _scan(text: str) -> tuple[bool, str, str, str] | Invalid:
    """(negative, whole digits, fraction digits, suffix): apimachinery's parseQuantityString, step by step."""
    if not text:
        return SYNTAX
    end = len(text)
    negative = text[0] == "-"
    pos = 1 if text[0] in "+-" else 0
    while pos < end and text[pos] == "0":  # leading zeros; all zeros (or a bare sign) is 0
        pos += 1
    if pos >= end:
        return negative, "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    whole = text[start:pos] or "0"
    fraction = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        fraction = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        return SYNTAX
    return negative, whole, fraction, text[suffix_start:]


def _exponent(suffix: str) -> tuple[int, int] | None:
    """(base, exponent) of a suffix, as apimachinery's suffixer reads it (None: unable to parse)."""
    if suffix in _DECIMAL:
        return 10, _DECIMAL[suffix]
    if suffix in _BINARY:
        return 2, _BINARY[suffix]
    body = suffix[2:] if suffix[1:2] in ("-", "+") else suffix[1:]
    if len(suffix) > 1 and suffix[0] in "eE" and body and all(char in _DIGITS for char in body):
        digits = suffix[1:].lstrip("+-").lstrip("0")
        if len(digits) > 19:  # strconv.ParseInt(..., 64) fails: the suffix does not parse
            return None
        parsed = int(suffix[1:])
        if not -(2**63) <= parsed < 2**63:
            return None
        return 10, (parsed + 2**31) % 2**32 - 2**31  # int32(parsed), as Go converts it
    return None


def _decimal_nanos(digits: str, exponent: int) -> int | None:
    """`digits` x 10^`exponent` in nano units, rounded up; None above MAX_AMOUNT. `digits` has no leading zero."""
    magnitude = len(digits) + exponent  # digits before the decimal point
    if magnitude > 19:
        return None
    shift = exponent + 9  # the position of the nano unit among the digits
    if shift >= 0:
        nanos = int(digits) * 10**shift
    elif len(digits) + shift <= 0:
        nanos = 1  # a non-zero amount below one nano unit: rounded up to one
    else:
        kept, rest = digits[:len(digits) + shift], digits[len(digits) + shift:]
        nanos = int(kept) + (1 if rest.strip("0") else 0)
    return nanos if nanos <= _MAX_NANOS else None


def _binary_nanos(digits: str, decimals: int, power: int) -> int | None:
    """`digits` / 10^`decimals` x 2^`power` in nano units, rounded up; None above MAX_AMOUNT."""
    if len(digits) - decimals > 20:  # at least 10^19 before the suffix, and the suffix only multiplies
        return None
    if decimals > 40:  # digits this far below the point can only round the amount up: keep 40
        digits, rest = digits[:len(digits) - (decimals - 40)], digits[len(digits) - (decimals - 40):]
        extra = 1 if rest.strip("0") else 0
        digits = str(int(digits or "0") + extra)
        decimals = 40
    numerator = int(digits) * 2**power * _NANO
    nanos = -(-numerator // 10**decimals)
    return nanos if nanos <= _MAX_NANOS else None


def at_most(a: Fraction, b: Fraction) -> bool:
    """`a <= b`, without Fraction's generic comparison (several times slower, for thousands of amounts a run)."""
    return a.numerator * b.denominator <= b.numerator * a.denominator  # (denominators are positive)
