"""Regular expressions over text a manifest's author controls: RE2, in linear time.

Python's `re` backtracks: `^(a+)+$` against forty `a`s and a `!` runs for minutes, and the
manifest's author writes the text it is matched against. Kubernetes evaluates CEL regexes with
Go's `regexp` (RE2 syntax, linear time), so the CEL `find`/`findAll` functions and the
`pattern`/`patternProperties` of custom JSON Schema rules use RE2 (the `google-re2` package,
imported only when a rule needs it, ~25 ms). RE2 has no backreferences and no look-around: a
pattern that needs them is refused when its rule is loaded, with the engine's reason.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any


class RegexError(ValueError):
    """A pattern RE2 cannot take (a backreference, a look-around, bad syntax)."""


@functools.cache
def _options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is ours to report: no line from RE2 on standard error
    return options


@functools.lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    """The RE2 program of a pattern (cached: a rule uses the same few patterns on every object)."""
    import re2

    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(f"{pattern!r} is not a pattern RE2 (Kubernetes' regex engine) accepts: {reason}") from None


def check(pattern: str) -> None:
    """RegexError unless RE2 compiles the pattern."""
    compiled(pattern)


def search(pattern: str, text: str) -> str | None:
    """The first match of `pattern` in `text`, or None."""
    match = compiled(pattern).search(text)
    return None if match is None else str(match.group(0))


def find_all(pattern: str, text: str) -> Iterator[str]:
    for match in compiled(pattern).finditer(text):
        yield str(match.group(0))
