"""Findings on a rendered chart or overlay, moved to the line a developer edits.

The engine lints a render as a file of its own (`charts/web/<helm template>`); here each of its
findings is moved to the template line of the same key, the values-file line the value came
from, or the base, patch or kustomization line that produced it (helm_origin.py,
kustomize_origin.py). The rendered line, the template line and the chart or overlay are kept as
related locations. When no line can be found, the finding goes to the resource's first line
and says the line is approximate: never a confident wrong line.

A finding that several overlays share (a base file's line) is reported once, naming them.
"""

from __future__ import annotations

import bisect
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from podlint.findings import FieldPath, Finding, Related, Span, format_path
from podlint.reading.parse import Anchor, Document, ParseResult, key_text, parse_bytes, parse_text
from podlint.sources.rendered import Rendered


@dataclass(frozen=True, slots=True)
class Place:
    """A line of a file a developer edits, as reports show the file."""

    file: str
    span: Span
    label: str  # "template", "values", "helper", "base", "patch", "kustomization", "crd", ...


@dataclass(slots=True)
class Mapping:
    primary: Place
    related: list[Place] = field(default_factory=list)
    approximate: bool = False
    note: str = ""  # why the line is approximate, for the message


@dataclass(frozen=True, slots=True)
class Target:
    """A finding's node in the rendered text: its document and field path (from the document's root)."""

    document: Document
    index: int  # the document's position in the render
    path: FieldPath
    anchor: Anchor
    node: Node


class Rendering:
    """A render parsed once for the mappers: its documents and where each starts."""

    def __init__(self, rendered: Rendered) -> None:
        self.rendered = rendered
        self.text = rendered.text.decode("utf-8", "replace")
        self.parsed: ParseResult = parse_text(self.text, rendered.name)
        self.starts = [document.start.line for document in self.parsed.documents]

    def target(self, finding: Finding) -> Target | None:
        """The rendered node a finding stands on, chosen among the nodes at its position by its field path."""
        if not self.parsed.documents:
            return None
        index = max(0, bisect.bisect_right(self.starts, finding.span.line) - 1)
        document = self.parsed.documents[index]
        line = finding.span.line - 1 - document.line_offset
        column = finding.span.column - 1
        candidates = nodes_at(document.root, line, column)
        if not candidates:
            return Target(document, index, (), "value", document.root)
        wanted = finding.path
        exact = [c for c in candidates if format_path(c[0]) == wanted]
        if exact:
            path, anchor, node = exact[0]
        else:
            prefixes = [c for c in candidates if wanted.startswith(format_path(c[0])) and c[0]]
            path, anchor, node = max(prefixes, key=lambda c: len(c[0])) if prefixes else candidates[0]
        return Target(document, index, path, anchor, node)


def nodes_at(root: Node, line: int, column: int) -> list[tuple[FieldPath, Anchor, Node]]:
    """Every (path, anchor, node) whose key or value starts at this 0-based position, shallowest first."""
    found: list[tuple[FieldPath, Anchor, Node]] = []
    stack: list[tuple[Node, FieldPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        start, end = node.start_mark, node.end_mark
        if (start.line, start.column) > (line, column) or (end.line, end.column) < (line, column):
            continue
        if (start.line, start.column) == (line, column):
            found.append((path, "value", node))
        if isinstance(node, MappingNode):
            children: list[tuple[Node, FieldPath]] = []
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    continue
                child = (*path, key_text(_scalar(key)))
                if (key.start_mark.line, key.start_mark.column) == (line, column):
                    found.append((child, "key", value))
                children.append((value, child))
            stack.extend(reversed(children))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed([(item, (*path, index)) for index, item in enumerate(node.value)]))
    found.sort(key=lambda c: len(c[0]))
    return found


def _scalar(node: ScalarNode) -> Any:
    from podlint.reading.parse import _scalar_value

    return _scalar_value(node)


def rendered_scalar(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def first_key(node: Node) -> str | None:
    if isinstance(node, MappingNode) and node.value and isinstance(node.value[0][0], ScalarNode):
        return key_text(_scalar(node.value[0][0]))
    return None


@functools.lru_cache(maxsize=512)
def read_file(path: str) -> ParseResult | None:
    """A source file (template's values, base, patch) parsed with positions; None when unreadable."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read(10 * 1024 * 1024 + 1)
    except OSError:
        return None
    return parse_bytes(raw, path)


def exists(data: Any, path: FieldPath) -> bool:
    """Whether `path` is in `data` (a key with a null value counts)."""
    for part in path:
        keyed = isinstance(part, str) and isinstance(data, dict) and part in data
        if keyed or (isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data)):
            data = data[part]
        else:
            return False
    return True


def shown(path: str) -> str:
    """An absolute path as reports show it: relative to the current folder when inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def remap(findings: Iterable[Finding],
          renders: list[Rendered]) -> tuple[list[Finding], set[tuple[str, str]]]:
    """Every finding on a render moved to its source line; other findings as they are.

    Also returns the (shown, absolute) source files that findings moved to, whose suppression
    comments then apply.
    """
    by_name = {rendered.name: rendered for rendered in renders if rendered.origin is not None}
    mappers: dict[str, Any] = {}
    out: list[Finding] = []
    moved: dict[tuple[str, int, int, str, str], Finding] = {}
    files: set[tuple[str, str]] = set()
    for finding in findings:
        rendered = by_name.get(finding.file)
        if rendered is None:
            out.append(finding)
            continue
        mapper = mappers.get(rendered.name)
        if mapper is None:
            mapper = mappers[rendered.name] = _mapper(rendered)
        mapped = _moved(finding, rendered, mapper)
        files.update(mapper.files_of(mapped))
        key = (mapped.rule, mapped.span.line, mapped.span.column, mapped.file, mapped.message)
        earlier = moved.get(key)
        if earlier is not None and rendered.tool == "kustomize":
            # The same line of a base, reached through several overlays: once, naming every overlay.
            known = {(r.file, r.label) for r in earlier.related}
            extra = tuple(r for r in mapped.related if r.label == "overlay" and (r.file, r.label) not in known)
            earlier.related = (*earlier.related, *extra)
            continue
        moved[key] = mapped
        out.append(mapped)
    return out, files


def _mapper(rendered: Rendered) -> Any:
    if rendered.tool == "helm":
        from podlint.sources.helm_origin import HelmMapper

        return HelmMapper(Rendering(rendered))
    from podlint.sources.kustomize_origin import KustomizeMapper

    return KustomizeMapper(Rendering(rendered))


def _moved(finding: Finding, rendered: Rendered, mapper: Any) -> Finding:
    try:
        mapping: Mapping = mapper.map(finding)
    except Exception:  # a bug in mapping must not lose the finding: it stays on the rendered line
        mapping = mapper.fallback(finding, "podlint could not map this finding")
    root_label = "chart" if rendered.tool == "helm" else "overlay"
    related = [Related(place.file, place.span, place.label) for place in mapping.related]
    related.append(Related(rendered.root, finding.span, "rendered"))
    related.append(Related(rendered.root, None, root_label))
    message = finding.message
    if mapping.approximate:
        message += f" (line approximate: {mapping.note or 'the resource’s first line'})"
    primary = mapping.primary
    editable = primary.label in ("base", "patch", "crd")  # plain YAML that `podlint fix` may edit
    return finding.copy(file=primary.file, span=primary.span, message=message, related=tuple(related),
                        approximate=mapping.approximate, fix=None, fixable=finding.fixable and editable)
