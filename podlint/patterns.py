"""Regular expressions compiled on first use.

Compiling the ~50 patterns of podlint's modules at import cost ~5 ms of every start, and a
one-file lint uses only a few of them (most judge values only a broken manifest has).
`lazy(pattern)` stands in for `re.compile(pattern)`: the first use of any attribute compiles
the pattern and puts its methods on the stand-in, so later calls cost what the real pattern's do.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast

_METHODS = ("match", "search", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class _Deferred:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only until the first use: then the methods are attributes
        compiled = re.compile(self._source, self._flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        for attribute in ("pattern", "flags", "groups", "groupindex"):
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source!r})"


def lazy(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return cast("re.Pattern[AnyStr]", _Deferred(pattern, flags))
