"""The data every stage shares: severities, positions, field paths, findings and fixes."""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

# A field path inside a document: mapping keys and sequence indexes, from the document root.
PathPart = str | int
FieldPath = tuple[PathPart, ...]


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


class Span(NamedTuple):
    """A region of a file; lines and columns are 1-based, the end is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(line, column, line, column + 1)


class Edit(NamedTuple):
    """Replace the text between two 0-based (line, column) positions of a file."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


class Fix(NamedTuple):
    """A safe repair carried by its finding, applied by `podlint fix` and the editor."""

    description: str
    edits: tuple[Edit, ...]


def format_path(path: FieldPath) -> str:
    """`("spec", "containers", 0, "image")` -> `spec.containers[0].image`."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif out:
            out.append(f".{part}")
        else:
            out.append(part)
    return "".join(out)


class Related(NamedTuple):
    """Another place a finding concerns, beside its primary location: for a rendered chart or
    overlay, the rendered line, the template or values line, the chart or overlay."""

    file: str
    span: Span | None  # None: the file or folder as a whole (a chart, an overlay)
    label: str  # what the place is: "rendered", "template", "values", "chart", "overlay", ...


class Finding:
    __slots__ = ("approximate", "file", "fix", "fixable", "kind", "message", "name", "namespace", "path", "related",
                 "rule", "severity", "span")

    def __init__(self, rule: str, severity: Severity, message: str, file: str, span: Span, path: str = "",
                 kind: str = "", name: str = "", namespace: str = "", fixable: bool = False,
                 fix: Fix | None = None, related: tuple[Related, ...] = (), approximate: bool = False) -> None:
        self.rule = rule
        self.severity = severity
        self.message = message
        self.file = file
        self.span = span
        self.path = path
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.fixable = fixable
        self.fix = fix
        # Where else the finding stands (a rendered chart's template and rendered lines); the primary
        # location above is the line a developer edits.
        self.related = related
        self.approximate = approximate  # no exact source line was found: the resource's first line

    def copy(self, **changes: Any) -> Finding:
        """This finding with some fields changed (as dataclasses.replace)."""
        copied = Finding(self.rule, self.severity, self.message, self.file, self.span, self.path, self.kind,
                         self.name, self.namespace, self.fixable, self.fix, self.related, self.approximate)
        for name, value in changes.items():
            setattr(copied, name, value)
        return copied

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__ if name != "fix")

    def __eq__(self, other: object) -> bool:  # the fix does not take part, as in a report
        return type(other) is Finding and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Finding({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)})"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.span.line, self.span.column, self.rule, self.message)
