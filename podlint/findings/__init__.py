"""The data every stage shares: severities, positions, field paths, findings and fixes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

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


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A region of a file; lines and columns are 1-based, the end is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(line, column, line, column + 1)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text between two 0-based (line, column) positions of a file."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
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


@dataclass(frozen=True, slots=True)
class Related:
    """Another place a finding concerns, beside its primary location: for a rendered chart or
    overlay, the rendered line, the template or values line, the base, the chart or overlay."""

    file: str
    span: Span | None  # None: the file or folder as a whole (a chart, an overlay)
    label: str  # what the place is: "rendered", "template", "values", "chart", "overlay", ...


@dataclass(slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    file: str
    span: Span
    path: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    fixable: bool = False
    fix: Fix | None = field(default=None, compare=False)
    # Where else the finding stands (a rendered chart's template and rendered lines); the primary
    # location above is the line a developer edits.
    related: tuple[Related, ...] = ()
    approximate: bool = False  # no exact source line was found: the primary location is the resource's first line

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.span.line, self.span.column, self.rule, self.message)
