"""Where the objects of a buffer are, and what a field refers to: the editor's outline (one symbol per
object) and go-to-definition (a Service's selector -> the workloads whose pods it selects; a ConfigMap,
Secret, PersistentVolumeClaim or ServiceAccount reference of a pod -> that object), among the open
buffers and the workspace's files. Plain data and positions in code points: podlint/lsp/navigation.py
speaks LSP."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from podlint.checks.controllers import selector_matches
from podlint.checks.crossobject import REFERENCED_KINDS, pod_references
from podlint.findings import FieldPath, Span
from podlint.model.inventory import WORKLOAD_KINDS, pod_labels, same_namespace
from podlint.model.objects import K8sObject, objects_of
from podlint.model.podspec import PodSpecView
from podlint.reading.parse import Document, parse_bytes, parse_text
from podlint.sources.files import Source, expand

TARGET_KINDS = WORKLOAD_KINDS | frozenset(REFERENCED_KINDS)
# The workspace is read for targets within bounds: a monorepo's thousands of files cost one walk, not a stall.
MAX_WORKSPACE_FILES = 5000
MAX_INDEXED_BYTES = 1024 * 1024  # per file: a bigger one is data, not a manifest anyone navigates


@dataclass(frozen=True, slots=True)
class Symbol:
    """An object of a buffer: `Kind/name`, its namespace, all its lines, and its name (or first line)."""

    name: str
    kind: str
    namespace: str
    extent: Span
    selection: Span


@dataclass(frozen=True, slots=True)
class Place:
    """An object that may be the target of a reference: where it is named (0-based lines, code points)."""

    file: str
    kind: str
    name: str
    namespace: str
    labels: Mapping[str, Any] | None  # of the pods a workload makes
    span: Span
    lines: tuple[str, ...]  # the text of the span's lines, for the client's position units


def symbols(text: str, file: str) -> list[Symbol]:
    found = []
    for document in parse_text(text, file).documents:
        for obj in objects_of(document):
            found.append(Symbol(f"{obj.kind}/{obj.name}" if obj.name else obj.kind, obj.kind, obj.namespace,
                                document.extent(obj.base), _name_span(obj)))
    return found


def _name_span(obj: K8sObject) -> Span:
    return obj.span(("metadata", "name"), "value") if obj.name else obj.span((), "key")


def path_at(document: Document, line: int, column: int) -> FieldPath | None:
    """The path of the key or value at a 0-based position of the file (None: not in this document)."""
    row = line - document.line_offset  # marks count from the document's own text
    node: Node = document.root

    def inside(node: Node) -> bool:
        start, end = node.start_mark, node.end_mark
        return (start.line, start.column) <= (row, column) <= (end.line, end.column)

    if not inside(node):
        return None
    path: list[str | int] = []
    while True:
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and inside(key):
                    return (*path, str(key.value))
                if inside(value) and isinstance(key, ScalarNode):
                    path.append(str(key.value))
                    node = value
                    break
            else:
                return tuple(path)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                if inside(item):
                    path.append(index)
                    node = item
                    break
            else:
                return tuple(path)
        else:
            return tuple(path)


def object_at(text: str, file: str, line: int, column: int) -> tuple[K8sObject, FieldPath] | None:
    """The object at a 0-based position of a buffer, and the path there relative to the object."""
    for document in parse_text(text, file).documents:
        path = path_at(document, line, column)
        if path is None:
            continue
        for obj in objects_of(document):
            if path[:len(obj.base)] == obj.base:
                return obj, path[len(obj.base):]
        return None
    return None


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a reference asks for: objects of `kinds` named `name` (any name: None), or selected by labels."""

    kinds: frozenset[str]
    namespace: str
    name: str | None = None
    selector: Mapping[str, Any] | None = None

    def matches(self, place: Place) -> bool:
        if place.kind not in self.kinds or not same_namespace(place.namespace, self.namespace):
            return False
        if self.name is not None:
            return place.name == self.name
        return place.labels is not None and self.selector is not None \
            and selector_matches({"matchLabels": dict(self.selector)}, dict(place.labels))


def wanted_at(obj: K8sObject, path: FieldPath) -> Wanted | None:
    """The reference at `path` of an object, if there is one."""
    if obj.kind == "Service" and path[:2] == ("spec", "selector"):
        selector = obj.get(("spec", "selector"))
        if isinstance(selector, dict) and selector and obj.get(("spec", "type")) != "ExternalName":
            return Wanted(WORKLOAD_KINDS, obj.namespace, selector=selector)
        return None
    pod = PodSpecView.of(obj)
    if pod is None:
        return None
    for kind, name, ref_path in pod_references(pod, optional=True):
        if path[:len(ref_path) - 1] == ref_path[:-1] and isinstance(name, str) and name:
            return Wanted(frozenset({kind}), obj.namespace, name=name)
    return None


def places_of(text: str | bytes, file: str) -> list[Place]:
    """The objects of a file that references may point to."""
    documents = parse_bytes(text, file, MAX_INDEXED_BYTES).documents if isinstance(text, bytes) \
        else parse_text(text, file).documents
    found = []
    lines: list[str] = []
    for document in documents:
        for obj in objects_of(document):
            if obj.kind not in TARGET_KINDS:
                continue
            span = _name_span(obj)
            lines = lines or document.text.split("\n")  # (the text of the whole file, once)
            found.append(Place(file, obj.kind, obj.name, obj.namespace, pod_labels(obj), span,
                               tuple(lines[span.line - 1:span.end_line])))
    return found


class Workspace:
    """The targets in the workspace's files, read again only when a file changes (size and time)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[tuple[int, int], list[Place]]] = {}

    def places(self, roots: Iterable[str], open_buffers: Mapping[str, str]) -> Iterator[Place]:
        """The targets of the open buffers (as they are now), then of the files under `roots` not open."""
        opened = {os.path.realpath(path) for path in open_buffers}
        for path, text in open_buffers.items():
            try:
                yield from places_of(text, path)
            except Exception:  # a bug costs this buffer's targets, never the request
                continue
        seen: set[str] = set()
        for source in self._sources(roots):
            real = os.path.realpath(source.path) if source.path is not None else ""
            if not real or real in opened or real in seen:
                continue
            seen.add(real)
            yield from self._places_of_file(source, real)
        for gone in set(self.files) - seen:  # deleted, or out of the workspace now
            del self.files[gone]

    @staticmethod
    def _sources(roots: Iterable[str]) -> Iterator[Source]:
        count = 0
        for root in dict.fromkeys(roots):
            for item in expand([root]):
                if isinstance(item, Source):
                    count += 1
                    if count > MAX_WORKSPACE_FILES:
                        return
                    yield item

    def _places_of_file(self, source: Source, real: str) -> list[Place]:
        assert source.path is not None
        try:
            info = os.stat(real)
        except OSError:
            return []
        stamp = (info.st_size, info.st_mtime_ns)
        known = self.files.get(real)
        if known is not None and known[0] == stamp:
            return known[1]
        places: list[Place] = []
        if info.st_size <= MAX_INDEXED_BYTES:
            try:
                places = places_of(source.read(MAX_INDEXED_BYTES), str(source.path))
            except Exception:  # a bug costs this file's targets, never the request
                places = []
        self.files[real] = (stamp, places)
        return places


def definitions(text: str, file: str, line: int, column: int, places: Iterable[Place]) -> list[Place]:
    """The targets of the reference at a 0-based position: those in the buffer's folder if any, else all."""
    found = object_at(text, file, line, column)
    if found is None:
        return []
    wanted = wanted_at(*found)
    if wanted is None:
        return []
    targets = [place for place in places if wanted.matches(place)]
    folder = os.path.dirname(os.path.realpath(file))
    near = [place for place in targets if os.path.dirname(os.path.realpath(place.file)) == folder]
    return near or targets
