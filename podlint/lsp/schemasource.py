"""The schemas the editor completes and explains with, for one (target version, apiVersion, kind):
the shipped schemas podlint validates with, then the CustomResourceDefinitions of the open buffers,
then any lookup plugged in (such as a bundled CRD catalogue: `SchemaSource.lookups`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from podlint.model.objects import objects_of
from podlint.reading.parse import parse_text
from podlint.schemas.crd import is_crd
from podlint.schemas.validator import shipped
from podlint.schemas.versions import Version, format_version

Schema = dict[str, Any]
Key = tuple[str, str]  # (apiVersion, kind)
Lookup = Callable[[Version, str, str], Schema | None]


@functools.lru_cache(maxsize=32)
def shipped_schema(version: Version, api_version: str, kind: str) -> Schema | None:
    store = shipped()
    digest = store.kinds(version).get(api_version, {}).get(kind)
    return store._load(digest) if digest is not None else None  # (the store reads its files)


def crd_schemas(text: str) -> dict[Key, Schema]:
    """(apiVersion, kind) -> the OpenAPI schema (descriptions kept) of each CRD version in a buffer."""
    if "CustomResourceDefinition" not in text:
        return {}
    found: dict[Key, Schema] = {}
    for document in parse_text(text, "").documents:
        for obj in objects_of(document):
            if not is_crd(obj):
                continue
            spec = obj.data.get("spec")
            if not isinstance(spec, dict):
                continue
            names = spec.get("names")
            kind = names.get("kind") if isinstance(names, dict) else None
            group = spec.get("group")
            if not isinstance(kind, str) or not isinstance(group, str):
                continue
            for version in spec.get("versions") or ():
                schema = version.get("schema") if isinstance(version, dict) else None
                openapi = schema.get("openAPIV3Schema") if isinstance(schema, dict) else None
                if isinstance(openapi, dict) and isinstance(version.get("name"), str):
                    found[(f"{group}/{version['name']}", kind)] = openapi
    return found


class SchemaSource:
    def __init__(self) -> None:
        self.by_buffer: dict[str, dict[Key, Schema]] = {}
        self.lookups: list[Lookup] = []

    def learn(self, uri: str, text: str) -> None:
        """Remember the CRDs of a buffer (replacing what it held before)."""
        found = crd_schemas(text)
        if found:
            self.by_buffer[uri] = found
        else:
            self.by_buffer.pop(uri, None)

    def forget(self, uri: str) -> None:
        self.by_buffer.pop(uri, None)

    def schema(self, version: Version, api_version: str, kind: str) -> Schema | None:
        found = shipped_schema(version, api_version, kind)
        if found is not None:
            return found
        for schemas in self.by_buffer.values():
            if (api_version, kind) in schemas:
                return schemas[(api_version, kind)]
        for lookup in self.lookups:
            found = lookup(version, api_version, kind)
            if found is not None:
                return found
        return None

    def kinds(self, version: Version) -> list[Key]:
        """The (apiVersion, kind) pairs the target version serves, and the custom ones known."""
        pairs = {(api, kind) for api, kinds in shipped().versions.get(format_version(version), {}).items()
                 for kind in kinds}
        for schemas in self.by_buffer.values():
            pairs |= set(schemas)
        return sorted(pairs)
