"""Lists a CRD declares `x-kubernetes-list-type: set` or `map`: no two equal items, no two items with the same keys.

The API server checks this after the schema (`structurallisttype.ValidateListSetsAndMaps` in
apiextensions-apiserver) and refuses the second item as a `Duplicate value`: in a set, an item
equal to an earlier one; in a map, an item whose `x-kubernetes-list-map-keys` have the same
values as an earlier item's (a key left out counts as absent, after defaults are applied).
Gateway API relies on it (two header matches of the same name in an HTTPRoute are refused).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from podlint.findings import FieldPath, format_path
from podlint.schemas.crd import subtrees


@dataclass(slots=True)
class ListNode:
    """The list types at one schema node, and the nodes below it that hold any."""

    list_type: str = ""  # "set", "map", or "" (atomic or not a list)
    keys: tuple[str, ...] = ()
    properties: dict[str, ListNode] = field(default_factory=dict)
    items: ListNode | None = None
    additional: ListNode | None = None


def list_tree(schema: Any) -> ListNode | None:
    """The set and map lists of a structural schema; None without any."""
    if not isinstance(schema, dict):
        return None
    node = ListNode()
    kind = schema.get("x-kubernetes-list-type")
    keys = schema.get("x-kubernetes-list-map-keys")
    if kind == "set":
        node.list_type = kind
    elif kind == "map" and isinstance(keys, list) and keys and all(isinstance(key, str) for key in keys):
        node.list_type, node.keys = kind, tuple(keys)
    node.properties, node.items, node.additional = subtrees(schema, list_tree)
    if node.list_type or node.properties or node.items or node.additional:
        return node
    return None


def duplicates(tree: ListNode, data: Any, path: FieldPath = ()) -> list[tuple[FieldPath, str]]:
    """(path of the duplicate item, message) for every second item of a set or map list in `data`."""
    found: list[tuple[FieldPath, str]] = []
    if isinstance(data, dict):
        for name, child in tree.properties.items():
            if name in data:
                found += duplicates(child, data[name], (*path, name))
        if tree.additional is not None:
            for key, entry in data.items():
                if key not in tree.properties:
                    found += duplicates(tree.additional, entry, (*path, key))
    elif isinstance(data, list):
        if tree.list_type:
            seen: set[str] = set()
            for index, item in enumerate(data):
                if tree.list_type == "map":
                    if not isinstance(item, dict):
                        continue  # the schema check reports it
                    value: Any = {key: item[key] for key in tree.keys if key in item}
                else:
                    value = item
                identity = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                if identity in seen:
                    found.append(((*path, index), f"{format_path((*path, index))}: Duplicate value: {identity}"))
                seen.add(identity)
        if tree.items is not None:
            for index, item in enumerate(data):
                found += duplicates(tree.items, item, (*path, index))
    return found
