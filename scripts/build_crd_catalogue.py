#!/usr/bin/env python3
"""Regenerate `crds/` (the bundled CRD schema catalogue) from pinned sources.

Sources (SOURCES below, each at a pinned commit, read from a bare git mirror):
- the datreeio CRDs-catalog (MIT): JSON schemas in `{group}/{kind}_{version}.json`, made by
  kubeconform's openapi2jsonschema from the CRDs of 580 API groups;
- the upstream CRD YAMLs of groups it lacks that real repositories use (Apache-2.0): KubeRay
  (ray.io), JobSet, LeaderWorkerSet, LitmusChaos; and of a group whose copy there lags what
  repositories run: prometheus-operator's (monitoring.coreos.com, from kube-prometheus-stack).
  Their served versions are read with podlint's own CRD code
  (`podlint.schemas.crd.structural_schemas`), as a CRD in a run is.

What is stored is each version's structural schema (`openAPIV3Schema`) as `crd.compact()` keeps
it: types, properties, required, enums, patterns and ranges, formats, defaults, the
`x-kubernetes-*` extensions and the CEL rules, without descriptions. The catalogue's JSON schemas
are turned back into that form: openapi2jsonschema adds `additionalProperties: false` to every
object with `properties` (a structural schema never has both, and it ignored
`x-kubernetes-preserve-unknown-fields`), and replaced `format: int-or-string` by a `oneOf`. A
schema that is plain JSON Schema (it names its `$schema`, as kustomize's does) is kept as such.

Layout (read by `podlint/schemas/catalogue.py`, standard library only):
- `crds/schemas.pack`: xz (LZMA2) streams, each a chunk of at most CHUNK bytes of minified
  JSON schemas, concatenated; the schemas in order of their first path, so that the versions
  of one kind and the kinds of one group share a chunk (and its dictionary);
- `crds/index.json`: the sources and their commits, each chunk's offset and length in the pack,
  and group -> kind (lower case) -> version -> [chunk, offset, length] in the chunk's
  decompressed bytes. Identical schemas are stored once.
One schema is found with the index and loaded by decompressing the start of one chunk.

Usage: `make crd-catalogue`, or `python scripts/build_crd_catalogue.py [--mirrors DIR]`.
DIR (default `../.mirror` beside the repository) holds a bare clone of each source as
`DIR/OWNER+NAME/repo`; a refresh fetches each source at its new commit first, e.g.
`git clone --bare https://github.com/datreeio/CRDs-catalog DIR/datreeio+CRDs-catalog/repo`
(or `git --git-dir=... fetch origin COMMIT`), then updates the commit in SOURCES. Nothing is
fetched by this script, and podlint never fetches anything at run time. Reproducible: the same
sources give byte-identical output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crds"
CHUNK = 1 << 20  # uncompressed bytes per chunk: ~2.5 ms to decompress, 0.94 MB for the whole catalogue


def pack_chunk(chunk: bytes) -> bytes:
    """One xz stream whose LZMA2 dictionary is no larger than the chunk: the reader allocates the
    dictionary the header declares, and preset 9's 64 MiB made every schema lookup peak at +70 MB."""
    dictionary = max(1 << 16, 1 << (len(chunk) - 1).bit_length())
    filters = [{"id": lzma.FILTER_LZMA2, "preset": 9, "dict_size": dictionary}]
    return lzma.compress(chunk, format=lzma.FORMAT_XZ, check=lzma.CHECK_NONE, filters=filters)

sys.path.insert(0, str(ROOT))
from podlint.schemas.crd import compact, structural_schemas  # noqa: E402


@dataclass(frozen=True)
class Source:
    repo: str  # owner/name on GitHub
    commit: str
    licence: str
    licence_file: str = "LICENSE"
    # Upstream CRD files (or folders of them); none: the repository is a schema catalogue.
    paths: tuple[str, ...] = ()
    what: str = ""

    @property
    def mirror(self) -> str:
        return self.repo.replace("/", "+")


SOURCES = (
    Source("datreeio/CRDs-catalog", "7b1e26ef9deea49293714d204c1a2270aab1178f", "MIT",
           what="JSON schemas of the CRDs of 580 API groups"),
    Source("ray-project/kuberay", "feeaf72facab4881ba2b179248bb67315634e229", "Apache-2.0",
           paths=("ray-operator/config/crd/bases/",), what="ray.io: RayCluster, RayJob, RayService, RayCronJob"),
    Source("kubernetes-sigs/jobset", "08dfbdfd682714a9ab929633eca8dc95315187e7", "Apache-2.0",
           paths=("config/components/crd/bases/",), what="jobset.x-k8s.io: JobSet"),
    Source("kubernetes-sigs/lws", "060ab4da17eea1f0865fcbd3236bb1075e2cea32", "Apache-2.0",
           paths=("config/crd/bases/",), what="leaderworkerset.x-k8s.io, disaggregatedset.x-k8s.io"),
    Source("litmuschaos/chaos-operator", "af8244e53a0d2649ad9b78322470617b1f3fd69e", "Apache-2.0",
           paths=("deploy/crds/",), what="litmuschaos.io: ChaosEngine, ChaosExperiment, ChaosResult"),
    # The CRDs-catalog's monitoring.coreos.com is prometheus-operator 0.85.0; repositories run what
    # kube-prometheus-stack installs, newer (fields such as pushoverConfigs' `monospace`).
    Source("prometheus-community/helm-charts", "cf408a290aec489277a94450bb3511432477a53a", "Apache-2.0",
           paths=("charts/kube-prometheus-stack/charts/crds/crds/",),
           what="monitoring.coreos.com: prometheus-operator 0.93.1's CRDs, as kube-prometheus-stack installs them"),
)


class Mirror:
    """A bare git mirror, read at one commit."""

    def __init__(self, git_dir: Path, commit: str) -> None:
        self.git_dir, self.commit = git_dir, commit
        if not (git_dir / "HEAD").is_file():
            raise SystemExit(f"no git mirror at {git_dir}: clone it first (see this script's docstring)")
        if self._git("cat-file", "-t", commit).strip() != "commit":
            raise SystemExit(f"{git_dir} lacks commit {commit}: fetch it first")

    def _git(self, *args: str) -> str:
        return subprocess.run(["git", f"--git-dir={self.git_dir}", *args], check=True, capture_output=True,
                              text=True).stdout

    def files(self, under: str = "") -> list[tuple[str, str]]:
        """(blob id, path) of the files at the commit, under a folder or naming one file."""
        out = self._git("ls-tree", "-r", self.commit, "--", under) if under else self._git("ls-tree", "-r", self.commit)
        found = []
        for line in out.splitlines():
            meta, path = line.split("\t", 1)
            _mode, kind, blob = meta.split()
            if kind == "blob":
                found.append((blob, path))
        return found

    def read(self, blobs: list[str]) -> dict[str, bytes | None]:
        """Blob contents by id; None for a blob the mirror lacks (snapshots leave out files of 4 MiB and more)."""
        process = subprocess.Popen(["git", f"--git-dir={self.git_dir}", "cat-file", "--batch"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert process.stdin is not None and process.stdout is not None
        stdin = process.stdin

        def feed() -> None:  # in a thread: git answers while it reads, and both pipes are bounded
            stdin.write("".join(f"{blob}\n" for blob in blobs).encode())
            stdin.close()

        writer = threading.Thread(target=feed)
        writer.start()
        found: dict[str, bytes | None] = {}
        for blob in blobs:
            header = process.stdout.readline().split()
            if header[-1] == b"missing":
                found[blob] = None
                continue
            found[blob] = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
        writer.join()
        process.wait()
        return found


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, but a plain `=` is the string "=" (YAML 1.1's value tag, which PyYAML
    resolves and cannot construct; Kubernetes reads YAML 1.2: prometheus-operator's enums have `- =`)."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


@dataclass
class Catalogue:
    schemas: dict[tuple[str, str, str], bytes] = field(default_factory=dict)  # (group, kind, version) -> JSON
    origin: dict[tuple[str, str, str], str] = field(default_factory=dict)  # -> repository
    missing: list[str] = field(default_factory=list)  # files the mirrors lack

    def add(self, key: tuple[str, str, str], schema: Any, repo: str) -> None:
        self.schemas[key] = json.dumps(schema, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
        self.origin[key] = repo


def from_catalogue_schema(schema: Any) -> Any:
    """A CRDs-catalog JSON schema back in structural form (see the docstring), compacted;
    a plain JSON Schema (with `$schema`) only without its descriptions."""
    if isinstance(schema, dict) and "$schema" in schema:
        return _without_descriptions(schema)
    return compact(_unconverted(schema))


def _unconverted(node: Any) -> Any:
    if isinstance(node, list):
        return [_unconverted(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("oneOf") == [{"type": "string"}, {"type": "integer"}] and len(node) == 1:
        return {"x-kubernetes-int-or-string": True}
    out = {}
    for key, value in node.items():
        if key == "additionalProperties" and value is False and "properties" in node:
            continue  # added by openapi2jsonschema
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _unconverted(sub) for name, sub in value.items()}
        elif key in ("enum", "default", "required", "example", "x-kubernetes-validations"):
            out[key] = value
        else:
            out[key] = _unconverted(value)
    return out


def _without_descriptions(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_descriptions(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "definitions", "$defs") and isinstance(value, dict):
            out[key] = {name: _without_descriptions(sub) for name, sub in value.items()}
        elif key in ("description", "examples", "example"):
            continue
        elif key in ("enum", "default", "required", "const"):
            out[key] = value
        else:
            out[key] = _without_descriptions(value)
    return out


def _contents(source: Source, mirror: Mirror, catalogue: Catalogue,
              files: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    """(path, content) of each (blob, path) read; a blob the mirror does not have is listed as missing."""
    contents = mirror.read([blob for blob, _ in files])
    for blob, path in files:
        data = contents[blob]
        if data is None:
            catalogue.missing.append(f"{source.repo}@{source.commit[:12]}:{path}")
            continue
        yield path, data


def read_catalogue(source: Source, mirror: Mirror, catalogue: Catalogue) -> int:
    files = [(blob, path) for blob, path in mirror.files() if path.endswith(".json") and path.count("/") == 1]
    count = 0
    for path, data in _contents(source, mirror, catalogue, files):
        group, name = path[:-len(".json")].split("/")
        kind, _, version = name.rpartition("_")
        if not kind or not version:
            continue  # not a `{kind}_{version}.json` schema (the catalogue's Utilities/ folder)
        catalogue.add((group, kind.lower(), version), from_catalogue_schema(json.loads(data)), source.repo)
        count += 1
    return count


def read_upstream(source: Source, mirror: Mirror, catalogue: Catalogue) -> int:
    files = [(blob, path) for under in source.paths for blob, path in mirror.files(under)
             if path.endswith((".yaml", ".yml"))]
    count = 0
    for _, data in _contents(source, mirror, catalogue, files):
        for document in yaml.load_all(data, Loader=_Loader):  # a SafeLoader
            if not isinstance(document, dict) or document.get("kind") != "CustomResourceDefinition":
                continue
            for (api_version, kind), structural in structural_schemas(document.get("spec") or {}).items():
                group, _, version = api_version.rpartition("/")
                catalogue.add((group, kind.lower(), version), compact(structural.schema), source.repo)
                count += 1
    return count


def write(catalogue: Catalogue, counts: dict[str, int], out: Path) -> dict[str, int]:
    order = sorted(catalogue.schemas)
    chunks: list[bytearray] = []
    where: dict[bytes, list[int]] = {}  # schema JSON -> [chunk, offset, length]
    entries: dict[str, dict[str, dict[str, list[int]]]] = {}
    for key in order:
        data = catalogue.schemas[key]
        if data not in where:
            if not chunks or (chunks[-1] and len(chunks[-1]) + len(data) > CHUNK):
                chunks.append(bytearray())
            where[data] = [len(chunks) - 1, len(chunks[-1]), len(data)]
            chunks[-1] += data
        group, kind, version = key
        entries.setdefault(group, {}).setdefault(kind, {})[version] = where[data]
    pack = bytearray()
    spans = []
    for chunk in chunks:
        packed = pack_chunk(bytes(chunk))
        spans.append([len(pack), len(packed)])
        pack += packed
    index = {
        "format": 1,
        "sources": [{"repository": f"https://github.com/{source.repo}", "commit": source.commit,
                     "licence": source.licence, "what": source.what, "schemas": counts[source.repo]}
                    for source in SOURCES],
        "missing": sorted(catalogue.missing),
        "chunks": spans,
        "schemas": entries,
    }
    out.mkdir(exist_ok=True)
    (out / "schemas.pack").write_bytes(bytes(pack))
    (out / "index.json").write_text(json.dumps(index, separators=(",", ":"), sort_keys=True) + "\n")
    return {"schemas": len(order), "distinct": len(where), "raw": sum(map(len, where)), "packed": len(pack),
            "chunks": len(chunks)}


def write_licences(mirrors: dict[str, Mirror], out: Path) -> None:
    folder = out / "licences"
    folder.mkdir(exist_ok=True)
    for source in SOURCES:
        mirror = mirrors[source.repo]
        blob = dict((path, blob) for blob, path in mirror.files(source.licence_file))[source.licence_file]
        text = mirror.read([blob])[blob]
        assert text is not None
        (folder / f"{source.mirror}.txt").write_bytes(
            f"{source.repo} at {source.commit} ({source.licence})\n\n".encode() + text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=ROOT.parent / ".mirror",
                        help="folder of bare mirrors, OWNER+NAME/repo (default: ../.mirror)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    mirrors = {source.repo: Mirror(args.mirrors / source.mirror / "repo", source.commit) for source in SOURCES}
    catalogue = Catalogue()
    counts = {}
    for source in SOURCES:  # later sources win: upstream CRDs over the catalogue's copies
        reader = read_upstream if source.paths else read_catalogue
        counts[source.repo] = reader(source, mirrors[source.repo], catalogue)
    stats = write(catalogue, counts, args.out)
    write_licences(mirrors, args.out)
    for line in catalogue.missing:
        print(f"not in the mirror (left out): {line}", file=sys.stderr)
    print(f"{stats['schemas']} schemas ({stats['distinct']} distinct, {stats['raw'] / 1e6:.1f} MB minified) "
          f"in {stats['chunks']} chunks: {stats['packed'] / 1e6:.2f} MB")
    digest = hashlib.sha256((args.out / "schemas.pack").read_bytes()).hexdigest()[:16]
    print(f"schemas.pack sha256 {digest}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
