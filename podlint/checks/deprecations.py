"""What `kubectl apply` warns about: deprecated node labels, annotations and volume types."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, items
from podlint.findings import FieldPath, format_path
from podlint.model.podspec import PodSpecView

DEPRECATED_NODE_LABELS = {
    "beta.kubernetes.io/arch": 'deprecated since v1.14; use "kubernetes.io/arch" instead',
    "beta.kubernetes.io/os": 'deprecated since v1.14; use "kubernetes.io/os" instead',
    "failure-domain.beta.kubernetes.io/region": 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
    "failure-domain.beta.kubernetes.io/zone": 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
    "beta.kubernetes.io/instance-type": 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
    "node-role.kubernetes.io/master": 'use "node-role.kubernetes.io/control-plane" instead',
}
DEPRECATED_ANNOTATIONS = {
    "scheduler.alpha.kubernetes.io/critical-pod": 'non-functional in v1.16+; use the "priorityClassName" field instead',
    "security.alpha.kubernetes.io/sysctls": 'non-functional in v1.11+; use the "sysctls" field instead',
    "security.alpha.kubernetes.io/unsafe-sysctls": 'non-functional in v1.11+; use the "sysctls" field instead',
}
SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_CONTAINER = "container.apparmor.security.beta.kubernetes.io/"
SECCOMP_MESSAGE = 'non-functional in v1.27+; use the "seccompProfile" field instead'
APPARMOR_MESSAGE = 'deprecated since v1.30; use the "appArmorProfile" field instead'
DEPRECATED_VOLUMES = {
    "photonPersistentDisk": "deprecated in v1.11, non-functional in v1.16+",
    "gitRepo": "deprecated in v1.11",
    "scaleIO": "deprecated in v1.16, non-functional in v1.22+",
    "flocker": "deprecated in v1.22, non-functional in v1.25+",
    "storageos": "deprecated in v1.22, non-functional in v1.25+",
    "quobyte": "deprecated in v1.22, non-functional in v1.25+",
    "glusterfs": "deprecated in v1.25, non-functional in v1.26+",
    "cephfs": "deprecated in v1.28, non-functional in v1.31+",
    "rbd": "deprecated in v1.28, non-functional in v1.31+",
}


def _node_selector_terms(pod: PodSpecView) -> Iterator[FieldPath]:
    node_affinity = ("affinity", "nodeAffinity")
    required = (*node_affinity, "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    for index, _ in items(pod.obj.get(pod.child(*required))):
        yield pod.child(*required, index)
    preferred = (*node_affinity, "preferredDuringSchedulingIgnoredDuringExecution")
    for index, _ in items(pod.obj.get(pod.child(*preferred))):
        yield pod.child(*preferred, index, "preference")


@pod_check("deprecated-node-label")
def deprecated_node_label(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for key in as_dict(pod.data.get("nodeSelector")):
        if key in DEPRECATED_NODE_LABELS:
            yield Problem(pod.child("nodeSelector", key),
                          f"spec.nodeSelector[{key}]: {DEPRECATED_NODE_LABELS[key]}")
    for term in _node_selector_terms(pod):
        for field in ("matchExpressions", "matchFields"):
            for index, expression in items(pod.obj.get((*term, field))):
                label = expression.get("key")
                if isinstance(label, str) and label in DEPRECATED_NODE_LABELS:
                    path = (*term, field, index, "key")
                    yield Problem(path, f"{format_path(path[len(pod.path):])}: {label} is "
                                  f"{DEPRECATED_NODE_LABELS[label]}", anchor="value")
    for index, constraint in items(pod.data.get("topologySpreadConstraints")):
        topology_key = constraint.get("topologyKey")
        if isinstance(topology_key, str) and topology_key in DEPRECATED_NODE_LABELS:
            yield Problem(pod.child("topologySpreadConstraints", index, "topologyKey"),
                          f"topologySpreadConstraints[{index}].topologyKey: {topology_key} is "
                          f"{DEPRECATED_NODE_LABELS[topology_key]}",
                          anchor="value")


@pod_check("deprecated-annotation")
def deprecated_annotation(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    metadata = (*pod.path[:-1], "metadata", "annotations")  # the pod's (or template's) annotations
    annotations = as_dict(pod.obj.get(metadata))
    if not annotations:
        return
    security = as_dict(pod.data.get("securityContext"))
    deprecated = dict(DEPRECATED_ANNOTATIONS)
    if security.get("seccompProfile") is None:
        deprecated[SECCOMP_POD] = SECCOMP_MESSAGE
    is_template = pod.obj.kind != "Pod"
    for container in pod.containers():
        container_security = as_dict(container.data.get("securityContext"))
        if container_security.get("seccompProfile") is None:
            deprecated[SECCOMP_CONTAINER + container.name] = SECCOMP_MESSAGE
        has_apparmor = (security.get("appArmorProfile") is not None
                        or container_security.get("appArmorProfile") is not None)
        if is_template and not has_apparmor and ctx.kubernetes_version >= (1, 30):
            deprecated[APPARMOR_CONTAINER + container.name] = APPARMOR_MESSAGE
    for key in annotations:
        if key in deprecated:
            yield Problem((*metadata, key), f"{format_path(metadata)}[{key}]: {deprecated[key]}")


@pod_check("deprecated-volume-type")
def deprecated_volume_type(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for index, volume in items(pod.data.get("volumes")):
        for source, message in DEPRECATED_VOLUMES.items():
            if volume.get(source) is not None:
                yield Problem(pod.child("volumes", index, source), f"volumes[{index}].{source}: {message}")
