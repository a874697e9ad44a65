"""The bundled CRD schema catalogue (`crds/`, built by `scripts/build_crd_catalogue.py`).

`index.json` maps group -> kind (lower case) -> version -> [chunk, offset, length]; the schema
is that slice of the chunk's decompressed bytes, and a chunk is one xz stream of
`schemas.pack`. Finding and loading one schema reads the index once per process (~190 KB)
and decompresses one chunk only as far as the schema ends (a few milliseconds); nothing is
read, and `lzma` is not imported, before a custom resource asks for a schema.

What is stored is a CRD version's structural schema (`crd.compact()`), or, for a tool's
configuration file such as kustomize's, a plain JSON Schema (it carries `$schema`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from podlint.rules.catalogue import data_dir

_CACHED_CHUNKS = 2  # decompressed chunks kept: the kinds of one run usually come from a few groups


class Catalogue:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or data_dir("crds")
        self._index: dict[str, Any] | None = None
        self._chunks: dict[int, bytes] = {}

    @property
    def index(self) -> dict[str, Any]:
        if self._index is None:
            path = self.folder / "index.json"
            try:
                self._index = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:  # a build without the catalogue: custom resources stay unchecked
                self._index = {"schemas": {}, "chunks": [], "sources": []}
        return self._index

    def versions(self, group: str, kind: str) -> list[str]:
        """The versions of a kind that the catalogue has (none: it does not know the kind)."""
        return sorted(self.index["schemas"].get(group, {}).get(kind.lower(), {}))

    def has_group(self, group: str) -> bool:
        return group in self.index["schemas"]

    def schema(self, group: str, kind: str, version: str) -> dict[str, Any] | None:
        entry = self.index["schemas"].get(group, {}).get(kind.lower(), {}).get(version)
        if entry is None:
            return None
        chunk, offset, length = entry
        data: dict[str, Any] = json.loads(self._chunk(chunk, offset + length)[offset:offset + length])
        return data

    def _chunk(self, number: int, needed: int) -> bytes:
        """The chunk's bytes, decompressed at least up to `needed` (kept for the next schema)."""
        found = self._chunks.get(number)
        if found is not None and len(found) >= needed:
            return found
        import lzma  # only once a custom resource needs a bundled schema

        start, length = self.index["chunks"][number]
        with (self.folder / "schemas.pack").open("rb") as pack:
            pack.seek(start)
            packed = pack.read(length)
        data = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(packed, max_length=needed)
        if len(self._chunks) >= _CACHED_CHUNKS:
            self._chunks.pop(next(iter(self._chunks)))
        self._chunks[number] = data
        return data

    def sources(self) -> list[dict[str, Any]]:
        sources: list[dict[str, Any]] = self.index["sources"]
        return sources


@functools.cache
def bundled() -> Catalogue:
    """One per process: the index is read once, and only when a custom resource needs it."""
    return Catalogue()
