"""Completion from the schemas podlint validates with: the keys valid at the cursor (required first, those
already there left out), enum values, apiVersion/kind pairs of the target version, and snippets for a
container, a probe and resources. Read from the text around the cursor (`yamlpath`), so a half-typed
document, which no parser accepts, still completes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from podlint.lsp.descriptions import FieldDoc, descriptions
from podlint.lsp.schemasource import Schema, SchemaSource
from podlint.lsp.schemawalk import at, describe_type, is_list, is_mapping, resolve, type_names
from podlint.lsp.yamlpath import Cursor, cursor_at
from podlint.schemas.versions import Version

MAX_ITEMS = 400  # a client filters what it gets; a CRD with thousands of fields must not flood it

# Snippets (LSP snippet syntax), relative to the key's column.
RESOURCES = ("resources:\n  requests:\n    cpu: ${1:100m}\n    memory: ${2:128Mi}\n"
             "  limits:\n    cpu: ${3:500m}\n    memory: ${4:256Mi}")
PROBE = "{key}:\n  httpGet:\n    path: ${{1:/healthz}}\n    port: ${{2:8080}}\n  periodSeconds: ${{3:10}}"
CONTAINER = ("name: ${1:app}\nimage: ${2:registry.example.com/app:1.0.0}\nports:\n  - containerPort: ${3:8080}\n"
             "readinessProbe:\n  httpGet:\n    path: ${4:/healthz}\n    port: ${3:8080}\n" + RESOURCES.replace(
                 "${1:100m}", "${5:100m}").replace("${2:128Mi}", "${6:128Mi}").replace(
                 "${3:500m}", "${7:500m}").replace("${4:256Mi}", "${8:256Mi}"))
PROBES = frozenset({"readinessProbe", "livenessProbe", "startupProbe"})
CONTAINER_LISTS = frozenset({"containers", "initContainers"})
_PLACEHOLDER = re.compile(r"\$\{\d+:([^}]*)\}|\$\d+")


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    kind: str  # "field", "value", "snippet" or "kind"
    text: str  # replaces the word typed; LSP snippet syntax when `snippet`
    snippet: bool = False
    detail: str = ""
    documentation: str = ""
    sort: str = ""


@dataclass(frozen=True, slots=True)
class Completion:
    row: int
    start: int  # the columns (code points) of the text the suggestions replace
    end: int
    suggestions: list[Suggestion]


def plain(snippet: str) -> str:
    """A snippet for a client without snippet support: the placeholders' defaults."""
    return _PLACEHOLDER.sub(lambda match: match.group(1) or "", snippet)


def complete(lines: list[str], row: int, column: int, source: SchemaSource, version: Version) -> Completion | None:
    cursor = cursor_at(lines, row, column)
    if cursor is None:
        return None
    suggestions = _keys(cursor, source, version) if cursor.key is None else _values(cursor, source, version)
    return Completion(row, cursor.start, column, suggestions[:MAX_ITEMS])


def _indented(text: str, indent: int) -> str:
    """Continuation lines of an insertion start at the key's column (the client inserts as is)."""
    return text.replace("\n", "\n" + " " * indent)


def _schema_of(cursor: Cursor, source: SchemaSource, version: Version) -> Schema | None:
    document = cursor.document
    if document.api_version is None or document.kind is None:
        return None
    return source.schema(version, document.api_version, document.kind)


def _keys(cursor: Cursor, source: SchemaSource, version: Version) -> list[Suggestion]:
    document = cursor.document
    root = _schema_of(cursor, source, version)
    out: list[Suggestion] = []
    if not cursor.path and (document.api_version is None or document.kind is None):
        out += _pairs(source, version, cursor)
    if root is None:
        return out
    node = at(root, cursor.path)
    if node is None or not is_mapping(node):
        return out
    found = node.get("properties")
    properties: dict[str, Schema] = found if isinstance(found, dict) else {}
    required = set(node.get("required") or ())
    docs = descriptions().fields(document.api_version or "", document.kind or "", cursor.path)
    if cursor.new_item and not cursor.present and cursor.path[-2:-1] and cursor.path[-2] in CONTAINER_LISTS:
        out.append(Suggestion("container", "snippet", _indented(CONTAINER, cursor.indent), snippet=True,
                              detail="a container with image, port, probe and resources", sort="0container"))
    for name, sub in properties.items():
        if name in cursor.present or (not cursor.path and name == "status"):
            continue
        sub = resolve(sub, root)
        doc = docs.get(name)
        out.append(Suggestion(name, "field", _field_text(name, sub, cursor.indent), snippet=True,
                              detail=doc.type if doc else describe_type(sub, root),
                              documentation=_field_doc(doc, sub),
                              sort=("0" if name in required else "1") + name))
    return out


def _field_text(name: str, node: Schema, indent: int) -> str:
    if name == "resources" and "limits" in (node.get("properties") or {}):
        return _indented(RESOURCES, indent) + "\n" + " " * indent + "$0"
    if name in PROBES and "httpGet" in (node.get("properties") or {}):
        return _indented(PROBE.format(key=name), indent) + "\n" + " " * indent + "$0"
    if is_list(node):
        return f"{name}:\n{' ' * (indent + 2)}- $0"
    if is_mapping(node):
        return f"{name}:\n{' ' * (indent + 2)}$0"
    return f"{name}: $0"


def _field_doc(doc: FieldDoc | None, node: Schema) -> str:
    if doc is not None:
        return doc.description
    description = node.get("description")
    return description if isinstance(description, str) else ""


def _pairs(source: SchemaSource, version: Version, cursor: Cursor) -> list[Suggestion]:
    """`apiVersion` and `kind` together, for each kind the target version serves (and each CRD seen)."""
    return [Suggestion(f"{kind} ({api})", "kind", f"apiVersion: {api}\nkind: {kind}\n", detail=api,
                       sort=f"2{kind} {api}") for api, kind in source.kinds(version)
            if not cursor.word or kind.lower().startswith(cursor.word.lower()) or api.startswith(cursor.word)]


def _values(cursor: Cursor, source: SchemaSource, version: Version) -> list[Suggestion]:
    lead = "" if cursor.spaced else " "
    document = cursor.document
    if not cursor.path and cursor.key in ("apiVersion", "kind"):
        pairs = source.kinds(version)
        if cursor.key == "apiVersion":
            values = sorted({api for api, kind in pairs if document.kind in (None, kind)})
        else:
            values = sorted({kind for api, kind in pairs if document.api_version in (None, api)})
        return [Suggestion(value, "value", lead + value, sort=value) for value in values]
    root = _schema_of(cursor, source, version)
    node = at(root, (*cursor.path, cursor.key or "")) if root is not None else None
    if node is None:
        return []
    options = [value for value in node.get("enum") or () if value not in ("", None)]
    if not options and "boolean" in type_names(node):
        options = [True, False]
    return [Suggestion(_scalar(value), "value", lead + _scalar(value), sort=f"{index:03}")
            for index, value in enumerate(options)]


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
