"""Following a key path through a JSON Schema (podlint's shipped ones, or a CRD's OpenAPI schema)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podlint.lsp.yamlpath import Segment

Schema = dict[str, Any]
_ALTERNATIVES = ("allOf", "anyOf", "oneOf")


def resolve(node: Any, root: Schema, depth: int = 0) -> Schema:
    """A node with its local `$ref` followed and its alternatives' properties merged in."""
    if not isinstance(node, dict) or depth > 8:
        return {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"))
        node = {**resolve(target, root, depth + 1), **{k: v for k, v in node.items() if k != "$ref"}}
    merged: Schema = dict(node)
    if not any(isinstance(node.get(key), list) for key in _ALTERNATIVES):
        return merged
    for key in _ALTERNATIVES:
        for option in node.get(key) or ():
            option = resolve(option, root, depth + 1)
            if isinstance(option.get("properties"), dict):
                merged["properties"] = {**option["properties"], **merged.get("properties", {})}
            for word in ("type", "enum", "items", "additionalProperties"):
                if word in option and word not in merged:
                    merged[word] = option[word]
    return merged


def child(node: Schema, segment: Segment, root: Schema) -> Schema | None:
    node = resolve(node, root)
    if isinstance(segment, int):
        items = node.get("items")
        return resolve(items, root) if isinstance(items, dict) else None
    properties = node.get("properties")
    if isinstance(properties, dict) and isinstance(properties.get(segment), dict):
        return resolve(properties[segment], root)
    extra = node.get("additionalProperties")
    return resolve(extra, root) if isinstance(extra, dict) else None


def at(root: Schema, path: Sequence[Segment]) -> Schema | None:
    node: Schema | None = resolve(root, root)
    for segment in path:
        if node is None:
            return None
        node = child(node, segment, root)
    return node


def type_names(node: Schema) -> set[str]:
    kinds = node.get("type")
    names = {kinds} if isinstance(kinds, str) else {t for t in kinds or () if isinstance(t, str)}
    names.discard("null")
    if node.get("x-kubernetes-int-or-string") is True:
        names |= {"integer", "string"}
    return names


def is_mapping(node: Schema) -> bool:
    return "object" in type_names(node) or isinstance(node.get("properties"), dict)


def is_list(node: Schema) -> bool:
    return "array" in type_names(node) or isinstance(node.get("items"), dict)


def describe_type(node: Schema, root: Schema) -> str:
    """A short type for a field of a schema without descriptions (a CRD's): `string`, `[]object`."""
    node = resolve(node, root)
    if is_list(node):
        items = node.get("items")
        return "[]" + (describe_type(items, root) if isinstance(items, dict) else "any")
    names = type_names(node)
    if names == {"object"} and isinstance(node.get("additionalProperties"), dict):
        return "map[string]" + describe_type(node["additionalProperties"], root)
    if names == {"string", "number"} or names == {"number", "string"}:
        return "quantity"
    if names == {"integer", "string"}:
        return "integer or string"
    return " or ".join(sorted(names)) or ("object" if isinstance(node.get("properties"), dict) else "any")
