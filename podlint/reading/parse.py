"""YAML/JSON text -> Documents: plain data plus the composed node tree for positions.

The fast path is libyaml's composer (PyYAML's C `CParser`); it builds a node tree with
marks, which we turn into plain data ourselves so that we control everything the
Kubernetes decoder would: YAML 1.1 scalars as go-yaml v2 resolves them, duplicate keys,
merge keys, tags that must not construct objects, and bounded alias expansion and depth.
Positions are looked up lazily from the node tree (`Document.span`): only findings pay.
"""

from __future__ import annotations

import bisect
import gc
import io
import math
import operator
import re
import sys
from collections.abc import Iterator
from typing import Any, Literal

import yaml
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from podlint.findings import FieldPath, Finding, Severity, Span
from podlint.patterns import lazy
from podlint.reading import encoding
from podlint.reading.encoding import Refusal, forbidden_character, point, yaml_readable
from podlint.records import Record

if yaml.__with_libyaml__:  # libyaml ships inside PyYAML's wheels
    from yaml._yaml import CParser as _Parser
    from yaml._yaml import Mark as _CMark
else:  # pragma: no cover - the pure-Python reader, only where libyaml is missing

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,  # type: ignore[no-redef]
                  yaml.composer.Composer):
        def __init__(self, stream: io.BytesIO | bytes) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)

    _CMark = Mark  # type: ignore[misc,assignment]

MAX_DEPTH = 256  # Kubernetes objects nest ~20 levels, CRD schemas ~60
MAX_FILE_BYTES = 10 * 1024 * 1024
# Per file. Real manifests run ~20 bytes a node (the corpus: 19.7), so a file may have as many
# nodes as a real manifest of the size limit (524,288 for 10 MiB); libyaml builds each node
# before podlint sees it, at ~430 bytes, so this bounds a file's memory near 225 MB. Past
# 100,000 documents (~40 µs each) a file is an attack, not a manifest.
BYTES_PER_NODE = 20
MIN_NODES = 100_000  # a small size limit must not refuse dense small files (a Pod runs ~7 bytes a node)
MAX_DOCUMENTS = 100_000
_ALIAS_SLACK = 100_000  # alias expansion may add the file's own node count plus this many nodes

Anchor = Literal["key", "value"]

_YAML = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_YAML + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = _YAML + "map", _YAML + "seq", _YAML + "merge"
# Standard tags that carry plain data; anything else (`!!python/...`, `!Ref`) is refused.
_PLAIN_TAGS = frozenset(
    _YAML + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary", "value",
              "omap", "pairs", "set", "merge")
)
_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
_BOOL_TEXT = lazy(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
                        r"|on|On|ON|off|Off|OFF)$")
_INT_TEXT = lazy(r"^[-+]?(?:0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+|[1-9][0-9_]*|0)$")
_GO_FLOAT_TEXT = lazy(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_FLOAT_TEXT = lazy(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_INT_RANGE = range(-(2**63), 2**64)  # go-yaml v2 keeps int64 and uint64 values as integers


class GoYamlResolver(BaseResolver):
    """Implicit scalar types exactly as go-yaml v2 (used by Kubernetes) resolves them.

    Differences from PyYAML's YAML 1.1 resolver: `y`/`n` are booleans, `1e3` is a float,
    `0o17` is an int, and there are no sexagesimal numbers (`1:30` stays a string) and no
    timestamps (go-yaml hands them to Kubernetes as strings).
    """


GoYamlResolver.add_implicit_resolver(_BOOL, _BOOL_TEXT, list("yYnNtTfFoO"))
GoYamlResolver.add_implicit_resolver(_INT, _INT_TEXT, list("-+0123456789"))
GoYamlResolver.add_implicit_resolver(_FLOAT, _FLOAT_TEXT, list("-+0123456789."))
GoYamlResolver.add_implicit_resolver(_MERGE, lazy(r"^<<$"), ["<"])
GoYamlResolver.add_implicit_resolver(_NULL, lazy(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


# First character ('' for the empty text) -> the (tag, pattern) pairs that may match. There are no
# wildcard resolvers (first character None), which BaseResolver.resolve would also try.
_IMPLICIT_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = GoYamlResolver.yaml_implicit_resolvers
assert None not in _IMPLICIT_RESOLVERS


# Plain scalar -> tag, shared by every composer of the process: the same keys and values
# (`name`, `image`, `80`, `true`) recur in every manifest, and the tag depends on the text alone.
_PLAIN_TAG_CACHE: dict[str, str] = {}
_CACHE_MAX_ENTRIES = 50_000
_SHORT = 64  # longer texts are rarely repeated: neither cached nor shared
# (tag, text) -> (value, valid) of the other scalars (`80`, `true`), as often repeated: go-yaml's
# int rules cost ~0.7 µs a scalar.
_SCALAR_CACHE: dict[tuple[str, str], tuple[Any, bool]] = {}
# Keys and short strings recur in every document (`name`, `containerPort`, `TCP`): one shared
# copy each instead of one per occurrence halves what a run keeps of its objects (the
# inventory of the cross-object checks holds most of them to the end of the run).
_share = sys.intern


class _Composer(_Parser, GoYamlResolver):
    def __init__(self, stream: io.BytesIO | bytes) -> None:
        _Parser.__init__(self, stream)
        GoYamlResolver.__init__(self)

    # libyaml calls these around every node, for path resolvers, which we have none of. BaseResolver's
    # versions look that up first; C functions that ignore their arguments (as these do) cost
    # libyaml's call less than even Python no-ops: ~10% of composing in all.
    descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]  # (current_node, current_index)
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]  # ()

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        """The implicit tag of a node; libyaml calls this once per node, so it must be cheap.

        The same answers as BaseResolver.resolve (we have no path resolvers): a quoted scalar
        is a string, a plain one is typed by its text alone, a collection by its kind.
        `implicit` is (plain, quoted) for a scalar and a bool for a collection.
        """
        if kind is not ScalarNode:
            return _SEQ if kind is SequenceNode else _MAP
        if not implicit[0]:
            return _STR
        tag = _PLAIN_TAG_CACHE.get(value)
        if tag is None:
            # BaseResolver.resolve's own steps, without its call: long texts (descriptions) miss the cache.
            tag = _STR
            for candidate, pattern in _IMPLICIT_RESOLVERS.get(value[:1], ()):
                if pattern.match(value):
                    tag = candidate
                    break
            if len(value) <= _SHORT and len(_PLAIN_TAG_CACHE) < _CACHE_MAX_ENTRIES:
                _PLAIN_TAG_CACHE[value] = tag
        return tag


def _to_int(text: str) -> int | None:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-").replace("_", "")
    if len(body) > 66:  # beyond uint64 in any base; and Python's str -> int is quadratic
        return None
    try:
        if body[:2] in ("0b", "0B"):
            value = int(body[2:], 2)
        elif body[:2] in ("0x", "0X"):
            value = int(body[2:], 16)
        elif body[:2] in ("0o", "0O"):
            value = int(body[2:], 8)
        elif len(body) > 1 and body[0] == "0":
            value = int(body[1:], 8)
        else:
            value = int(body)
    except ValueError:
        return None
    return sign * value


def _to_float(text: str) -> float | None:
    lowered = text.lower()
    if lowered in (".inf", "+.inf"):
        return math.inf
    if lowered == "-.inf":
        return -math.inf
    if lowered == ".nan":
        return math.nan
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        return None
    # go-yaml reads a float that overflows (`1e999`: ParseFloat's range error) as a string.
    return None if math.isinf(number) and any(c.isdigit() for c in text) else number


def _int_value(text: str) -> int | float | str:
    """An int as go-yaml v2 reads it: in int64/uint64 range an int, beyond it a finite float, else text."""
    value = _to_int(text)
    if value is not None and value in _INT_RANGE:
        return value
    plain = text.replace("_", "")
    if _GO_FLOAT_TEXT.match(plain):
        number = float(plain)
        if math.isfinite(number):
            return number
    return text


def _valid_scalar(tag: str, text: str, value: Any) -> bool:
    """Whether an explicitly tagged scalar (`!!int abc`) is what its tag says; implicit ones always are."""
    if tag == _INT:
        return _INT_TEXT.match(text) is not None
    if tag == _FLOAT:  # (a float that overflows, `1e999`, is read as its text, as go-yaml reads it)
        return not isinstance(value, str) or _FLOAT_TEXT.match(text) is not None
    if tag == _BOOL:
        return _BOOL_TEXT.match(text) is not None
    return True


def key_text(value: Any) -> str:
    """A scalar mapping key as Kubernetes' YAML-to-JSON conversion spells it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _span_of(node: Node, line_offset: int) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1 + line_offset, start.column + 1, end.line + 1 + line_offset, end.column + 1)


def _head_span(node: Node, line_offset: int) -> Span:
    """The span of a node as a finding shows it: a collection by its first line only."""
    if isinstance(node, MappingNode) and node.value:
        first_key = node.value[0][0]
        span = _span_of(first_key, line_offset)
        start = node.start_mark
        return Span(start.line + 1 + line_offset, start.column + 1, span.end_line, span.end_column)
    if isinstance(node, SequenceNode) and node.value:
        return _head_span(node.value[0], line_offset)
    return _span_of(node, line_offset)


class Document(Record):
    """One YAML document of a file: its data and where each part of it stands."""

    file: str
    index: int
    data: Any
    root: Node
    line_offset: int
    # The whole text of the file (shared by its documents): fixes compute text edits from it.
    text: str

    __slots__ = ("data", "file", "index", "line_offset", "root", "text")

    def __init__(self, file: str, index: int, data: Any, root: Node, line_offset: int = 0, text: str = "") -> None:
        self.file = file
        self.index = index
        self.data = data
        self.root = root
        self.line_offset = line_offset
        self.text = text

    def _walk(self, path: FieldPath) -> tuple[Node | None, Node]:
        """The key node (if the last step was a key) and value node deepest along `path`."""
        key: Node | None = None
        node = self.root
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            key, node = found
        return key, node

    def span(self, path: FieldPath, anchor: Anchor = "key") -> Span:
        """Where `path` stands: its key (`key`) or its value (`value`).

        A path that does not exist in the text (merged, or cut short) resolves to the deepest
        part that does, so a finding always has a real position.
        """
        key, node = self._walk(path)
        if anchor == "key" and key is not None and path and isinstance(path[-1], str):
            return _span_of(key, self.line_offset)
        return _head_span(node, self.line_offset)

    def scalar_text(self, path: FieldPath) -> str | None:
        """The scalar at `path` as written (`yes`, `1.10`), or None if it is not a scalar there."""
        node = self.root
        for part in path:
            found = _child(node, part)
            if found is None:
                return None
            node = found[1]
        return node.value if isinstance(node, ScalarNode) else None

    @property
    def start(self) -> Span:
        return _head_span(self.root, self.line_offset)


def _child(node: Node, part: str | int) -> tuple[Node | None, Node] | None:
    if isinstance(node, SequenceNode):
        if isinstance(part, int) and 0 <= part < len(node.value):
            return None, node.value[part]
        return None
    if not isinstance(node, MappingNode):
        return None
    merged: list[Node] = []
    # The last occurrence wins, as in the data.
    for key, value in reversed(node.value):
        if isinstance(key, ScalarNode):
            if key.tag == _MERGE:
                merged.extend(value.value if isinstance(value, SequenceNode) else [value])
            elif key.value == part or key_text(_scalar_value(key)) == part:
                return key, value
    for source in merged:
        found = _child(source, part)
        if found is not None:
            return found
    return None


def _scalar_value(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return node.value in _TRUE
    if tag == _INT:
        return _int_value(node.value)
    if tag == _FLOAT:
        number = _to_float(node.value)
        return node.value if number is None else number
    return node.value


class _Abort(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


def _shorten(text: str, limit: int = 60) -> str:
    """A value quoted in a message: long ones cut, so one huge line cannot flood the report."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}… ({len(text):,} characters)"


class _Converter:
    """Node trees -> plain data, collecting reading findings on the way.

    One converter reads all the documents of a file, so the bounds hold for the file: alias
    expansion may add at most as many nodes as the file has (plus _ALIAS_SLACK), and an
    alias that refers to its own anchor (a cycle) is refused, as go-yaml refuses it.
    """

    def __init__(self, file: str, findings: list[Finding], anchors: bool = True) -> None:
        self.file = file
        self.findings = findings
        # Without an anchor (`&`) in its text a file has no aliases: each node is met once, so
        # there is nothing to track in `seen` and `open` (~3% of reading).
        self.anchors = anchors
        self.line_offset = 0
        self.visits = 0  # nodes converted, aliases expanded included
        self.expanded = 0  # of which inside alias expansions
        self.seen: set[int] = set()  # collections converted once: meeting one again is an alias
        self.open: set[int] = set()  # collections being converted, to catch cycles
        self.expanding: Node | None = None  # the outermost alias being expanded

    def _report(self, rule: str, severity: Severity, message: str, node: Node) -> None:
        span = _span_of(node, self.line_offset)
        self.findings.append(Finding(rule, severity, message, self.file, span))

    def document(self, root: Node, line_offset: int) -> Any:
        """The plain data of one document; None (with a finding) when a bound is crossed."""
        self.line_offset = line_offset
        self.open.clear()
        self.expanding = None
        try:
            return self.convert(root)
        except _Abort as abort:
            self._report("parse-error", Severity.ERROR, abort.message, abort.node)
            return None

    def convert(self, node: Node, depth: int = 0) -> Any:
        self.visits += 1
        if self.expanding is not None:
            self.expanded += 1
            if 2 * self.expanded > self.visits + _ALIAS_SLACK:  # expanded > distinct + slack
                raise _Abort("too many nodes after expanding aliases (an alias bomb?)", self.expanding)
        if depth > MAX_DEPTH:
            raise _Abort(f"nesting deeper than {MAX_DEPTH} levels", node)
        tag = node.tag
        if type(node) is ScalarNode:
            if tag == _STR:  # most nodes: a plain string, nothing to check
                text = node.value
                return _share(text) if len(text) <= _SHORT else text
            if tag not in _PLAIN_TAGS:
                self._refuse_tag(node)
            text = node.value
            known = _SCALAR_CACHE.get((tag, text))
            if known is None:
                value = _scalar_value(node)
                known = value, _valid_scalar(tag, text, value)
                # NaN is left out: `!!float nan` has been a new object each time (`.nan` is math.nan).
                if len(text) <= _SHORT and len(_SCALAR_CACHE) < _CACHE_MAX_ENTRIES and value == value:
                    _SCALAR_CACHE[tag, text] = known
            if not known[1]:
                self._report("parse-error", Severity.ERROR, f"{_shorten(text)} is not a valid {tag[len(_YAML):]}",
                             node)
            return known[0]
        if tag not in _PLAIN_TAGS:
            self._refuse_tag(node)
        if not self.anchors:
            if type(node) is MappingNode:
                return self._mapping(node, depth)
            return self._sequence(node, depth) if type(node) is SequenceNode else None
        identity = id(node)
        alias = False
        if identity not in self.seen:
            self.seen.add(identity)
        elif identity in self.open:
            raise _Abort("an alias refers to the anchor it is inside (a cycle)", node)
        elif self.expanding is None:  # an alias: count what its expansion adds
            self.expanding = node
            alias = True
        self.open.add(identity)
        try:
            if type(node) is MappingNode:
                return self._mapping(node, depth)
            if type(node) is SequenceNode:
                return self._sequence(node, depth)
            return None  # pragma: no cover - composer yields only the three node kinds
        finally:
            self.open.discard(identity)
            if alias:
                self.expanding = None

    def _refuse_tag(self, node: Node) -> None:
        self._report("yaml-tag", Severity.ERROR,
                     f"tag {_shorten(node.tag)} is not allowed: manifests are plain data, and podlint "
                     "(like the API server) constructs no objects from tags", node)

    # _sequence and _mapping take most children, plain strings, without a call to convert():
    # outside alias expansion and within MAX_DEPTH, convert() would only count such a node.
    # The count is brought up to date before any convert() call, which may check it.

    def _sequence(self, node: SequenceNode, depth: int) -> list[Any]:
        depth += 1
        if self.expanding is not None or depth > MAX_DEPTH:
            return [self.convert(item, depth) for item in node.value]
        out: list[Any] = []
        plain = 0  # plain strings not counted in visits yet
        for item in node.value:
            if item.tag == _STR and type(item) is ScalarNode:
                plain += 1
                text = item.value
                out.append(_share(text) if len(text) <= _SHORT else text)
            else:
                self.visits += plain
                plain = 0
                out.append(self.convert(item, depth))
        self.visits += plain
        return out

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges: list[Node] = []
        depth += 1
        quick = self.expanding is None and depth <= MAX_DEPTH
        plain = 0  # plain-string values not counted in visits yet
        for key_node, value_node in node.value:
            if key_node.tag == _STR and type(key_node) is ScalarNode:
                key = key_node.value
            elif type(key_node) is not ScalarNode:
                self._report("parse-error", Severity.ERROR,
                             "a mapping key must be a scalar, not a collection", key_node)
                continue
            elif key_node.tag == _MERGE:
                merges.extend(value_node.value if type(value_node) is SequenceNode else [value_node])
                continue
            else:
                if key_node.tag not in _PLAIN_TAGS:
                    self._refuse_tag(key_node)
                key = key_text(_scalar_value(key_node))
            if len(key) <= _SHORT:
                key = _share(key)
            if key in out:
                self._report("duplicate-key", Severity.ERROR,
                             f"duplicate key {_shorten(key)}: the API server rejects it (strict decoding) "
                             "or keeps only the last value", key_node)
            if quick and value_node.tag == _STR and type(value_node) is ScalarNode:
                plain += 1
                text = value_node.value
                out[key] = _share(text) if len(text) <= _SHORT else text
            else:
                self.visits += plain
                plain = 0
                out[key] = self.convert(value_node, depth)
        self.visits += plain
        for source in merges:
            merged = self.convert(source, depth)
            if not isinstance(merged, dict):
                self._report("parse-error", Severity.ERROR, "a merge key `<<` must refer to a mapping", source)
                continue
            for key, value in merged.items():
                out.setdefault(key, value)
        return out


class ParseResult(Record):
    documents: list[Document]
    findings: list[Finding]
    is_template: bool

    __slots__ = ("documents", "findings", "is_template")

    def __init__(self, documents: list[Document] | None = None, findings: list[Finding] | None = None,
                 is_template: bool = False) -> None:
        self.documents = [] if documents is None else documents
        self.findings = [] if findings is None else findings
        self.is_template = is_template


_READ_SIZE = 256  # bytes per read: libyaml decodes all it is given
_MARKER_LINE = lazy(r"(?:---|\.\.\.)(?:[ \t\r]|$)")
_TEMPLATE = lazy(r"\{\{.*?\}\}")
# Only these can nest deeper than MAX_DEPTH in a file of sane size: flow brackets, runs of
# `- `/`? ` entries on one line, and deep indentation. Both patterns are anchored at line
# starts, so a near miss costs one attempt per line, never one per character.
_DEEP_INDENT = lazy(r"^ {2500,}\S", re.MULTILINE)
_ENTRY_RUN = lazy(r"^[ \t]*(?:[-?][ \t]+){2500}", re.MULTILINE)
_DEEP_SPACES = " " * 100  # in any text _DEEP_INDENT matches (and short: str.find preprocesses a needle)
# Brackets outside quoted scalars, and where a comment starts (a `#` after a blank or at a line's start).
_FLOW_TOKEN = lazy(r"""'(?:[^']|'')*'?|"(?:[^"\\]|\\.)*"?|(?:^|(?<=[ \t]))#.*|[\[\]{}]""")
_NOT_MARKS = bytes(sorted(set(range(256)) - set(b"[{-?")))  # deleted from a text to count these four


def _error(file: str, message: str, line: int, column: int, rule: str = "parse-error") -> Finding:
    severity = Severity.INFO if rule == "unrendered-template" else Severity.ERROR
    return Finding(rule, severity, message, file, Span.point(line, column))


def _document_starts(raw: bytes) -> Iterator[int]:
    """Where each `---` line starts (a `---` then a space, a tab or the line's end)."""
    candidates = [0] if raw.startswith(b"---") else []
    newline = raw.find(b"\n---")
    while newline >= 0:
        candidates.append(newline + 1)
        newline = raw.find(b"\n---", newline + 1)
    for at in candidates:
        if raw[at + 3:at + 4] in (b"", b"\n", b"\r", b" ", b"\t"):
            yield at


def _needs_guard(text: str, raw: bytes, max_nodes: int) -> bool:
    """A cheap test that clears almost every file of ever reaching MAX_DEPTH or `max_nodes`.

    `raw` is `text` in UTF-8, where every ASCII character is one byte and no other byte is ASCII.
    """
    if len(text) < min(2500, max_nodes):  # too short to nest deep enough to endanger the C stack or to hold
        return False                        # max_nodes nodes (each needs a character)
    # Every node but a document's first starts after a line break or one of `,[{:-?`. The
    # patterns are tried only where the counts allow a match: a search, though it fails fast,
    # still steps through every character (~8% of reading a file). One pass keeps the four
    # characters counted, at half the cost of four counts.
    marks = raw.translate(None, _NOT_MARKS)
    return (marks.count(b"[") + marks.count(b"{") >= 2500
            or (_DEEP_SPACES in text and _DEEP_INDENT.search(text) is not None)
            or (marks.count(b"-") + marks.count(b"?") >= 2500 and _ENTRY_RUN.search(text) is not None)
            or (len(text) >= max_nodes and sum(map(text.count, "\n,[{:-?")) >= max_nodes))


class gc_paused:  # lower case: used as the function it was, `with gc_paused():`
    """Collect no garbage while a file's tree is built: the composer only allocates, and the
    collector would walk the growing tree again and again (6x slower on 100,000 nodes).

    A class rather than a @contextmanager generator: entered twice per file, at a third of the cost.
    """

    __slots__ = ("enabled",)

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()


class _Stream(io.BytesIO):
    """`raw` from an offset, handed to libyaml in small reads.

    libyaml asks for 16 KB at a time and decodes all it gets, which costs ~100 µs per reader:
    a file of many broken documents starts one reader per document, so reads stay small.
    """

    def __init__(self, raw: bytes, offset: int) -> None:
        super().__init__(raw)  # shares `raw`'s buffer: no copy
        self.seek(offset)

    def read(self, size: int | None = -1, /) -> bytes:
        return super().read(_READ_SIZE if size is None or size < 0 else min(size, _READ_SIZE))


def _source(raw: bytes, offset: int) -> bytes | _Stream:
    """What a reader of `raw` from `offset` reads: the first reader of a file gets the bytes
    themselves, which libyaml decodes as it goes with no Python call per read (~1% of reading);
    only a reader that starts after a broken document, which may stop soon, gets small reads."""
    return raw if offset == 0 else _Stream(raw, offset)


class _Refused(Record):
    message: str
    mark: Mark | _CMark | None
    stop: bool  # True: the rest of the file is not read; False: only this document

    __slots__ = ("mark", "message", "stop")

    def __init__(self, message: str, mark: Mark | _CMark | None, stop: bool) -> None:
        self.message = message
        self.mark = mark
        self.stop = stop


class _EventGuard:
    """Reads the events of the same bytes one document ahead of the composer, for files that
    could cross a bound before the composer is done with a document.

    libyaml's C composer recurses once per nesting level and overflows the C stack near
    100,000 levels (a crash no `except` can catch), and it builds a whole document before
    podlint sees any of it (~400 bytes a node): so a document nested deeper than MAX_DEPTH,
    or past the node limit of its file, is refused here, from its events, before it is composed.
    """

    def __init__(self, raw: bytes, offset: int, nodes: int, max_nodes: int) -> None:
        self.parser = _Parser(_source(raw, offset))
        self.nodes = nodes  # node events met in the file before this reader's start
        self.max_nodes = max_nodes
        self.broken = False
        self.block_depth = 0  # block collections open when libyaml refused the text

    def refuse(self) -> _Refused | None:
        """Why the next document must not be composed, if it must not."""
        if self.broken:
            return None
        depth = 0
        blocks: list[bool] = []  # per open collection: whether it is a block one
        try:
            while self.parser.check_event():
                event = self.parser.get_event()
                if isinstance(event, yaml.NodeEvent) and not isinstance(event, yaml.AliasEvent):
                    self.nodes += 1
                    if self.nodes > self.max_nodes:
                        return _Refused(f"more than {self.max_nodes:,} YAML nodes in one file: the rest is not read",
                                        event.start_mark, stop=True)
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    blocks.append(not event.flow_style)
                    if depth > MAX_DEPTH:
                        return _Refused(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark, stop=False)
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                    blocks.pop()
                elif isinstance(event, yaml.DocumentEndEvent):
                    return None
        except yaml.YAMLError:
            self.broken = True  # the composer meets the same syntax error and reports it
            self.block_depth = sum(blocks)
        return None

    def dispose(self) -> None:
        self.parser.dispose()


class _Reader:
    """The documents of one text, composed lazily from its UTF-8 bytes.

    After a syntax error, reading resumes at the next `---` line on the same bytes (YAML
    ends every document there, even inside a block scalar or an unclosed quote), so each
    byte is read about once however many documents are broken.
    """

    def __init__(self, text: str, original: str, file: str, result: ParseResult, max_nodes: int) -> None:
        self.text = text
        self.original = original  # the file's own text: the same offsets, kept on documents for fixes
        self.raw = text.encode("utf-8")
        self.file = file
        self.result = result
        self.converter = _Converter(file, result.findings, anchors="&" in text)
        self.max_nodes = max_nodes
        self.guarded = _needs_guard(text, self.raw, max_nodes)
        self.guarded_nodes = 0  # node events the guards have met
        self._starts: tuple[list[int], list[int]] | None = None
        self._lines: list[str] | None = None
        self.failures = 0  # documents refused (syntax errors, too deep)

    @property
    def starts(self) -> tuple[list[int], list[int]]:
        """The 0-based lines of the `---` lines, and where they start in `raw`: found only when an
        error needs them (~1% of reading a sound file)."""
        if self._starts is None:
            lines: list[int] = []
            offsets: list[int] = []
            line, position = 0, 0
            for start in _document_starts(self.raw):
                line += self.raw.count(b"\n", position, start)
                position = start
                lines.append(line)
                offsets.append(start)
            self._starts = lines, offsets
        return self._starts

    @property
    def lines(self) -> list[str]:
        """The lines of the text, split only when an error needs them."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def line_text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def read(self) -> None:
        start: tuple[int, int] | None = (0, 0)
        while start is not None and not self._over_document_limit(start[0], 0):
            start = self._read_from(*start)

    def _over_document_limit(self, line: int, column: int) -> bool:
        """Whether the file has had its MAX_DOCUMENTS (read or refused); says so once at (line, column)."""
        if len(self.result.documents) + self.failures < MAX_DOCUMENTS:
            return False
        message = f"more than {MAX_DOCUMENTS:,} documents in one file: the rest is not read"
        self.result.findings.append(_error(self.file, message, line + 1, column + 1))
        return True

    def _next_start(self, problem_line: int, column: int, chunk_line: int) -> tuple[int, int] | None:
        """Where reading resumes after a document that failed at (problem_line, column).

        An error found at the `---` itself ended the previous document: resume on that line;
        any other error is inside its document: resume at the `---` after it.
        """
        start_lines, start_offsets = self.starts
        index = bisect.bisect_left(start_lines, problem_line)
        at_start = index < len(start_lines) and start_lines[index] == problem_line
        if not (at_start and column == 0 and problem_line > chunk_line):
            index = bisect.bisect_right(start_lines, max(problem_line, chunk_line))
        if index >= len(start_lines):
            return None
        return start_lines[index], start_offsets[index]

    def _read_from(self, line_offset: int, byte_offset: int) -> tuple[int, int] | None:
        """Compose documents from `byte_offset` on; on an error, report it and return where to resume."""
        composer = _Composer(_source(self.raw, byte_offset))
        guard = _EventGuard(self.raw, byte_offset, self.guarded_nodes, self.max_nodes) if self.guarded else None
        try:
            while composer.check_node():
                refused = guard.refuse() if guard is not None else None
                if refused is not None:
                    mark = refused.mark
                    line, column = (mark.line + line_offset, mark.column) if mark is not None else (line_offset, 0)
                    self.result.findings.append(_error(self.file, refused.message, line + 1, column + 1))
                    self.failures += 1
                    return None if refused.stop else self._next_start(line, column, line_offset)
                root = composer.get_node()
                assert root is not None  # check_node() promised one
                if self._over_document_limit(root.start_mark.line + line_offset, root.start_mark.column):
                    return None
                data = self.converter.document(root, line_offset)
                self.result.documents.append(Document(self.file, len(self.result.documents), data, root,
                                                      line_offset, self.original))
        except yaml.MarkedYAMLError as exc:
            return self._syntax_error(exc, line_offset, byte_offset, guard.block_depth if guard is not None else None)
        except yaml.YAMLError as exc:  # the reader's own errors; encoding.py refuses their causes first
            self.result.findings.append(_error(self.file, str(exc).splitlines()[0], line_offset + 1, 1))
        finally:
            composer.dispose()
            if guard is not None:
                self.guarded_nodes = guard.nodes
                guard.dispose()
        return None

    def _syntax_error(self, exc: yaml.MarkedYAMLError, line_offset: int, byte_offset: int,
                      block_depth: int | None = None) -> tuple[int, int] | None:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + line_offset, mark.column) if mark is not None else (line_offset, 0)
        resume = self._next_start(line, column, line_offset)
        too_deep = self._flow_too_deep(line_offset, line, column, block_depth) if block_depth is not None else None
        if too_deep is not None:
            # libyaml (PyYAML >= 6.0.4) has a nesting limit of its own, which its scanner's look-ahead
            # reaches before the event guard sees MAX_DEPTH: the message and position stay podlint's.
            message = f"nesting deeper than {MAX_DEPTH} levels"
            self.result.findings.append(_error(self.file, message, too_deep[0] + 1, too_deep[1] + 1))
            self.failures += 1
            return resume
        if self._past_its_document(line, column):
            # libyaml noticed an unclosed quote or bracket only at the next `---` or at the end:
            # point at what was left open.
            opening = self._opening(exc, line_offset, byte_offset)
            if opening is not None:
                line, column = opening
        self.result.findings.append(_error(self.file, self._describe(exc, line, column), line + 1, column + 1))
        self.failures += 1
        return resume

    def _flow_too_deep(self, first_line: int, line: int, column: int, block_depth: int) -> tuple[int, int] | None:
        """Where flow brackets inside `block_depth` block collections first nest deeper than MAX_DEPTH
        between `first_line` and (line, column), if they do: asked only after libyaml refused the
        text, so a rough scan cannot refuse valid YAML."""
        depth = block_depth
        for number in range(first_line, min(line + 1, len(self.lines))):
            text = self.lines[number] if number < line else self.lines[number][:column + 1]
            for match in _FLOW_TOKEN.finditer(text):
                token = match.group()
                if token[0] == "#":
                    break
                if token in "[{":
                    depth += 1
                    if depth > MAX_DEPTH:
                        return number, match.start()
                elif token in "]}":
                    depth = max(depth - 1, block_depth)
        return None

    def _past_its_document(self, line: int, column: int) -> bool:
        """Whether libyaml stopped at the next document's `---` (or `...`) or at the end of the text."""
        text = self.line_text(line)
        if column == 0 and _MARKER_LINE.match(text):
            return True
        return line >= len(self.lines) - 1 and not text[column:].strip()

    def _opening(self, exc: yaml.MarkedYAMLError, line_offset: int, byte_offset: int) -> tuple[int, int] | None:
        """Where the quote or flow collection that the error left open begins, if known."""
        problem, context = exc.problem_mark, exc.context_mark
        if context is not None and problem is not None and (context.line, context.column) < (
                problem.line, problem.column):
            return context.line + line_offset, context.column
        parser = _Parser(_source(self.raw, byte_offset))
        open_flows: list[Mark | _CMark | None] = []
        try:
            while parser.check_event():
                event = parser.get_event()
                if isinstance(event, yaml.CollectionStartEvent):
                    open_flows.append(event.start_mark if event.flow_style else None)
                elif isinstance(event, yaml.CollectionEndEvent):
                    open_flows.pop()
        except yaml.YAMLError:
            pass
        finally:
            parser.dispose()
        flows = [mark for mark in open_flows if mark is not None]
        return (flows[-1].line + line_offset, flows[-1].column) if flows else None

    def _describe(self, exc: yaml.MarkedYAMLError, line: int, column: int) -> str:
        problem = exc.problem or "invalid YAML"
        if self.line_text(line)[column:column + 1] == "\t":
            return "a tab character cannot indent YAML: use spaces"
        if column > 1024 and problem.startswith(("could not find expected ':'", "mapping values are not allowed")):
            return "invalid YAML: a key longer than 1024 characters must be written as an explicit `? key` entry"
        context = f" ({exc.context})" if exc.context else ""
        return f"invalid YAML: {problem}{context}"


def node_limit(max_bytes: int) -> int:
    """The nodes a file may have under a size limit: as many as a real manifest of that size."""
    return max(max_bytes // BYTES_PER_NODE, MIN_NODES)


MAX_NODES = node_limit(MAX_FILE_BYTES)


def parse_text(text: str, file: str, max_nodes: int = MAX_NODES) -> ParseResult:
    """Every document of a YAML or JSON text, with reading problems as findings.

    A syntax error costs only the document it is in: reading resumes at the next `---`.
    """
    readable = yaml_readable(text)
    refusal = forbidden_character(readable)
    if refusal is not None:
        return ParseResult(findings=[_error(file, refusal.message, refusal.line, refusal.column)])
    result = ParseResult()
    with gc_paused():
        _Reader(readable, text, file, result, max_nodes).read()
    if any(f.rule == "parse-error" for f in result.findings):
        match = _TEMPLATE.search(readable)
        if match is not None:
            message = "unrendered Helm/Go template: render it (helm template, kustomize build) and lint the output"
            return ParseResult(findings=[_error(file, message, *point(readable, match.start()),
                                                rule="unrendered-template")], is_template=True)
    return result


def parse_bytes(raw: bytes, file: str, max_bytes: int = MAX_FILE_BYTES) -> ParseResult:
    if len(raw) > max_bytes:
        return ParseResult(findings=[_error(
            file, f"file is over the {max_bytes:,}-byte limit (--max-file-size): skipped", 1, 1)])
    text, refusal = decode(raw, file)
    if text is None:
        return ParseResult(findings=[refusal] if refusal is not None else [])
    return parse_text(text, file, node_limit(max_bytes))


def decode(raw: bytes, file: str) -> tuple[str | None, Finding | None]:
    """A file's own text (as `podlint fix` rewrites it), or the finding that refuses it."""
    text = encoding.decode(raw)
    if isinstance(text, Refusal):
        return None, _error(file, text.message, text.line, text.column)
    return text, None


def iter_mappings(documents: list[Document]) -> Iterator[Document]:
    for document in documents:
        if isinstance(document.data, dict):
            yield document
