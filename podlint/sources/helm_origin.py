"""A chart's rendered finding -> the template line of the same key, or the values line the value came from.

Each rendered document names its template (`# Source: web/templates/deployment.yaml`); the
finding's field path is looked up in that template's key structure (template_text.py). When
the template writes the value from `.Values` (`replicas: {{ .Values.replicaCount }}`, or a
`toYaml .Values.resources` under `resources:`), the values file that set the key is the
primary place: the last `--values` file that has it, else the chart's `values.yaml` (for a
subchart, the parent's values under the subchart's name first). A value given with `--set`
has no line: the template line is reported. A CRD from `crds/` maps to its own file's line.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass

from podlint.findings import FieldPath, Finding, Span
from podlint.reading.parse import Anchor, Document
from podlint.sources import template_text
from podlint.sources.helm import HelmOrigin, source_file, source_of_documents
from podlint.sources.origin import (
    Mapping,
    Place,
    Rendering,
    Target,
    exists,
    first_key,
    read_file,
    rendered_scalar,
)
from podlint.sources.template_text import Line, Skeleton, ValuesPath

_SET_KEY = re.compile(r"((?:[^,=\\]|\\.)+)=")


@dataclass(slots=True)
class _Source:
    """A template (or CRD file) of the chart: where it is and how many rendered documents it made."""

    name: str  # as `# Source:` names it
    shown: str | None  # as reports show it; None: not on disk (a packaged subchart)
    absolute: str | None
    chain: list[tuple[str, tuple[str, ...]]]  # (chart folder, values prefix from the top chart), nearest first


class HelmMapper:
    def __init__(self, rendering: Rendering) -> None:
        self.rendering = rendering
        origin = rendering.rendered.origin
        assert isinstance(origin, HelmOrigin)
        self.origin = origin
        marks = source_of_documents(rendering.text)
        self.mark_lines = [line for line, _ in marks]
        self.mark_names = [name for _, name in marks]
        self.sources: dict[str, _Source] = {}
        self.skeletons: dict[str, list[Skeleton]] = {}
        self.helpers: dict[str, tuple[str, Skeleton]] | None = None
        # document index -> (source name, its position among that source's documents)
        self.positions: list[tuple[str | None, int]] = []
        counts: dict[str | None, int] = {}
        for document in rendering.parsed.documents:
            at = bisect.bisect_right(self.mark_lines, document.start.line) - 1
            name = self.mark_names[at] if at >= 0 else None
            self.positions.append((name, counts.get(name, 0)))
            counts[name] = counts.get(name, 0) + 1
        self.counts = counts

    # What origin.py asks ------------------------------------------------------------------------

    def files_of(self, finding: Finding) -> set[tuple[str, str]]:
        """The files (shown, absolute) whose suppression comments apply to a moved finding."""
        files = set()
        for source in self.sources.values():
            if source.shown == finding.file and source.absolute:
                files.add((source.shown, source.absolute))
        for path in self.origin.values + tuple(self._chart_values(folder) for folder in self._folders()):
            if _shown(path) == finding.file:
                files.add((finding.file, path))
        return files

    def fallback(self, finding: Finding, note: str) -> Mapping:
        return Mapping(Place(f"{self.origin.shown}/Chart.yaml", Span.point(1, 1), "chart"), approximate=True,
                       note=note)

    def map(self, finding: Finding) -> Mapping:
        target = self.rendering.target(finding)
        if target is None:
            return self.fallback(finding, "the render has no documents")
        name, position = self.positions[target.index]
        if name is None:
            return self.fallback(finding, "the rendered document names no template")
        source = self._source(name)
        if source.shown is None or source.absolute is None:
            return self.fallback(finding, f"{name} is not a file of the chart (a packaged subchart?)")
        if "/crds/" in f"/{name.split('/', 1)[1]}" and name.split("/")[-2] == "crds":
            return self._crd(source, position, target)
        skeleton = self._skeleton(source, position, target.document)
        if skeleton is None:
            return Mapping(Place(source.shown, Span.point(1, 1), "template"), approximate=True,
                           note=f"podlint could not tell which document of {source.shown} made this object")
        return self._in_template(source, skeleton, target)

    # Templates ----------------------------------------------------------------------------------

    def _source(self, name: str) -> _Source:
        known = self.sources.get(name)
        if known is None:
            found = source_file(name, self.origin.root, self.origin.shown)
            shown, absolute = found if found is not None else (None, None)
            known = self.sources[name] = _Source(name, shown, absolute, self._chain(absolute))
        return known

    def _chain(self, absolute: str | None) -> list[tuple[str, tuple[str, ...]]]:
        """The charts a template belongs to, nearest first, with each one's key in its parent's values."""
        if absolute is None:
            return [(self.origin.root, ())]
        relative = os.path.relpath(absolute, self.origin.root).split(os.sep)
        folders = [self.origin.root]
        names: list[str] = []
        index = 0
        while index + 2 < len(relative) and relative[index] == "charts":
            folder = os.path.join(folders[-1], "charts", relative[index + 1])
            folders.append(folder)
            from podlint.sources.helm import chart_metadata

            name = chart_metadata(folder).get("name")
            names.append(str(name) if name else relative[index + 1])
            index += 2
        chain = []
        for depth in range(len(folders) - 1, -1, -1):
            chain.append((folders[depth], tuple(names[depth:])))
        return chain

    def _folders(self) -> list[str]:
        return sorted({folder for source in self.sources.values() for folder, _ in source.chain})

    def _skeleton(self, source: _Source, position: int, rendered: Document) -> Skeleton | None:
        assert source.absolute is not None
        documents = self.skeletons.get(source.absolute)
        if documents is None:
            try:
                with open(source.absolute, encoding="utf-8", errors="replace") as stream:
                    documents = template_text.skeletons(stream.read())
            except OSError:
                documents = []
            self.skeletons[source.absolute] = documents
        kind = rendered.data.get("kind") if isinstance(rendered.data, dict) else None
        count = self.counts.get(source.name, 0)
        if len(documents) == count and not any(d.dynamic for d in documents):
            chosen = documents[position]
            return chosen if chosen.kind() in (None, kind) else None
        same_kind = [d for d in documents if d.kind() == kind]
        if len(same_kind) == 1:
            return same_kind[0]
        if len(documents) == 1 and documents[0].kind() in (None, kind):
            return documents[0]
        return None

    def _in_template(self, source: _Source, skeleton: Skeleton, target: Target) -> Mapping:
        assert source.shown is not None
        path, anchor, node = target.path, target.anchor, target.node
        if anchor == "value" and first_key(node) is not None:  # a mapping as a whole: its first key's line
            path, anchor = (*path, first_key(node) or ""), "key"
        wild = _wild(path)
        scalar = rendered_scalar(node) if anchor == "value" else _scalar_at(target.document, path)
        data = target.document.data
        lines = _narrow(skeleton.at(wild), path, scalar, skeleton, data)
        if len(lines) == 1:
            return self._line_place(source, lines[0], path, anchor, ())
        if len(lines) > 1:
            return self._approximate(source, skeleton, f"{len(lines)} lines of {source.shown} could set "
                                     f"{_dotted(path)}")
        for depth in range(len(wild) - 1, 0, -1):
            prefix = wild[:depth]
            owners = _narrow(skeleton.at(prefix), path[:depth], None, skeleton, data)
            insertions = [i for i in skeleton.insertions if i.parent == prefix]
            if len(owners) > 1:
                break
            owner = owners[0] if owners else None
            actions: list[tuple[str, ValuesPath | None, int]] = []
            if owner is not None:
                actions.extend((action, owner.context, owner.number) for action in owner.actions)
            actions.extend((i.action, i.context, i.number) for i in insertions)
            if not actions:
                if owner is not None:
                    break  # written in the template without this key: it came from somewhere podlint cannot see
                continue
            rest = path[depth:]
            for action, context, number in actions:
                for ref in template_text.values_refs(action, context):
                    if "*" in ref:
                        continue
                    place = self._values_place(source, (*ref, *rest), anchor)
                    if place is not None:
                        template = Place(source.shown, Span.point(number, 1), "template")
                        return Mapping(place, [template]) if place.label == "values" else Mapping(
                            template, [], note=place.file)
            for action, _context, number in actions:
                include = template_text._INCLUDE.search(action)
                if include is not None:
                    mapped = self._helper(include.group(1), rest, anchor, scalar, _get(data, path[:depth]))
                    if mapped is not None:
                        mapped.related.append(Place(source.shown, Span.point(number, 1), "template"))
                        return mapped
            return self._approximate(source, skeleton, f"{_dotted(path)} comes from line {actions[0][2]} of "
                                     f"{source.shown}, which podlint cannot follow further")
        return self._approximate(source, skeleton, f"podlint found no line of {source.shown} that sets "
                                 f"{_dotted(path)}")

    def _line_place(self, source: _Source, line: Line, path: FieldPath, anchor: Anchor,
                    related: tuple[Place, ...]) -> Mapping:
        assert source.shown is not None
        template = Place(source.shown, _line_span(line, anchor), "template")
        refs = [ref for action in line.actions for ref in template_text.values_refs(action, line.context)]
        refs = list(dict.fromkeys(ref for ref in refs if "*" not in ref))
        places = [place for place in (self._values_place(source, ref, anchor) for ref in refs) if place is not None]
        values = [place for place in places if place.label == "values"]
        if len(refs) == 1 and len(values) == 1:
            return Mapping(values[0], [template, *related])
        return Mapping(template, [*values, *related])

    def _approximate(self, source: _Source, skeleton: Skeleton, note: str) -> Mapping:
        assert source.shown is not None
        first = skeleton.first()
        span = Span.point(first.number, first.column) if first is not None else Span.point(skeleton.first_line, 1)
        return Mapping(Place(source.shown, span, "template"), approximate=True, note=note)

    def _helper(self, name: str, rest: FieldPath, anchor: Anchor, scalar: str | None,
                data: object) -> Mapping | None:
        """A key written by a `define` of the chart's helpers (`include "web.labels" .`)."""
        if self.helpers is None:
            self.helpers = {}
            for folder in self._folders() or [self.origin.root]:
                templates = os.path.join(folder, "templates")
                try:
                    names = sorted(os.listdir(templates))
                except OSError:
                    continue
                for file in names:
                    if file.endswith(".tpl"):
                        path = os.path.join(templates, file)
                        try:
                            with open(path, encoding="utf-8", errors="replace") as stream:
                                found = template_text.defines(stream.read())
                        except OSError:
                            continue
                        for define, body in found.items():
                            self.helpers.setdefault(define, (path, body))
        entry = self.helpers.get(name)
        if entry is None:
            return None
        path, body = entry
        lines = _narrow(body.at(_wild(rest)), rest, scalar, body, data)
        if len(lines) != 1:
            return None
        return Mapping(Place(_shown(path), _line_span(lines[0], anchor), "helper"))

    # Values -------------------------------------------------------------------------------------

    def _chart_values(self, folder: str) -> str:
        return os.path.join(folder, "values.yaml")

    def _values_place(self, source: _Source, ref: ValuesPath, anchor: Anchor) -> Place | None:
        """The values file line that sets `.Values.<ref>` for this template; a "set" place for --set."""
        top_prefix = source.chain[0][1] if source.chain else ()
        full = (*top_prefix, *ref)
        for expression in reversed(self.origin.sets):
            for key in _SET_KEY.findall(expression):
                parts = _set_path(key)
                if parts == full[:len(parts)] or full == parts[:len(full)]:
                    return Place(f"--set {expression}", Span.point(1, 1), "set")
        candidates: list[tuple[str, ValuesPath]] = [(path, full) for path in reversed(self.origin.values)]
        for folder, prefix in reversed(source.chain):  # the top chart's values first, the template's own last
            candidates.append((self._chart_values(folder), full[len(prefix):]))
        for file, path in candidates:
            parsed = read_file(file)
            if parsed is None or not parsed.documents:
                continue
            document = parsed.documents[0]
            if exists(document.data, path):
                return Place(_shown(file), document.span(path, anchor), "values")
        return None

    # CRDs ---------------------------------------------------------------------------------------

    def _crd(self, source: _Source, position: int, target: Target) -> Mapping:
        assert source.absolute is not None and source.shown is not None
        parsed = read_file(source.absolute)
        documents = [d for d in parsed.documents if d.data is not None] if parsed is not None else []
        if position < len(documents) and exists(documents[position].data, target.path):
            return Mapping(Place(source.shown, documents[position].span(target.path, target.anchor), "crd"))
        return Mapping(Place(source.shown, Span.point(1, 1), "crd"), approximate=True,
                       note=f"{_dotted(target.path)} was not found in {source.shown}")


def _shown(path: str) -> str:
    from podlint.sources.origin import shown

    return shown(path)


def _wild(path: FieldPath) -> tuple[str, ...]:
    return tuple("*" if isinstance(part, int) else part for part in path)


def _dotted(path: FieldPath) -> str:
    from podlint.findings import format_path

    return format_path(path) or "the object"


def _scalar_at(document: Document, path: FieldPath) -> str | None:
    return document.scalar_text(path)


def _narrow(lines: list[Line], path: FieldPath, scalar: str | None, skeleton: Skeleton | None = None,
            data: object = None) -> list[Line]:
    """The template lines that can have made this rendered node: list positions, the value as written,
    then the `name:` of the list item they stand in (a container's, a port's)."""
    indexes = [part for part in path if isinstance(part, int)]
    kept = [line for line in lines
            if all(ordinal is None or ordinal == index for ordinal, index in zip(line.ordinals, indexes, strict=False))]
    if len(kept) > 1 and scalar is not None:
        matching = [line for line in kept if _could_render(line.value, scalar)]
        if matching:
            kept = matching
    if kept and skeleton is not None:
        positions = [at for at, part in enumerate(path) if isinstance(part, int)]
        for depth in range(len(positions) - 1, -1, -1):
            item = _get(data, path[:positions[depth] + 1])
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str):
                continue
            names = skeleton.at((*_wild(path[:positions[depth] + 1]), "name"))
            kept = [line for line in kept if _fits(line, names, depth, name)]
    return kept


def _fits(line: Line, names: list[Line], depth: int, name: str) -> bool:
    """Whether a line's list item (at `depth`) can be the rendered item called `name`: its own `name:` line
    (if it has one) can render as that name."""
    own = [other for other in names if other.items[:depth + 1] == line.items[:depth + 1]]
    return not own or any(_could_render(other.value, name) for other in own)


def _get(data: object, path: FieldPath) -> object:
    for part in path:
        if isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        elif isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _could_render(written: str, rendered: str) -> bool:
    """Whether a template value (`"{{ .Values.repo }}:{{ .Values.tag }}"`) can render as this scalar."""
    text = written.split(" #", 1)[0].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    pieces = re.split(r"\{\{.*?\}\}", text)
    pattern = ".*?".join(re.escape(piece) for piece in pieces)
    return re.fullmatch(pattern, rendered, re.DOTALL) is not None


def _line_span(line: Line, anchor: Anchor) -> Span:
    if anchor == "value" and line.value_column is not None:
        value = line.value.split(" #", 1)[0].rstrip()
        return Span(line.number, line.value_column, line.number, line.value_column + max(len(value), 1))
    return Span(line.number, line.column, line.number, line.end_column)


def _set_path(key: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for piece in re.split(r"(?<!\\)\.", key.strip()):
        match = re.fullmatch(r"(.*?)((?:\[\d+\])*)", piece)
        assert match is not None
        if match.group(1):
            parts.append(match.group(1).replace("\\.", "."))
        parts.extend(int(index) for index in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(parts)
