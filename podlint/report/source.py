"""--show-source: the line a finding points at, with a caret under its span, as ruff and compilers print it.

    examples/web.yaml:27:11: warning image-latest-tag image 'nginx' has no tag ... (Deployment/web)
       |
    27 |           image: nginx
       |                  ^^^^^

The file is read again when the report is written (only files with findings, each once, within
the size limit); standard input has no snippet. The line is escaped like every other string from
input and cut to a window around the span when it is long; the caret is placed by the escaped
text's width on a terminal (wide East Asian characters take two cells).
"""

from __future__ import annotations

import unicodedata

from podlint.findings import Finding
from podlint.reading.encoding import Refusal, decode, normalize_breaks
from podlint.reading.parse import MAX_FILE_BYTES
from podlint.report.escape import ELLIPSIS, visible
from podlint.sources.files import STDIN_NAME

WINDOW = 160  # the most characters of a long line shown around the span


class SourceLines:
    """The lines of the reported files, read on first use."""

    def __init__(self, limit: int = MAX_FILE_BYTES) -> None:
        self.limit = limit
        self.files: dict[str, list[str] | None] = {}

    def line(self, file: str, number: int) -> str | None:
        if file not in self.files:
            self.files[file] = self._read(file)
        lines = self.files[file]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, file: str) -> list[str] | None:
        if file == STDIN_NAME:
            return None
        try:
            with open(file, "rb") as stream:
                raw = stream.read(self.limit + 1)
        except OSError:
            return None
        if len(raw) > self.limit:
            return None
        text = decode(raw)
        if isinstance(text, Refusal):
            return None
        return [line.removesuffix("\r") for line in normalize_breaks(text).split("\n")]


def _width(text: str) -> int:
    """Terminal cells: two for wide characters, none for combining marks."""
    if text.isascii():
        return len(text)
    cells = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return cells


def snippet(finding: Finding, lines: SourceLines, caret_colour: str = "", reset: str = "") -> list[str]:
    """The gutter, the line and the caret line of a finding; nothing when the line cannot be read."""
    span = finding.span
    line = lines.line(finding.file, span.line)
    if line is None:
        return []
    start = min(max(span.column - 1, 0), len(line))
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    end = min(max(end, start + 1), max(len(line), start + 1))
    before, marked, after = line[:start], line[start:end], line[end:]
    # A long line: a window around the span.
    prefix = suffix = ""
    if len(before) > WINDOW // 2:
        before, prefix = before[-(WINDOW // 2):], ELLIPSIS
    if len(marked) > WINDOW:
        marked = marked[:WINDOW]
        after, suffix = "", ELLIPSIS
    room = max(WINDOW - len(before) - len(marked), 0)
    if len(after) > room:
        after, suffix = after[:room], ELLIPSIS
    shown_before = prefix + visible(before)
    shown_marked = visible(marked) if marked else " "
    number = str(span.line)
    gutter = " " * len(number)
    carets = "^" * max(_width(shown_marked), 1)
    return [
        f"{gutter} |",
        f"{number} | {shown_before}{shown_marked}{visible(after)}{suffix}".rstrip(),
        f"{gutter} | {' ' * _width(shown_before)}{caret_colour}{carets}{reset}",
    ]
