"""Label and annotation syntax, wherever the API server validates it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, object_check
from podlint.findings import FieldPath, format_path
from podlint.model.objects import K8sObject
from podlint.model.podspec import is_placeholder
from podlint.model.validation import go_value, label_value, qualified_name

ANNOTATIONS_MAX_BYTES = 256 * 1024  # the total size of an object's annotation keys and values

# Template metadata (labels, annotations) and label selectors of the built-in kinds, relative to the object.
_TEMPLATE_METADATA: dict[str, tuple[FieldPath, ...]] = {
    **{kind: (("spec", "template", "metadata"),) for kind in (
        "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job")},
    "PodTemplate": (("template", "metadata"),),
    "CronJob": (("spec", "jobTemplate", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata")),
}
_SELECTORS: dict[str, tuple[FieldPath, ...]] = {
    **{kind: (("spec", "selector"),) for kind in (
        "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "PodDisruptionBudget")},
    "CronJob": (("spec", "jobTemplate", "spec", "selector"),),
    "NetworkPolicy": (("spec", "podSelector"),),
}
_PLAIN_SELECTORS = frozenset({"ReplicationController", "Service"})  # `selector` is a label map


def _label_maps(obj: K8sObject) -> Iterator[FieldPath]:
    """Every label map of the object that the API server validates as labels."""
    yield ("metadata", "labels")
    for metadata in _TEMPLATE_METADATA.get(obj.kind, ()):
        yield (*metadata, "labels")
    if obj.kind in _PLAIN_SELECTORS:
        yield ("spec", "selector")
    for selector in _SELECTORS.get(obj.kind, ()):
        yield (*selector, "matchLabels")
    pod_spec = obj.pod_spec_path
    if pod_spec is not None:
        yield (*pod_spec, "nodeSelector")


@object_check("invalid-label")
def invalid_label(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for path in _label_maps(obj):
        labels = obj.get(path)
        if not isinstance(labels, dict):
            continue
        for key, value in labels.items():
            if not is_placeholder(key):
                for detail in qualified_name(key):
                    yield Problem((*path, key), f"{format_path(path)}: Invalid value: {go_value(key)}: {detail}")
            if isinstance(value, str) and not is_placeholder(value):
                for detail in label_value(value):
                    yield Problem((*path, key), f"{format_path(path)}: Invalid value: {go_value(value)}: {detail}",
                                  anchor="value")


def _annotation_maps(obj: K8sObject) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    paths: list[FieldPath] = [("metadata", "annotations")]
    paths += [(*metadata, "annotations") for metadata in _TEMPLATE_METADATA.get(obj.kind, ())]
    for path in paths:
        value = obj.get(path)
        if isinstance(value, dict):
            yield path, value


@object_check("invalid-annotation")
def invalid_annotation(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for path, values in _annotation_maps(obj):
        where = format_path(path)
        for key in values:
            if is_placeholder(key):
                continue
            # The API server lower-cases annotation keys before validating them.
            for detail in qualified_name(key.lower()):
                yield Problem((*path, key), f"{where}: Invalid value: {go_value(key)}: {detail}")
        size = sum(len(key.encode()) + len(str(value).encode()) for key, value in values.items()
                   if isinstance(value, str))
        if size > ANNOTATIONS_MAX_BYTES:
            yield Problem(path, f"{where}: Too long: must have at most {ANNOTATIONS_MAX_BYTES} bytes")

