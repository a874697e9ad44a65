"""An overlay's rendered finding -> the base, patch or kustomization line that produced it.

kustomize's origin annotation names the file each object came from (or the generator that
made it); its transformer annotation names the kustomizations that transformed it. A field
that a kustomization changed is looked for there, outermost overlay first (the last writer):
an `images:` entry for a container image, a `replicas:` entry, a strategic-merge or JSON 6902
patch (in a file, or inline) that sets the field, `namespace:`, `namePrefix:` and the like.
Otherwise the field is looked up in the file the object came from. Items of lists are matched
by their merge key (`name`, `containerPort`, `mountPath`, ...), as a strategic merge matches
them, never by position: a patch may add or reorder items.
"""

from __future__ import annotations

import os
import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from podlint.findings import FieldPath, Finding, Span
from podlint.reading.parse import Anchor, Document, parse_text
from podlint.sources.detect import Kustomization
from podlint.sources.kustomize import DocumentOrigin, KustomizeOrigin
from podlint.sources.origin import Mapping, Place, Rendering, exists, first_key, read_file, shown

MERGE_KEYS = ("name", "containerPort", "mountPath", "devicePath", "ip", "topologyKey", "port", "key", "type")
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


class KustomizeMapper:
    def __init__(self, rendering: Rendering) -> None:
        self.rendering = rendering
        origin = rendering.rendered.origin
        assert isinstance(origin, KustomizeOrigin)
        self.origin = origin
        self.order = list(origin.kustomizations)  # the overlay first, then what it reads

    def files_of(self, finding: Finding) -> set[tuple[str, str]]:
        files = set()
        for folder in self.order:
            kustomization = self.origin.kustomizations[folder]
            for path in [*kustomization.files, kustomization.file]:
                if shown(path) == finding.file:
                    files.add((finding.file, path))
        return files

    def fallback(self, finding: Finding, note: str) -> Mapping:
        file = self.origin.kustomizations[self.origin.root].file if self.origin.root in self.origin.kustomizations \
            else os.path.join(self.origin.root, "kustomization.yaml")
        return Mapping(Place(shown(file), Span.point(1, 1), "kustomization"), approximate=True, note=note)

    def map(self, finding: Finding) -> Mapping:
        target = self.rendering.target(finding)
        if target is None or target.index >= len(self.origin.documents):
            return self.fallback(finding, "the render has no such document")
        origin = self.origin.documents[target.index]
        path, anchor, node = target.path, target.anchor, target.node
        whole = anchor == "value" and first_key(node) is not None  # an object or list item as a whole
        item = path
        if whole:
            path, anchor = (*path, first_key(node) or ""), "key"
        data = target.document.data if isinstance(target.document.data, dict) else {}
        base = self._base(origin, data)
        changed = self._changed(origin, data, item if whole else path, "value" if whole else anchor, base)
        # A value goes to its last writer (a patch, an images: entry); an item as a whole to where it is defined.
        if changed is not None and (not whole or base is None):
            return changed
        if base is not None:
            document, base_path = base
            translated = _translate(item if whole else path, data, _get(document.data, base_path))
            if translated is not None:
                span = document.span((*base_path, *translated), "value" if whole else anchor)
                return Mapping(Place(shown(document.file), span, "base"))
        if changed is not None:
            return changed
        if origin.generator and origin.configured_in:
            return self._generated(origin, data, path)
        if base is not None:
            document, base_path = base
            return Mapping(Place(shown(document.file), document.span(base_path, "key"), "base"), approximate=True,
                           note=f"{_dotted(path)} is not in {shown(document.file)}, and podlint found no patch "
                           "that sets it")
        return self.fallback(finding, "kustomize did not say where this object came from")

    # The object's own file ----------------------------------------------------------------------

    def _base(self, origin: DocumentOrigin, data: dict[str, Any]) -> tuple[Document, FieldPath] | None:
        """The document (and the object's path in it) of the file the object came from."""
        if origin.path is None:
            return None
        parsed = read_file(origin.path)
        if parsed is None:
            return None
        kind, name = data.get("kind"), _name(data)
        candidates: list[tuple[int, Document, FieldPath]] = []
        for document in parsed.documents:
            objects: list[tuple[FieldPath, Any]] = [((), document.data)]
            if isinstance(document.data, dict) and str(document.data.get("kind", "")).endswith("List"):
                items = document.data.get("items")
                objects = [(("items", i), item) for i, item in enumerate(items if isinstance(items, list) else [])]
            for base_path, item in objects:
                if not isinstance(item, dict) or item.get("kind") != kind:
                    continue
                own = _name(item)
                if own == name:
                    candidates.append((3, document, base_path))
                elif own and own in name:
                    candidates.append((2, document, base_path))
                elif not own:
                    candidates.append((1, document, base_path))
        if not candidates:
            return None
        best = max(score for score, _, _ in candidates)
        top = [(document, base_path) for score, document, base_path in candidates if score == best]
        return top[0] if len(top) == 1 else None

    # What a kustomization changed ---------------------------------------------------------------

    def _changed(self, origin: DocumentOrigin, data: dict[str, Any], path: FieldPath, anchor: Anchor,
                 base: tuple[Document, FieldPath] | None) -> Mapping | None:
        transformed = set(origin.transformed_in)
        names = {_name(data)}
        if base is not None:
            document, base_path = base
            own = _name(_get(document.data, base_path) or {})
            if own:
                names.add(own)
        for folder in self.order:
            kustomization = self.origin.kustomizations[folder]
            if transformed and kustomization.file not in transformed:
                continue
            parsed = read_file(kustomization.file)
            if parsed is None or not parsed.documents:
                continue
            document = parsed.documents[0]
            spec = document.data if isinstance(document.data, dict) else {}
            for finder in (self._image, self._replicas, self._patch, self._field):
                found = finder(kustomization, document, spec, data, path, anchor, names, base)
                if found is not None:
                    return found
        return None

    def _image(self, kustomization: Kustomization, document: Document, spec: dict[str, Any], data: dict[str, Any],
               path: FieldPath, anchor: Anchor, names: set[str],
               base: tuple[Document, FieldPath] | None) -> Mapping | None:
        if len(path) < 3 or path[-1] != "image" or path[-3] not in _CONTAINER_LISTS:
            return None
        images = spec.get("images")
        if not isinstance(images, list):
            return None
        rendered = _get(data, path)
        written = rendered
        if base is not None:
            translated = _translate(path, data, base[0].data)
            if translated is not None:
                written = _get(base[0].data, (*base[1], *translated))
        for index, entry in enumerate(images):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            if entry["name"] in (_image_name(written), _image_name(rendered)):
                key = next((k for k in ("newTag", "digest", "newName") if k in entry), "name")
                return Mapping(Place(shown(kustomization.file), document.span(("images", index, key), anchor),
                                     "kustomization"))
        return None

    def _replicas(self, kustomization: Kustomization, document: Document, spec: dict[str, Any],
                  data: dict[str, Any], path: FieldPath, anchor: Anchor, names: set[str],
                  base: tuple[Document, FieldPath] | None) -> Mapping | None:
        if path != ("spec", "replicas") or not isinstance(spec.get("replicas"), list):
            return None
        for index, entry in enumerate(spec["replicas"]):
            if isinstance(entry, dict) and entry.get("name") in names and "count" in entry:
                return Mapping(Place(shown(kustomization.file), document.span(("replicas", index, "count"), anchor),
                                     "kustomization"))
        return None

    def _field(self, kustomization: Kustomization, document: Document, spec: dict[str, Any],
               data: dict[str, Any], path: FieldPath, anchor: Anchor, names: set[str],
               base: tuple[Document, FieldPath] | None) -> Mapping | None:
        """A field a kustomization sets on every object: its namespace, name prefix or suffix, common labels."""
        keys: list[FieldPath] = []
        if path == ("metadata", "namespace"):
            keys = [("namespace",)]
        elif path == ("metadata", "name"):
            keys = [("namePrefix",), ("nameSuffix",)]
        elif len(path) >= 2 and path[-2] in ("labels", "matchLabels") and isinstance(path[-1], str):
            keys = [("commonLabels", path[-1])]
            labels = spec.get("labels")
            for index, entry in enumerate(labels if isinstance(labels, list) else []):
                if isinstance(entry, dict) and isinstance(entry.get("pairs"), dict) and path[-1] in entry["pairs"]:
                    keys.append(("labels", index, "pairs", path[-1]))
        elif len(path) >= 2 and path[-2] == "annotations" and isinstance(path[-1], str):
            keys = [("commonAnnotations", path[-1])]
        for key in keys:
            if exists(spec, key):
                return Mapping(Place(shown(kustomization.file), document.span(key, anchor), "kustomization"))
        return None

    def _patch(self, kustomization: Kustomization, document: Document, spec: dict[str, Any],
               data: dict[str, Any], path: FieldPath, anchor: Anchor, names: set[str],
               base: tuple[Document, FieldPath] | None) -> Mapping | None:
        entries: list[tuple[Any, FieldPath]] = []
        for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
            listed = spec.get(key)
            for index, entry in enumerate(listed if isinstance(listed, list) else []):
                entries.append((entry, (key, index)))
        for entry, where in reversed(entries):  # the last patch applied is the last writer
            target = entry.get("target") if isinstance(entry, dict) else None
            if isinstance(target, dict) and not _selects(target, data, names):
                continue
            for patch_document, file in self._patch_documents(kustomization, document, entry, where):
                found = _in_patch(patch_document, data, path, anchor, names, target is not None)
                if found is not None:
                    return Mapping(Place(shown(file), found, "patch"))
        return None

    def _patch_documents(self, kustomization: Kustomization, document: Document, entry: Any,
                         where: FieldPath) -> list[tuple[Document, str]]:
        """The documents of a patch entry: its file's, or its inline text's (at their lines in the kustomization)."""
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            file = os.path.normpath(os.path.join(kustomization.folder, entry["path"]))
            parsed = read_file(file)
            return [(d, file) for d in parsed.documents] if parsed is not None else []
        text_path: FieldPath = (*where, "patch") if isinstance(entry, dict) else where
        node = _node(document.root, text_path)
        if not isinstance(node, ScalarNode) or not node.value.strip():
            return []
        inline = _inline(node, document.line_offset, kustomization.file)
        return [(d, kustomization.file) for d in inline]

    # Generated objects --------------------------------------------------------------------------

    def _generated(self, origin: DocumentOrigin, data: dict[str, Any], path: FieldPath) -> Mapping:
        assert origin.configured_in is not None
        parsed = read_file(origin.configured_in)
        key = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}.get(
            origin.generator or "", "")
        if parsed is not None and parsed.documents and key:
            document = parsed.documents[0]
            entries = document.data.get(key) if isinstance(document.data, dict) else None
            name = _name(data)
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"] in name:
                    exact = len(path) <= 2 and path[:1] in ((), ("metadata",), ("kind",), ("apiVersion",))
                    return Mapping(Place(shown(origin.configured_in), document.span((key, index, "name"), "key"),
                                         "kustomization"), approximate=not exact,
                                   note="" if exact else f"{_dotted(path)} comes from the files of this generator")
        return Mapping(Place(shown(origin.configured_in), Span.point(1, 1), "kustomization"), approximate=True,
                       note=f"made by a {origin.generator} of this kustomization")


def _name(data: dict[str, Any]) -> str:
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(name) if name is not None else ""


def _get(data: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        elif isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _image_name(image: Any) -> str | None:
    if not isinstance(image, str):
        return None
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def _dotted(path: FieldPath) -> str:
    from podlint.findings import format_path

    return format_path(path) or "the object"


def _identity(item: Any) -> tuple[str, Any] | None:
    if isinstance(item, dict):
        for key in MERGE_KEYS:
            value = item.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return key, value
    return None


def _translate(path: FieldPath, rendered: Any, written: Any) -> FieldPath | None:
    """`path` of the rendered object as a path of another version of it (a base, a patch), list items
    matched by merge key; None when the other version lacks part of it."""
    out: list[str | int] = []
    for part in path:
        if isinstance(part, str):
            if not isinstance(written, dict) or part not in written or not isinstance(rendered, dict):
                return None
            out.append(part)
            rendered, written = rendered.get(part), written[part]
            continue
        if not isinstance(rendered, list) or not isinstance(written, list) or not 0 <= part < len(rendered):
            return None
        identity = _identity(rendered[part])
        if identity is None:
            # Items without a merge key (args, a list of strings): the same item only if the lists agree.
            if len(rendered) != len(written) or (rendered[part] != written[part] and part >= len(written)):
                return None
            out.append(part)
            rendered, written = rendered[part], written[part]
            continue
        key, value = identity
        matches = [i for i, item in enumerate(written) if isinstance(item, dict) and item.get(key) == value]
        if len(matches) != 1:
            return None
        out.append(matches[0])
        rendered, written = rendered[part], written[matches[0]]
    return tuple(out)


def _selects(target: dict[str, Any], data: dict[str, Any], names: set[str]) -> bool:
    """Whether a patch's `target:` selects the object (kind, name, namespace as regular expressions)."""
    api = str(data.get("apiVersion", ""))
    group, _, version = api.rpartition("/")
    checks = {"kind": str(data.get("kind", "")), "group": group, "version": version,
              "namespace": str((data.get("metadata") or {}).get("namespace", "") or "")}
    for key, value in checks.items():
        wanted = target.get(key)
        if isinstance(wanted, str) and wanted and not _full(wanted, value):
            return False
    wanted = target.get("name")
    if isinstance(wanted, str) and wanted and not any(_full(wanted, name) for name in names):
        return False
    labels = target.get("labelSelector")
    if isinstance(labels, str) and labels:
        own = (data.get("metadata") or {}).get("labels") or {}
        for term in labels.split(","):
            key, _, value = term.partition("=")
            if own.get(key.strip()) != value.strip() if value else key.strip() not in own:
                return False
    return True


def _full(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return pattern == text


def _in_patch(document: Document, data: dict[str, Any], path: FieldPath, anchor: Anchor, names: set[str],
              targeted: bool) -> Span | None:
    """Where a patch document sets the rendered field at `path`, if it does."""
    patch = document.data
    if isinstance(patch, list):  # JSON 6902: a list of operations
        return _in_operations(document, patch, data, path, anchor)
    if not isinstance(patch, dict):
        return None
    if not targeted and (patch.get("kind") not in (None, data.get("kind")) or _name(patch) not in names):
        return None
    translated = _translate(path, data, patch)
    if translated is None or translated in (("metadata",), ("metadata", "name"), ("kind",), ("apiVersion",)):
        return None
    return document.span(translated, anchor)


def _in_operations(document: Document, operations: list[Any], data: dict[str, Any], path: FieldPath,
                   anchor: Anchor) -> Span | None:
    for index in range(len(operations) - 1, -1, -1):
        operation = operations[index]
        if not isinstance(operation, dict) or operation.get("op") not in ("add", "replace", "copy", "move"):
            continue
        pointer = operation.get("path")
        if not isinstance(pointer, str) or not pointer.startswith("/"):
            continue
        parts: list[str | int] = []
        for raw in pointer[1:].split("/"):
            token = raw.replace("~1", "/").replace("~0", "~")
            parts.append(int(token) if token.isdigit() else token)
        if parts and parts[-1] == "-":
            container = _get(data, tuple(parts[:-1]))
            parts[-1] = len(container) - 1 if isinstance(container, list) else 0
        if tuple(parts) == path[:len(parts)]:
            rest = path[len(parts):]
            if "value" not in operation:
                return document.span((index, "path"), "value")
            value_path = _translate(rest, _get(data, tuple(parts)), operation["value"]) if rest else ()
            if value_path is None:
                continue
            return document.span((index, "value", *value_path), anchor if rest else "value")
    return None


def _node(root: Node, path: FieldPath) -> Node | None:
    node: Node | None = root
    for part in path:
        if isinstance(node, MappingNode) and isinstance(part, str):
            node = next((value for key, value in node.value if isinstance(key, ScalarNode) and key.value == part),
                        None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _inline(node: ScalarNode, line_offset: int, file: str) -> list[Document]:
    """An inline patch (a block scalar of the kustomization) read at its own lines of the file."""
    if node.style not in ("|", ">"):
        return []
    first = node.start_mark.line + 1 + line_offset  # 0-based line of the scalar's first content line
    parsed = parse_text(node.value, file)
    indent = 0
    source = read_file(file)
    if source is not None and source.documents:
        text = source.documents[0].text
        lines = text.splitlines()
        if first < len(lines):
            indent = len(lines[first]) - len(lines[first].lstrip(" "))
    documents: list[Document] = []
    for document in parsed.documents:
        documents.append(_Shifted(document, first, indent))
    return documents


class _Shifted(Document):
    """A document read from an inline patch, whose spans are those of the kustomization file."""

    __slots__ = ("_column", "_line")

    def __init__(self, document: Document, line: int, column: int) -> None:
        super().__init__(document.file, document.index, document.data, document.root, document.line_offset,
                         document.text)
        self._line = line
        self._column = column

    def span(self, path: FieldPath, anchor: Anchor = "key") -> Span:
        span = super().span(path, anchor)
        return Span(span.line + self._line, span.column + self._column, span.end_line + self._line,
                    span.end_column + self._column)
