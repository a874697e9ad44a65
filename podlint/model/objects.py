"""Document -> Kubernetes objects: identity, and where each object keeps its pod spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.findings import FieldPath, Span
from podlint.reading.parse import Anchor, Document
from podlint.records import Record

# Where the pod spec lives, per kind (the same for every API group that serves the kind).
POD_SPEC_PATHS: dict[str, FieldPath] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

# Controllers that keep pods running: their pods must restart Always.
LONG_RUNNING_CONTROLLERS = frozenset(
    {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"}
)
RUN_TO_COMPLETION = frozenset({"Job", "CronJob"})


class K8sObject(Record):
    """One Kubernetes object: a whole document, or an item of a `List`."""

    document: Document
    base: FieldPath  # where the object starts inside the document ((), or ("items", 3))
    data: dict[str, Any]
    # Its identity, read once: checks, the inventory and findings ask for it tens of times an object.
    api_version: str
    kind: str
    name: str  # the name, else the generateName
    namespace: str

    __slots__ = ("api_version", "base", "data", "document", "kind", "name", "namespace")

    def __init__(self, document: Document, base: FieldPath, data: dict[str, Any]) -> None:
        self.document = document
        self.base = base
        self.data = data
        api_version, kind = data.get("apiVersion"), data.get("kind")
        self.api_version = api_version if isinstance(api_version, str) else ""
        self.kind = kind if isinstance(kind, str) else ""
        metadata = self.metadata
        name = metadata.get("name") or metadata.get("generateName")
        namespace = metadata.get("namespace")
        self.name = str(name) if name is not None else ""
        self.namespace = str(namespace) if namespace is not None else ""

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def file(self) -> str:
        return self.document.file

    def get(self, path: FieldPath) -> Any:
        """The value at `path` (relative to the object), or None."""
        return lookup(self.data, path)

    def span(self, path: FieldPath, anchor: Anchor = "key") -> Span:
        return self.document.span(self.base + path, anchor)

    @property
    def pod_spec_path(self) -> FieldPath | None:
        path = POD_SPEC_PATHS.get(self.kind)
        if path is None or not isinstance(self.get(path), dict):
            return None
        return path


def lookup(data: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(part, str):  # (most parts: keys of mappings)
            if not isinstance(data, dict):
                return None
            data = data.get(part)
        elif isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
        if data is None:
            return None
    return data


def is_object(data: Any) -> bool:
    """Documents without apiVersion and kind are not Kubernetes objects (values files, configs)."""
    return (isinstance(data, dict) and isinstance(data.get("apiVersion"), str)
            and isinstance(data.get("kind"), str))


def objects_of(document: Document) -> Iterator[K8sObject]:
    """The objects of a document, expanding `List` and `*List` kinds into their items."""
    data = document.data
    if not is_object(data):
        return
    items = data.get("items")
    if data["kind"].endswith("List") and isinstance(items, list):
        for index, item in enumerate(items):
            if is_object(item):
                yield K8sObject(document, ("items", index), item)
        return
    yield K8sObject(document, (), data)
