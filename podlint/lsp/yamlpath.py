"""Where the cursor stands in a YAML document, read from the text alone (indentation and keys of the
lines around it), so that completion and hover work in a half-typed buffer no parser accepts.

Block style only (what people type); a flow mapping (`{a: 1}`) is not looked into. List items are
path segments `0`: which item it is does not matter to a schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podlint.patterns import lazy

Segment = str | int
# One block-style line: indentation, list dashes, then a key and its colon (or just a scalar item).
_KEY = r"""(?P<key>"[^"]*"|'[^']*'|[^\s#'"{}\[\],&*!|>%@`:-][^#]*?|-[^\s#][^#]*?)"""
_LINE = lazy(r"^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)*)(?:" + _KEY + r"[ \t]*:(?=[ \t]|$)[ \t]*(?P<value>.*))?")
_DOCUMENT_MARK = lazy(r"^(?:---|\.\.\.)(?:[ \t]|$)")
_TOP_LEVEL = lazy(r"""^(apiVersion|kind)[ \t]*:[ \t]*["']?([^\s"'#]*)""")
# The text before the cursor when a key is being typed: indentation, dashes, a partial word.
_KEY_PREFIX = lazy(r"^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)*)(?P<word>[^\s:#]*)$")
# ... and when a value is: `key: partial`.
_VALUE_PREFIX = lazy(r"""^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)*)(?P<key>"[^"]*"|'[^']*'|[^\s#'"{}\[\],:-][^#:]*?)"""
                     r"[ \t]*:(?P<space>[ \t]*)(?P<word>[^\s#]*)$")


@dataclass(frozen=True, slots=True)
class Line:
    indent: int  # column of the first character (a dash, or the key)
    content: int  # column of the key (after any dashes)
    dashed: bool
    key: str | None
    value: str


def read_line(text: str) -> Line | None:
    """A line's shape; None for a blank line, a comment or a document marker."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#") or _DOCUMENT_MARK.match(text):
        return None
    match = _LINE.match(text)
    if match is None:  # (the pattern always matches at least the indentation)
        return None
    indent = len(match["indent"])
    content = indent + len(match["dashes"])
    key = match["key"]
    if key is not None:
        key = key.strip()
        if key[:1] in "\"'" and key[-1:] == key[:1] and len(key) >= 2:
            key = key[1:-1]
    return Line(indent, content, bool(match["dashes"]), key, (match["value"] or "").strip())


@dataclass(frozen=True, slots=True)
class Document:
    """The lines of the YAML document (between `---` markers) that holds a row, and its type."""

    first: int
    last: int  # exclusive
    api_version: str | None
    kind: str | None


def document_at(lines: list[str], row: int) -> Document:
    first = row
    while first > 0 and not _DOCUMENT_MARK.match(lines[first - 1]):
        first -= 1
    last = row + 1
    while last < len(lines) and not _DOCUMENT_MARK.match(lines[last]):
        last += 1
    found: dict[str, str] = {}
    for index in range(first, last):
        match = _TOP_LEVEL.match(lines[index])
        if match is not None and match[2] and match[1] not in found:
            found[match[1]] = match[2]
    return Document(first, last, found.get("apiVersion"), found.get("kind"))


def parents(lines: list[str], row: int, level: int, in_item: bool, first: int = 0) -> tuple[list[Segment], set[str]]:
    """The key path of the mapping whose keys stand at column `level` on `row`, and the keys of that
    mapping on the lines above. `in_item`: `row` starts a list item (its dash is at column `level`)."""
    path: list[Segment] = []
    present: set[str] = set()
    siblings = not in_item  # keys above belong to the same mapping until its start is passed
    if in_item:
        path.insert(0, 0)
    for index in range(row - 1, first - 1, -1):
        if level <= 0 and not in_item and not siblings:
            break  # at the root
        line = read_line(lines[index])
        if line is None:
            continue
        if line.dashed:
            if in_item and line.indent == level:
                continue  # an earlier item of the same list
            if not in_item and line.content == level:
                # the line that starts the list item our mapping belongs to
                if siblings and line.key is not None:
                    present.add(line.key)
                path.insert(0, 0)
                level, in_item, siblings = line.indent, True, False
                continue
            if line.content < level or (in_item and line.content <= level and line.indent < level):
                if line.key is not None:  # `- key:` holding our mapping: the key, in an item
                    path[0:0] = [0, line.key]
                level, in_item, siblings = line.indent, True, False
            continue
        if line.indent > level:
            continue  # deeper content of an earlier entry
        if line.indent == level and not in_item:
            if siblings and line.key is not None:
                present.add(line.key)
            continue
        if line.key is None:
            continue  # a scalar at a lower level: not YAML we can follow
        path.insert(0, line.key)
        level, in_item, siblings = line.indent, False, False
    return path, present


def keys_below(lines: list[str], row: int, level: int, last: int) -> set[str]:
    """The keys of the mapping at column `level` on the lines after `row`, up to its end."""
    present: set[str] = set()
    for index in range(row + 1, last):
        line = read_line(lines[index])
        if line is None:
            continue
        if line.indent < level:
            break
        if line.dashed and line.content >= level and line.indent <= level:
            break  # the next list item
        if line.indent == level and line.key is not None:
            present.add(line.key)
    return present


@dataclass(frozen=True, slots=True)
class Cursor:
    """What is being typed: a key of the mapping at `path` (`key` None), or the value of `key` there."""

    document: Document
    path: tuple[Segment, ...]
    key: str | None
    word: str  # the part already typed
    start: int  # its column (code points)
    indent: int  # the column of the key being typed (or of the key whose value is typed)
    present: frozenset[str]
    spaced: bool = True  # a value: whether a space already follows the colon
    new_item: bool = False  # a key right after a new `- `


def cursor_at(lines: list[str], row: int, column: int) -> Cursor | None:
    """The cursor's context at (row, column), 0-based in code points; None inside a flow collection,
    a comment, a string, or a line that is not block-style YAML."""
    if row >= len(lines):
        return None
    before = lines[row][:column]
    document = document_at(lines, row)
    value = _VALUE_PREFIX.match(before)
    if value is not None:
        key = value["key"].strip()
        if key[:1] in "\"'":
            key = key[1:-1]
        indent = len(value["indent"]) + len(value["dashes"])
        dashed = bool(value["dashes"])
        level = len(value["indent"]) if dashed else indent
        path, _ = parents(lines, row, level, dashed, document.first)
        word = value["word"]
        return Cursor(document, tuple(path), key, word, column - len(word), indent, frozenset(),
                      spaced=bool(value["space"]))
    match = _KEY_PREFIX.match(before)
    if match is None:
        return None
    dashed = bool(match["dashes"])
    indent = len(match["indent"]) + len(match["dashes"])
    level = len(match["indent"]) if dashed else indent
    path, present = parents(lines, row, level, dashed, document.first)
    present |= keys_below(lines, row, indent, document.last)
    word = match["word"]
    present.discard(word)
    return Cursor(document, tuple(path), None, word, column - len(word), indent, frozenset(present),
                  new_item=dashed)


def field_at(lines: list[str], row: int, column: int) -> tuple[Document, tuple[Segment, ...]] | None:
    """The path of the key on `row` when the cursor is on that key or its value (for hover)."""
    if row >= len(lines):
        return None
    line = read_line(lines[row])
    if line is None or line.key is None:
        return None
    text = lines[row]
    comment = re.search(r"(?:^|\s)#", text[line.content:])
    if column < line.content or (comment is not None and column > line.content + comment.start()):
        return None
    document = document_at(lines, row)
    level = line.indent if line.dashed else line.content
    path, _ = parents(lines, row, level, line.dashed, document.first)
    return document, (*path, line.key)
