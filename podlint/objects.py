"""Document -> Kubernetes objects: identity, and where each object keeps its pod spec."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from podlint.findings import FieldPath, Span
from podlint.parse import Anchor, Document

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


@dataclass(slots=True)
class K8sObject:
    """One Kubernetes object: a whole document, or an item of a `List`."""

    document: Document
    base: FieldPath  # where the object starts inside the document ((), or ("items", 3))
    data: dict[str, Any]

    @property
    def api_version(self) -> str:
        value = self.data.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def kind(self) -> str:
        value = self.data.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def name(self) -> str:
        value = self.metadata.get("name") or self.metadata.get("generateName")
        return str(value) if value is not None else ""

    @property
    def namespace(self) -> str:
        value = self.metadata.get("namespace")
        return str(value) if value is not None else ""

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
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[part] if isinstance(part, int) else data.get(part)
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
