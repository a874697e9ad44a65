"""The field names a custom rule may name, where they are known for certain (core/v1 and ObjectMeta).

A path or CEL field access that names a field Kubernetes does not have can never match, so a
typo (`container.imagee`) would silently disable a team rule; it is reported when the rule is
loaded instead. Only levels whose fields are fixed are checked: the top of built-in kinds,
`metadata`, the pod spec and containers. Deeper levels, labels, annotations and custom
resources are free-form here and pass unchecked.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from podlint.findings import FieldPath
from podlint.model.objects import POD_SPEC_PATHS

OBJECT_META = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
})
POD_SPEC = frozenset({
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
    "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork",
    "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname",
    "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority",
    "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
    "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
    "resourceClaims", "resources", "hostnameOverride",
})
CONTAINER = frozenset({
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
    "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
    "targetContainerName",  # ephemeral containers
})
_COMMON_TOP = frozenset({"apiVersion", "kind", "metadata"})
_SPEC_STATUS = _COMMON_TOP | {"spec", "status"}
# Top-level fields of built-in kinds whose shape is fixed (custom resources are not listed).
TOP_LEVEL: dict[str, frozenset[str]] = {
    **{kind: _SPEC_STATUS for kind in (
        "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job", "CronJob",
        "Service", "Ingress", "NetworkPolicy", "PersistentVolume", "PersistentVolumeClaim", "Namespace",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "ResourceQuota", "LimitRange")},
    "PodTemplate": _COMMON_TOP | {"template"},
    "ConfigMap": _COMMON_TOP | {"data", "binaryData", "immutable"},
    "Secret": _COMMON_TOP | {"data", "stringData", "type", "immutable"},
    "ServiceAccount": _COMMON_TOP | {"secrets", "imagePullSecrets", "automountServiceAccountToken"},
    "Role": _COMMON_TOP | {"rules"},
    "ClusterRole": _COMMON_TOP | {"rules", "aggregationRule"},
    "RoleBinding": _COMMON_TOP | {"subjects", "roleRef"},
    "ClusterRoleBinding": _COMMON_TOP | {"subjects", "roleRef"},
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


class UnknownField(Exception):
    def __init__(self, name: str, where: str, choices: Iterable[str]) -> None:
        close = difflib.get_close_matches(name, sorted(choices), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        super().__init__(f"{name!r} is not a field of {where}{hint}")


def check_container_path(path: FieldPath) -> None:
    """`path` is relative to a container; raises UnknownField for a misspelt first field."""
    if path and isinstance(path[0], str) and path[0] not in CONTAINER:
        raise UnknownField(path[0], "a container", CONTAINER)


def check_object_path(path: FieldPath, kinds: Iterable[str] | None) -> None:
    """`path` is relative to an object of one of `kinds` (None: any kind); raises UnknownField."""
    if not path or not isinstance(path[0], str):
        return
    if path[0] == "metadata":
        if len(path) > 1 and isinstance(path[1], str) and path[1] not in OBJECT_META:
            raise UnknownField(path[1], "metadata (ObjectMeta)", OBJECT_META)
        return
    known = [kind for kind in kinds or () if kind in TOP_LEVEL]
    if kinds is None or not known or len(known) != len(list(kinds)):
        return  # some kind is a custom resource (or any kind): its fields are not known here
    for kind in known:
        if path[0] not in TOP_LEVEL[kind]:
            raise UnknownField(path[0], f"a {kind}", TOP_LEVEL[kind])
        spec = POD_SPEC_PATHS.get(kind)
        if spec is None or tuple(path[:len(spec)]) != spec or len(path) <= len(spec):
            continue
        field = path[len(spec)]
        if isinstance(field, str) and field not in POD_SPEC:
            raise UnknownField(field, f"the pod spec of a {kind}", POD_SPEC)
        rest = path[len(spec) + 1:]
        if field in CONTAINER_LISTS and len(rest) >= 2 and isinstance(rest[0], int):
            check_container_path(rest[1:])
