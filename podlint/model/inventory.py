"""What a run keeps of its inputs for the cross-object checks.

Memory stays bounded: the data of objects is kept only for the kinds the cross-object checks
judge or read (workloads, Services, autoscalers, disruption budgets, network policies); of
every other object only its kind, namespace and name. Position trees are not kept (they are
most of a parsed file, and keeping them all would make every garbage collection of the run
slower): the bytes of the file are, and the rare object with a finding is read again.
"""

from __future__ import annotations

import functools
import heapq
import os
from collections.abc import Iterator
from typing import Any

from yaml.nodes import ScalarNode

from podlint.model.objects import POD_SPEC_PATHS, K8sObject, objects_of
from podlint.reading.parse import Document, parse_bytes
from podlint.records import Record

WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS) - {"PodTemplate"}
KEPT_KINDS = WORKLOAD_KINDS | {"Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress",
                                "ServiceAccount"}
KEYED_KINDS = frozenset({"ConfigMap", "Secret"})  # their keys are kept (not their values): env-key-not-found
# Secrets whose data a controller fills in: their keys are not in the manifest.
_FILLED_SECRET_TYPES = frozenset({"kubernetes.io/service-account-token"})

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


def data_keys(obj: K8sObject) -> frozenset[str] | None:
    """The keys of a ConfigMap's or Secret's data (None: unknown, as for a token Secret or a templated key)."""
    if obj.kind == "Secret" and obj.data.get("type") in _FILLED_SECRET_TYPES:
        return None
    found: set[str] = set()
    for field in ("data", "stringData", "binaryData"):
        value = obj.data.get(field)
        if value is None:
            continue
        if not isinstance(value, dict):
            return None
        for key in value:
            if not isinstance(key, str) or "{{" in key or "$" in key:
                return None
            found.add(key)
    return frozenset(found)


_NO_POSITIONS = ScalarNode("tag:yaml.org,2002:null", "")  # the root of a document kept without positions


def folder(obj: K8sObject) -> str:
    return _folder_of(obj.file)


@functools.lru_cache(maxsize=1024)  # asked for each object many times a run, of a few files
def _folder_of(file: str) -> str:
    return os.path.dirname(file)


class Inventory(Record):
    """The objects of a run, and what each folder of inputs holds.

    Lookups (is this name defined, does this selector match) span every input; whether the
    inputs can settle a question is judged per folder, because one run often lints many
    unrelated applications (a repository of examples) and one application is one folder.
    """

    objects: list[K8sObject]
    # folder -> the kept objects of that folder.
    kept: dict[str, list[K8sObject]]
    # (kind, name) -> the namespaces that define it.
    names: dict[tuple[str, str], set[str]]
    # folder -> kind -> the namespaces with an object of that kind there.
    folders: dict[str, dict[str, set[str]]]
    # folder -> namespaces with custom resources: an operator may make pods and secrets there.
    custom: dict[str, set[str]]
    # file -> its bytes, for the files with kept objects.
    sources: dict[str, bytes]
    _reread: dict[str, list[Document]]
    # Indexes of the kept objects, each list in the order of `objects`, so that the lookups of
    # the cross-object checks cost what they find, not the size of the folder (a run of 10,000
    # documents in one folder would otherwise compare every Service with every workload):
    # (folder, kind) -> objects; (folder, kind, name) -> objects; (folder, label, str(value))
    # -> the workloads whose pods carry that label; id(workload) -> its pod labels.
    _by_kind: dict[tuple[str, str], list[K8sObject]]
    _by_name: dict[tuple[str, str, str], list[K8sObject]]
    _by_label: dict[tuple[str, str, str], list[K8sObject]]
    _labels: dict[int, dict[str, Any] | None]
    _order: dict[int, int]
    # (kind, name) -> (namespace, its keys or None when unknown) of each ConfigMap and Secret.
    keys: dict[tuple[str, str], list[tuple[str, frozenset[str] | None]]]
    # Answers that several cross-object rules need, worked out once per run: (question, *what it
    # depends on) -> answer (the workloads a Service selects: two rules ask). Emptied when objects are added.
    shared: dict[tuple[Any, ...], Any]

    __slots__ = ("_by_kind", "_by_label", "_by_name", "_labels", "_order", "_reread", "custom", "folders", "kept",
                 "keys", "names", "objects", "shared", "sources")

    def __init__(self) -> None:
        self.objects = []
        self.kept = {}
        self.names = {}
        self.folders = {}
        self.custom = {}
        self.sources = {}
        self._reread = {}
        self._by_kind = {}
        self._by_name = {}
        self._by_label = {}
        self._labels = {}
        self._order = {}
        self.keys = {}
        self.shared = {}

    def add(self, obj: K8sObject, source: bytes) -> None:
        self.shared.clear()
        kind, namespace, place = obj.kind, obj.namespace, folder(obj)
        self.names.setdefault((kind, obj.name), set()).add(namespace)
        self.folders.setdefault(place, {}).setdefault(kind, set()).add(namespace)
        if is_custom(obj):
            self.custom.setdefault(place, set()).add(namespace)
        if kind in KEPT_KINDS:
            self._keep(obj)
            self.sources[obj.file] = source
        elif kind in KEYED_KINDS:
            self.keys.setdefault((kind, obj.name), []).append((namespace, data_keys(obj)))

    def _keep(self, obj: K8sObject) -> None:
        """Keep an object without its positions (see attach), and index it."""
        document = obj.document
        detached = Document(document.file, document.index, document.data, _NO_POSITIONS, document.line_offset)
        light = K8sObject(detached, obj.base, obj.data)
        place, kind = folder(light), light.kind
        self._order[id(light)] = len(self.objects)
        self.objects.append(light)
        self.kept.setdefault(place, []).append(light)
        self._by_kind.setdefault((place, kind), []).append(light)
        self._by_name.setdefault((place, kind, light.name), []).append(light)
        labels = self._labels[id(light)] = pod_labels(light)
        for key, value in (labels or {}).items():
            self._by_label.setdefault((place, key, str(value)), []).append(light)

    def merge(self, other: Inventory) -> None:
        """Add what another inventory holds (a worker's, for one file of a parallel run, see
        parallel.py), as if its objects had been added here, in order."""
        for (kind, name), namespaces in other.names.items():
            self.names.setdefault((kind, name), set()).update(namespaces)
        for place, kinds in other.folders.items():
            mine = self.folders.setdefault(place, {})
            for kind, namespaces in kinds.items():
                mine.setdefault(kind, set()).update(namespaces)
        for place, namespaces in other.custom.items():
            self.custom.setdefault(place, set()).update(namespaces)
        for identity, entries in other.keys.items():
            self.keys.setdefault(identity, []).extend(entries)
        self.shared.clear()
        for obj in other.objects:
            self._keep(obj)  # pickled on the way: detached again from this process's marker
        self.sources.update(other.sources)

    def add_source(self, raw: bytes, file: str) -> None:
        """Every object of a file (for a linter that changed the file before linting it)."""
        for document in parse_bytes(raw, file).documents:
            for obj in objects_of(document):
                self.add(obj, raw)

    def attach(self, obj: K8sObject) -> K8sObject:
        """A kept object with its positions again: its file is read once more from the kept bytes.

        Only the last file read is kept: a rule reports objects in input order, and a run with a
        finding in each of thousands of files must not hold all their positions at once (2,000
        files: +450 MB).
        """
        if obj.document.root is not _NO_POSITIONS:
            return obj
        documents = self._reread.get(obj.file)
        if documents is None:
            self._reread.clear()
            documents = self._reread[obj.file] = parse_bytes(self.sources[obj.file], obj.file).documents
        return K8sObject(documents[obj.document.index], obj.base, obj.data)

    def of_kind(self, *kinds: str) -> Iterator[K8sObject]:
        return (obj for obj in self.objects if obj.kind in kinds)

    def workloads(self) -> Iterator[K8sObject]:
        return (obj for obj in self.objects if obj.kind in WORKLOAD_KINDS)

    def near(self, obj: K8sObject, kinds: frozenset[str]) -> Iterator[K8sObject]:
        """The kept objects of `kinds` in the folder of `obj` that may share its namespace."""
        place = folder(obj)
        return self._nearby(obj, [self._by_kind.get((place, kind), []) for kind in kinds])

    def near_named(self, obj: K8sObject, kinds: frozenset[str], name: str) -> Iterator[K8sObject]:
        """The kept objects of `kinds` called `name` in the folder of `obj` that may share its namespace."""
        place = folder(obj)
        return self._nearby(obj, [self._by_name.get((place, kind, name), []) for kind in kinds])

    def pods_labelled(self, obj: K8sObject, key: str, value: Any) -> Iterator[K8sObject]:
        """The kept workloads in the folder of `obj`, that may share its namespace, whose pods carry
        the label `key` with `value` (compared as text, as selectors compare)."""
        return self._nearby(obj, [self._by_label.get((folder(obj), key, str(value)), [])])

    def elsewhere(self, obj: K8sObject, key: str | None, value: Any = None) -> Iterator[K8sObject]:
        """The kept workloads in the folder of `obj` that cannot share its namespace (both namespaces
        named, and different); with `key`, only those whose pods carry that label with `value`."""
        place = folder(obj)
        if key is None:
            lists = [self._by_kind.get((place, kind), []) for kind in WORKLOAD_KINDS]
        else:
            lists = [self._by_label.get((place, key, str(value)), [])]
        found = [objects for objects in lists if objects]
        ordered = found[0] if len(found) == 1 else heapq.merge(*found, key=lambda other: self._order[id(other)])
        return (other for other in ordered if not same_namespace(other.namespace, obj.namespace))

    def labels_of(self, workload: K8sObject) -> dict[str, Any] | None:
        """pod_labels of a kept workload, computed once."""
        if id(workload) in self._labels:
            return self._labels[id(workload)]
        return pod_labels(workload)

    def _nearby(self, obj: K8sObject, lists: list[list[K8sObject]]) -> Iterator[K8sObject]:
        found = [objects for objects in lists if objects]
        ordered = found[0] if len(found) == 1 else heapq.merge(*found, key=lambda other: self._order[id(other)])
        return (other for other in ordered if same_namespace(other.namespace, obj.namespace))

    def defines(self, kind: str, namespace: str, name: str) -> bool:
        return any(same_namespace(ns, namespace) for ns in self.names.get((kind, name), ()))

    def has_key(self, kind: str, namespace: str, name: str, key: str) -> bool | None:
        """Whether the ConfigMap or Secret `name` that may share `namespace` has `key`; None when no
        such object is among the inputs, or its keys are unknown (a template, a controller fills them)."""
        answers = [keys for ns, keys in self.keys.get((kind, name), ()) if same_namespace(ns, namespace)]
        if any(keys is not None and key in keys for keys in answers):
            return True
        if not answers or any(keys is None for keys in answers):
            return None
        return False

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
