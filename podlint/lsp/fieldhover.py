"""Hover on a field: its description, type, default, allowed values and the Kubernetes versions that have
it, from the descriptions file (built-in kinds) or the CRD's own schema (custom resources)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from podlint.lsp.descriptions import FieldDoc, descriptions
from podlint.lsp.schemasource import SchemaSource
from podlint.lsp.schemawalk import at, describe_type
from podlint.lsp.yamlpath import field_at, read_line
from podlint.schemas.versions import Version, format_version


@dataclass(frozen=True, slots=True)
class FieldHover:
    text: str  # Markdown
    row: int
    start: int  # the key's columns (code points)
    end: int


def field_hover(lines: list[str], row: int, column: int, source: SchemaSource, version: Version) -> FieldHover | None:
    found = field_at(lines, row, column)
    if found is None:
        return None
    document, path = found
    if document.api_version is None or document.kind is None:
        return None
    api_version, kind = document.api_version, document.kind
    docs = descriptions()
    doc = docs.field(api_version, kind, path)
    root = source.schema(version, api_version, kind)
    node = at(root, path) if root is not None else None
    if doc is None and node is None:
        return None
    name = str(path[-1])
    kind_name = describe_type(node, root or {}) if doc is None and node is not None else (doc.type if doc else "")
    parts = [f"**{name}** `{kind_name}`" + f" — {kind} `{_dotted(path)}`"]
    description = doc.description if doc is not None else (node or {}).get("description")
    if isinstance(description, str) and description:
        parts.append(description)
    facts: list[str] = []
    default = doc.default if doc is not None and doc.default is not None else (node or {}).get("default")
    if default is not None:
        facts.append(f"Default: `{json.dumps(default)}`.")
    allowed = [value for value in (node or {}).get("enum") or () if value not in ("", None)]
    if allowed:
        facts.append("Values: " + ", ".join(f"`{value}`" for value in allowed) + ".")
    if doc is not None:
        facts.append(_versions(doc, docs.oldest, docs.newest, version, node is not None or root is None))
    parts += [fact for fact in facts if fact]
    line = read_line(lines[row])
    start = line.content if line is not None else 0
    return FieldHover("\n\n".join(parts), row, start, start + len(lines[row][start:].split(":", 1)[0].rstrip()))


def _dotted(path: tuple[str | int, ...]) -> str:
    """`spec.containers[].image`: list items stand for any item."""
    return "".join("[]" if isinstance(part, int) else ("." if index else "") + part for index, part in enumerate(path))


def _versions(doc: FieldDoc, oldest: int, newest: int, target: Version, served: bool) -> str:
    words = []
    if doc.since > oldest:
        words.append(f"Added in Kubernetes 1.{doc.since}.")
    if doc.until < newest:
        words.append(f"Removed after Kubernetes 1.{doc.until}.")
    if not served:
        words.append(f"Not in Kubernetes {format_version(target)}, the target version.")
    return " ".join(words)
