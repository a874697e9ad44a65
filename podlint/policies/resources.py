"""Kinds -> API resources, as admission rules name them (`Deployment` -> `apps`, `v1`, `deployments`).

A small table of the built-in kinds that are not the plural guess or are cluster-scoped; every
other kind (custom resources included) gets the plural guess and namespaced scope.
"""

from __future__ import annotations

from typing import Any

from podlint.model.objects import K8sObject

# Kinds whose resource name is not the plural guess, and the built-in cluster-scoped kinds.
IRREGULAR_RESOURCES = {"Endpoints": "endpoints"}
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
    "CustomResourceDefinition", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding", "APIService", "CSIDriver", "CSINode", "IngressClass", "RuntimeClass",
    "VolumeAttachment", "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus",
    "DeviceClass",
})


def resource_of(kind: str) -> str:
    """`Deployment` -> `deployments`, `NetworkPolicy` -> `networkpolicies`, `Ingress` -> `ingresses`."""
    if kind in IRREGULAR_RESOURCES:
        return IRREGULAR_RESOURCES[kind]
    lower = kind.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        return lower[:-1] + "ies"
    return lower + "s"


def group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def admission_request(obj: K8sObject) -> dict[str, Any]:
    """The admission request a CREATE of this object would make (what offline can know of it)."""
    group, version = group_version(obj.api_version)
    kind = {"group": group, "version": version, "kind": obj.kind}
    resource = {"group": group, "version": version, "resource": resource_of(obj.kind)}
    return {
        "uid": "", "kind": kind, "resource": resource, "subResource": "", "requestKind": kind,
        "requestResource": resource, "requestSubResource": "", "name": obj.name, "namespace": obj.namespace,
        "operation": "CREATE", "userInfo": {"username": "", "uid": "", "groups": []}, "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }
