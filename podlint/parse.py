"""YAML/JSON text -> Documents: plain data plus the composed node tree for positions.

The fast path is libyaml's composer (PyYAML's C `CParser`); it builds a node tree with
marks, which we turn into plain data ourselves so that we control everything the
Kubernetes decoder would: YAML 1.1 scalars as go-yaml v2 resolves them, duplicate keys,
merge keys, tags that must not construct objects, and bounded alias expansion and depth.
Positions are looked up lazily from the node tree (`Document.span`): only findings pay.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from podlint.findings import FieldPath, Finding, Severity, Span

if yaml.__with_libyaml__:  # libyaml ships inside PyYAML's wheels
    from yaml._yaml import CParser as _Parser
else:  # pragma: no cover - the pure-Python reader, only where libyaml is missing

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,  # type: ignore[no-redef]
                  yaml.composer.Composer):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)

MAX_DEPTH = 256  # Kubernetes objects nest ~20 levels, CRD schemas ~60
MAX_FILE_BYTES = 10 * 1024 * 1024
_ALIAS_SLACK = 100_000  # nodes allowed beyond the file length once aliases are expanded

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


class GoYamlResolver(BaseResolver):
    """Implicit scalar types exactly as go-yaml v2 (used by Kubernetes) resolves them.

    Differences from PyYAML's YAML 1.1 resolver: `y`/`n` are booleans, `1e3` is a float,
    `0o17` is an int, and there are no sexagesimal numbers (`1:30` stays a string) and no
    timestamps (go-yaml hands them to Kubernetes as strings).
    """


GoYamlResolver.add_implicit_resolver(
    _BOOL,
    re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
               r"|on|On|ON|off|Off|OFF)$"),
    list("yYnNtTfFoO"),
)
GoYamlResolver.add_implicit_resolver(
    _INT,
    re.compile(r"^[-+]?(?:0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+|[1-9][0-9_]*|0)$"),
    list("-+0123456789"),
)
GoYamlResolver.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
GoYamlResolver.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])
GoYamlResolver.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


class _Composer(_Parser, GoYamlResolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        GoYamlResolver.__init__(self)


def _to_int(text: str) -> int | None:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-").replace("_", "")
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
        return float(text.replace("_", ""))
    except ValueError:
        return None


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


@dataclass(slots=True)
class Document:
    """One YAML document of a file: its data and where each part of it stands."""

    file: str
    index: int
    data: Any
    root: Node
    line_offset: int = 0
    # The whole text of the file (shared by its documents): fixes compute text edits from it.
    text: str = field(default="", repr=False)

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
        value = _to_int(node.value)
        return node.value if value is None else value
    if tag == _FLOAT:
        number = _to_float(node.value)
        return node.value if number is None else number
    return node.value


class _Abort(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


class _Converter:
    """Node tree -> plain data, collecting reading findings on the way."""

    def __init__(self, file: str, line_offset: int, budget: int, findings: list[Finding]) -> None:
        self.file = file
        self.line_offset = line_offset
        self.budget = budget
        self.findings = findings

    def _report(self, rule: str, severity: Severity, message: str, node: Node) -> None:
        span = _span_of(node, self.line_offset)
        self.findings.append(Finding(rule, severity, message, self.file, span))

    def convert(self, node: Node, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _Abort("too many nodes after expanding aliases (an alias bomb?)", node)
        if depth > MAX_DEPTH:
            raise _Abort(f"nesting deeper than {MAX_DEPTH} levels", node)
        tag = node.tag
        if tag not in _PLAIN_TAGS:
            self._report("yaml-tag", Severity.ERROR,
                         f"tag {tag!r} is not allowed: manifests are plain data, and podlint "
                         "(like the API server) constructs no objects from tags", node)
        if isinstance(node, ScalarNode):
            value = _scalar_value(node)
            if tag in (_INT, _FLOAT) and isinstance(value, str):
                self._report("parse-error", Severity.ERROR, f"{value!r} is not a valid {tag[18:]}", node)
            return value
        if isinstance(node, SequenceNode):
            return [self.convert(item, depth + 1) for item in node.value]
        if isinstance(node, MappingNode):
            return self._mapping(node, depth)
        return None  # pragma: no cover - composer yields only the three node kinds

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                merges.extend(value_node.value if isinstance(value_node, SequenceNode) else [value_node])
                continue
            if not isinstance(key_node, ScalarNode):
                self._report("parse-error", Severity.ERROR,
                             "a mapping key must be a scalar, not a collection", key_node)
                continue
            key = key_text(_scalar_value(key_node))
            if key in out:
                self._report("duplicate-key", Severity.ERROR,
                             f"duplicate key {key!r}: the API server rejects it (strict decoding) "
                             "or keeps only the last value", key_node)
            out[key] = self.convert(value_node, depth + 1)
        for source in merges:
            merged = self.convert(source, depth + 1)
            if not isinstance(merged, dict):
                self._report("parse-error", Severity.ERROR, "a merge key `<<` must refer to a mapping", source)
                continue
            for key, value in merged.items():
                out.setdefault(key, value)
        return out


@dataclass(slots=True)
class ParseResult:
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    is_template: bool = False


_DOC_START = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$", re.MULTILINE)
_TEMPLATE = re.compile(r"\{\{.*?\}\}")
_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
_DEEP_INDENT = re.compile(r"^ {2500,}\S", re.MULTILINE)
_DASH_RUN = re.compile(r"(?:[-?][ \t]+){2500,}")


def _error(file: str, message: str, line: int, column: int, rule: str = "parse-error") -> Finding:
    severity = Severity.INFO if rule == "unrendered-template" else Severity.ERROR
    return Finding(rule, severity, message, file, Span.point(line, column))


def decode(raw: bytes, file: str) -> tuple[str | None, Finding | None]:
    """Bytes -> text the way a YAML reader must: BOMs honoured, bad bytes pinpointed."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            return None, _error(file, f"invalid UTF-16: {exc.reason}", 1, 1)
    nul = raw.find(b"\x00", 0, 8192)
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        return None, _error(file, "binary file (NUL byte): not a manifest", line, nul - raw.rfind(b"\n", 0, nul))
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        return None, _error(file, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}): manifests must be UTF-8",
                            line, column)


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where nesting exceeds MAX_DEPTH, for inputs that could overflow libyaml's C recursion.

    A cheap test picks the rare suspicious input; only that one pays for an event scan.
    """
    if (text.count("[") + text.count("{") < 2500 and not _DEEP_INDENT.search(text)
            and not _DASH_RUN.search(text)):
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return (mark.line, mark.column) if mark else (0, 0)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # the composer reports the syntax error itself
    return None


def parse_text(text: str, file: str) -> ParseResult:
    """Every document of a YAML or JSON text, with reading problems as findings.

    A syntax error costs only the document it is in: reading resumes at the next `---`.
    """
    result = ParseResult()
    lines = text.split("\n")
    separators = [text.count("\n", 0, match.start()) for match in _DOC_START.finditer(text)]
    offset = 0
    budget = len(text) + _ALIAS_SLACK
    while offset >= 0:
        chunk = text if offset == 0 else "\n".join(lines[offset:])
        deep = _too_deep(chunk)
        if deep is not None:
            line, column = deep
            result.findings.append(_error(file, f"nesting deeper than {MAX_DEPTH} levels",
                                          line + 1 + offset, column + 1))
            offset = _resume_line(lines, separators, offset, line + offset)
            continue
        offset = _compose_all(chunk, file, offset, budget, result, lines, separators, text)
    if any(f.rule == "parse-error" for f in result.findings):
        match = _TEMPLATE.search(text)
        if match is not None:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            message = "unrendered Helm/Go template: render it (helm template, kustomize build) and lint the output"
            return ParseResult(findings=[_error(file, message, line, column, "unrendered-template")],
                               is_template=True)
    return result


def _resume_line(lines: list[str], separators: list[int], failed_from: int, problem_line: int) -> int:
    """The line of the `---` that starts the document after the one that failed, or -1.

    `failed_from` is where the failing document's text begins (after the last good one): if
    content stands before the next separator, that separator ends the failing document;
    otherwise the failing document starts with it and the one after is the place to resume.
    """
    following = [line for line in separators if line >= failed_from]
    if not following:
        return -1
    first = following[0]
    content_before = any(
        stripped and not stripped.startswith("#")
        for stripped in (line.strip() for line in lines[failed_from:first])
    )
    if content_before:
        return first
    return following[1] if len(following) > 1 else -1


def _compose_all(chunk: str, file: str, line_offset: int, budget: int, result: ParseResult,
                 lines: list[str], separators: list[int], text: str) -> int:
    """Compose the documents of `chunk`; on a syntax error, report it and return where to resume (or -1)."""
    composer = _Composer(chunk)
    failed_from = line_offset
    try:
        while composer.check_node():
            root = composer.get_node()
            if root is None:  # pragma: no cover - check_node() promised a node
                break
            converter = _Converter(file, line_offset, budget, result.findings)
            try:
                data = converter.convert(root)
            except _Abort as abort:
                mark = abort.node.start_mark
                result.findings.append(_error(file, abort.message, mark.line + 1 + line_offset, mark.column + 1))
                data = None
            result.documents.append(Document(file, len(result.documents), data, root, line_offset, text))
            failed_from = root.end_mark.line + line_offset
    except yaml.MarkedYAMLError as exc:
        resume = _resume_line(lines, separators, failed_from, 0)
        mark = exc.problem_mark or exc.context_mark
        # libyaml may notice an unclosed bracket or quote documents later: point at its opening.
        if (mark is not None and resume >= 0 and mark.line + line_offset >= resume
                and exc.context_mark is not None):
            mark = exc.context_mark
        line, column = (mark.line, mark.column) if mark is not None else (0, 0)
        result.findings.append(_error(file, _describe(exc), line + 1 + line_offset, column + 1))
        return resume
    except yaml.YAMLError as exc:  # reader errors: characters YAML does not allow
        result.findings.append(_error(file, str(exc).splitlines()[0], 1 + line_offset, 1))
        return -1
    finally:
        composer.dispose()
    return -1


def _describe(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    if "'\\t'" in problem:
        return "a tab character cannot indent YAML: use spaces"
    context = f" ({exc.context})" if exc.context else ""
    return f"invalid YAML: {problem}{context}"


def parse_bytes(raw: bytes, file: str, max_bytes: int = MAX_FILE_BYTES) -> ParseResult:
    if len(raw) > max_bytes:
        return ParseResult(findings=[_error(
            file, f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit: skipped", 1, 1)])
    text, problem = decode(raw, file)
    if text is None:
        assert problem is not None
        return ParseResult(findings=[problem])
    return parse_text(text, file)


def iter_mappings(documents: list[Document]) -> Iterator[Document]:
    for document in documents:
        if isinstance(document.data, dict):
            yield document
