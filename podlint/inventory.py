"""What a run keeps of its inputs for the cross-object checks.

Memory stays bounded: the data of objects is kept only for the kinds the cross-object checks
judge or read (workloads, Services, autoscalers, disruption budgets, network policies); of
every other object only its kind, namespace and name. Position trees are not kept (they are
most of a parsed file, and keeping them all would make every garbage collection of the run
slower): the bytes of the file are, and the rare object with a finding is read again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import ScalarNode

from podlint.objects import POD_SPEC_PATHS, K8sObject, objects_of
from podlint.parse import Document, parse_bytes

WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS) - {"PodTemplate"}
KEPT_KINDS = WORKLOAD_KINDS | {"Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"}

# Where a workload keeps the labels of the pods it makes.
_POD_LABELS: dict[str, tuple[str, ...]] = {
    "Pod": ("metadata", "labels"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "metadata", "labels"),
}
_TEMPLATE_LABELS = ("spec", "template", "metadata", "labels")


def is_custom(obj: K8sObject) -> bool:
    """An object of a third-party API group (`monitoring.coreos.com`), not of Kubernetes itself."""
    group = obj.group
    return "." in group and not group.endswith(".k8s.io") and group != "k8s.io"


def same_namespace(a: str, b: str) -> bool:
    """An object without a namespace goes wherever it is applied: it may share any namespace."""
    return a == b or not a or not b


# Labels the controllers add to the pods they make, whose values the manifest does not tell.
_JOB_GENERATED = ("controller-uid", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index")
GENERATED_LABELS: dict[str, frozenset[str]] = {
    "Deployment": frozenset({"pod-template-hash"}),
    "ReplicaSet": frozenset({"pod-template-hash"}),
    "StatefulSet": frozenset({"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
                              "controller-revision-hash"}),
    "DaemonSet": frozenset({"controller-revision-hash", "pod-template-generation"}),
    "Job": frozenset(_JOB_GENERATED),
    "CronJob": frozenset({*_JOB_GENERATED, "job-name", "batch.kubernetes.io/job-name"}),
}


def pod_labels(obj: K8sObject) -> dict[str, Any] | None:
    """The labels of the pods a workload makes (None: not a workload, or labels not a mapping).

    A Job's pods also carry its name as `job-name`; see GENERATED_LABELS for the labels whose
    values are unknown.
    """
    if obj.kind not in WORKLOAD_KINDS:
        return None
    labels = obj.get(_POD_LABELS.get(obj.kind, _TEMPLATE_LABELS))
    if labels is not None and not isinstance(labels, dict):
        return None
    labels = dict(labels or {})
    if obj.kind == "Job":
        labels.setdefault("job-name", obj.name)
        labels.setdefault("batch.kubernetes.io/job-name", obj.name)
    return labels


_NO_POSITIONS = ScalarNode("tag:yaml.org,2002:null", "")  # the root of a document kept without positions


def folder(obj: K8sObject) -> str:
    return os.path.dirname(obj.file)


@dataclass(slots=True)
class Inventory:
    """The objects of a run, and what each folder of inputs holds.

    Lookups (is this name defined, does this selector match) span every input; whether the
    inputs can settle a question is judged per folder, because one run often lints many
    unrelated applications (a repository of examples) and one application is one folder.
    """

    objects: list[K8sObject] = field(default_factory=list)
    # folder -> the kept objects of that folder.
    kept: dict[str, list[K8sObject]] = field(default_factory=dict)
    # (kind, name) -> the namespaces that define it.
    names: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # folder -> kind -> the namespaces with an object of that kind there.
    folders: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # folder -> namespaces with custom resources: an operator may make pods and secrets there.
    custom: dict[str, set[str]] = field(default_factory=dict)
    # file -> its bytes, for the files with kept objects.
    sources: dict[str, bytes] = field(default_factory=dict)
    _reread: dict[str, list[Document]] = field(default_factory=dict)

    def add(self, obj: K8sObject, source: bytes) -> None:
        self.names.setdefault((obj.kind, obj.name), set()).add(obj.namespace)
        self.folders.setdefault(folder(obj), {}).setdefault(obj.kind, set()).add(obj.namespace)
        if is_custom(obj):
            self.custom.setdefault(folder(obj), set()).add(obj.namespace)
        if obj.kind in KEPT_KINDS:
            document = obj.document
            detached = Document(document.file, document.index, document.data, _NO_POSITIONS, document.line_offset)
            light = K8sObject(detached, obj.base, obj.data)
            self.objects.append(light)
            self.kept.setdefault(folder(obj), []).append(light)
            self.sources[obj.file] = source

    def add_source(self, raw: bytes, file: str) -> None:
        """Every object of a file (for a linter that changed the file before linting it)."""
        for document in parse_bytes(raw, file).documents:
            for obj in objects_of(document):
                self.add(obj, raw)

    def attach(self, obj: K8sObject) -> K8sObject:
        """A kept object with its positions again: its file is read once more from the kept bytes."""
        if obj.document.root is not _NO_POSITIONS:
            return obj
        documents = self._reread.get(obj.file)
        if documents is None:
            documents = self._reread[obj.file] = parse_bytes(self.sources[obj.file], obj.file).documents
        return K8sObject(documents[obj.document.index], obj.base, obj.data)

    def of_kind(self, *kinds: str) -> Iterator[K8sObject]:
        return (obj for obj in self.objects if obj.kind in kinds)

    def workloads(self) -> Iterator[K8sObject]:
        return (obj for obj in self.objects if obj.kind in WORKLOAD_KINDS)

    def near(self, obj: K8sObject, kinds: frozenset[str]) -> Iterator[K8sObject]:
        """The kept objects of `kinds` in the folder of `obj` that may share its namespace."""
        return (other for other in self.kept.get(folder(obj), ())
                if other.kind in kinds and same_namespace(other.namespace, obj.namespace))

    def defines(self, kind: str, namespace: str, name: str) -> bool:
        return any(same_namespace(ns, namespace) for ns in self.names.get((kind, name), ()))

    def folder_has(self, near: K8sObject, kinds: frozenset[str] | set[str]) -> bool:
        """Whether the folder of `near` holds an object of one of `kinds` that may share its namespace."""
        held = self.folders.get(folder(near), {})
        return any(same_namespace(ns, near.namespace) for kind in kinds for ns in held.get(kind, ()))

    def operator_managed(self, near: K8sObject) -> bool:
        """Whether the folder of `near` has custom resources that may share its namespace."""
        return any(same_namespace(ns, near.namespace) for ns in self.custom.get(folder(near), ()))

    def pods_known(self, near: K8sObject) -> bool:
        """Whether the folder of `near` shows the pod templates of its namespace: a workload, no custom resource."""
        return self.folder_has(near, WORKLOAD_KINDS) and not self.operator_managed(near)
