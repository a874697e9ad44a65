"""The descriptions of the built-in kinds' fields (schemas/descriptions.json.gz, made by
scripts/build_schemas.py): the shipped schemas leave them out, and only hover and completion read them."""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from podlint.lsp.yamlpath import Segment
from podlint.rules.catalogue import data_dir


@dataclass(frozen=True, slots=True)
class FieldDoc:
    description: str
    type: str
    since: int  # the first and last minor version (1.x) of those podlint knows that have the field
    until: int
    default: Any = None


class Descriptions:
    def __init__(self, data: dict[str, Any]) -> None:
        self.kinds: dict[str, str] = data["kinds"]
        self.defs: dict[str, dict[str, Any]] = data["defs"]
        minors = [int(version.split(".")[1]) for version in data["versions"]]
        self.oldest, self.newest = min(minors), max(minors)

    def definition(self, api_version: str, kind: str, path: Sequence[Segment]) -> str | None:
        """The definition the mapping at `path` of a kind has (list items and map values are followed)."""
        name = self.kinds.get(f"{api_version} {kind}")
        for segment in path:
            if name is None:
                return None
            if isinstance(segment, int):
                continue  # the field's target is already its items' definition
            entry = self.defs.get(name, {}).get("f", {}).get(segment)
            if entry is None:
                return None
            name = entry["r"] or None
        return name

    def fields(self, api_version: str, kind: str, path: Sequence[Segment]) -> dict[str, FieldDoc]:
        name = self.definition(api_version, kind, path)
        fields = self.defs.get(name, {}).get("f", {}) if name else {}
        return {field: _doc(entry) for field, entry in fields.items()}

    def field(self, api_version: str, kind: str, path: Sequence[Segment]) -> FieldDoc | None:
        keys = [i for i, segment in enumerate(path) if isinstance(segment, str)]
        if not keys:
            return None
        last = keys[-1]
        return self.fields(api_version, kind, path[:last]).get(str(path[last]))

    def kind_description(self, api_version: str, kind: str) -> str:
        name = self.kinds.get(f"{api_version} {kind}")
        return str(self.defs.get(name, {}).get("d", "")) if name else ""


def _doc(entry: dict[str, Any]) -> FieldDoc:
    since, until = entry["v"]
    return FieldDoc(entry["d"], entry["t"], since, until, entry.get("default"))


@functools.cache
def descriptions() -> Descriptions:
    with gzip.open(data_dir("schemas") / "descriptions.json.gz", "rb") as stream:
        return Descriptions(json.loads(stream.read()))
