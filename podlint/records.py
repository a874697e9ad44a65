"""The base of podlint's mutable records: classes with `__slots__` and a written-out `__init__`.

Not dataclasses: `import dataclasses` (it imports `inspect`) and building ~40 of them cost
~35 ms of every start, a third of a one-file lint, because each generated method is compiled
from text when the module is imported. A record written out is compiled once, into the `.pyc`.
Immutable values are `typing.NamedTuple`s (one small generated method each). Records compare
by identity, as the dataclasses they replace were used.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class Record:
    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name, '<unset>')!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


# The default of a NamedTuple's mapping field: read-only, so the one instance can be shared.
EMPTY: Mapping[str, Any] = MappingProxyType({})
