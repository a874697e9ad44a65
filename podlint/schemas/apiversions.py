"""Which apiVersion serves a kind in the target Kubernetes version: removed, deprecated, or not yet.

Two sources: the Kubernetes deprecation guide (kubernetes.io/docs/reference/using-api/
deprecation-guide/) for what was removed before the oldest shipped schemas, and the shipped
schemas themselves for 1.29 onwards (an apiVersion/kind that an older shipped version serves
and the target does not has been removed).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from podlint.patterns import lazy
from podlint.schemas.versions import Version, format_version

REMOVED = "removed-api-version"
DEPRECATED = "deprecated-api-version"

_APPS = "apps/v1"
_NO_PSP = "no replacement: use Pod Security Admission (the pod-security.kubernetes.io namespace labels)"

# (apiVersion, kind) -> (the release that stopped serving it, what to use instead).
REMOVALS: dict[tuple[str, str], tuple[Version, str]] = {
    **{(api, kind): ((1, 16), _APPS) for api in ("extensions/v1beta1", "apps/v1beta1", "apps/v1beta2")
       for kind in ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "ControllerRevision")},
    ("admissionregistration.k8s.io/v1alpha1", "InitializerConfiguration"): (
        (1, 14), "no replacement: use admission webhooks (admissionregistration.k8s.io/v1)"),
    ("extensions/v1beta1", "NetworkPolicy"): ((1, 16), "networking.k8s.io/v1"),
    ("extensions/v1beta1", "PodSecurityPolicy"): ((1, 16), _NO_PSP),
    ("extensions/v1beta1", "Ingress"): ((1, 22), "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "Ingress"): ((1, 22), "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "IngressClass"): ((1, 22), "networking.k8s.io/v1"),
    **{("admissionregistration.k8s.io/v1beta1", kind): ((1, 22), "admissionregistration.k8s.io/v1")
       for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")},
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"): ((1, 22), "apiextensions.k8s.io/v1"),
    ("apiregistration.k8s.io/v1beta1", "APIService"): ((1, 22), "apiregistration.k8s.io/v1"),
    ("authentication.k8s.io/v1beta1", "TokenReview"): ((1, 22), "authentication.k8s.io/v1"),
    **{("authorization.k8s.io/v1beta1", kind): ((1, 22), "authorization.k8s.io/v1")
       for kind in ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")},
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"): ((1, 22), "certificates.k8s.io/v1"),
    ("coordination.k8s.io/v1beta1", "Lease"): ((1, 22), "coordination.k8s.io/v1"),
    **{("rbac.authorization.k8s.io/v1beta1", kind): ((1, 22), "rbac.authorization.k8s.io/v1")
       for kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")},
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): ((1, 22), "scheduling.k8s.io/v1"),
    **{("storage.k8s.io/v1beta1", kind): ((1, 22), "storage.k8s.io/v1")
       for kind in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")},
    ("batch/v1beta1", "CronJob"): ((1, 25), "batch/v1"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): ((1, 25), "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", "Event"): ((1, 25), "events.k8s.io/v1"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): ((1, 25), "autoscaling/v2"),
    ("policy/v1beta1", "PodDisruptionBudget"): ((1, 25), "policy/v1"),
    ("policy/v1beta1", "PodSecurityPolicy"): ((1, 25), _NO_PSP),
    ("node.k8s.io/v1beta1", "RuntimeClass"): ((1, 25), "node.k8s.io/v1"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): ((1, 26), "autoscaling/v2"),
    **{(f"flowcontrol.apiserver.k8s.io/{version}", kind): (removed, "flowcontrol.apiserver.k8s.io/v1")
       for version, removed in (("v1beta1", (1, 26)), ("v1beta2", (1, 29)), ("v1beta3", (1, 32)))
       for kind in ("FlowSchema", "PriorityLevelConfiguration")},
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): ((1, 27), "storage.k8s.io/v1"),
}

# Still served, but deprecated: (apiVersion, kind) -> (deprecated since, what to use instead).
DEPRECATIONS: dict[tuple[str, str], tuple[Version, str]] = {
    ("v1", "ComponentStatus"): ((1, 19), "no replacement: query the components' health endpoints"),
    ("v1", "Endpoints"): ((1, 33), "discovery.k8s.io/v1 EndpointSlice"),
    **{(f"flowcontrol.apiserver.k8s.io/{version}", kind): (since, "flowcontrol.apiserver.k8s.io/v1")
       for version, since in (("v1beta2", (1, 26)), ("v1beta3", (1, 29)))
       for kind in ("FlowSchema", "PriorityLevelConfiguration")},
}

_PRERELEASE = lazy(r"^v\d+(alpha|beta)\d+$")


class Served(NamedTuple):
    """Where an apiVersion/kind is served, as the shipped schemas know it."""

    target: Version
    newest: Version  # the newest shipped version
    serving: list[Version]  # the shipped versions that serve it
    siblings: list[str]  # apiVersions of the same group serving the kind in the target, most stable first


class Verdict(NamedTuple):
    rule: str  # removed-api-version, deprecated-api-version, or schema (not served yet)
    message: str


def verdict(api_version: str, kind: str, served: Served) -> Verdict | None:
    """None when the target serves `api_version` for `kind` without deprecation."""
    target = served.target
    what = f"{kind} {api_version}"
    removal = REMOVALS.get((api_version, kind))
    if removal is not None and target >= removal[0]:
        return Verdict(REMOVED, f"{what} was removed in Kubernetes {format_version(removal[0])} "
                                f"(target {format_version(target)}): {_use(removal[1])}")
    if target not in served.serving:
        older = [v for v in served.serving if v < target]
        if older:
            removed_in = _next_minor(max(older))
            return Verdict(REMOVED, f"{what} is not served since Kubernetes {format_version(removed_in)} "
                                    f"(target {format_version(target)}): {_instead(served)}")
        newer = [v for v in served.serving if v > target]
        if newer:
            return Verdict("schema", f"{what} is not served yet by Kubernetes {format_version(target)} "
                                     f"(first served in {format_version(min(newer))}): {_instead(served)}")
        return None
    deprecation = DEPRECATIONS.get((api_version, kind))
    if deprecation is not None and target >= deprecation[0]:
        return Verdict(DEPRECATED, f"{what} is deprecated since Kubernetes {format_version(deprecation[0])}"
                                   f"{_until(served)}: {_use(deprecation[1])}")
    version = api_version.rpartition("/")[2]
    stable = [s for s in served.siblings if not _PRERELEASE.match(s.rpartition("/")[2])]
    if _PRERELEASE.match(version) and stable:
        return Verdict(DEPRECATED, f"{what} is a pre-release version{_until(served)}; "
                                   f"the stable {stable[0]} serves {kind}: use it")
    return None


def _use(replacement: str) -> str:
    return replacement if replacement.startswith("no replacement") else f"use {replacement}"


def _next_minor(version: Version) -> Version:
    return version[0], version[1] + 1


def _until(served: Served) -> str:
    """When the shipped schemas say it goes away after the target, if they do."""
    gone = [_next_minor(v) for v in served.serving
            if served.target <= v < served.newest and _next_minor(v) not in served.serving]
    if not gone:
        return ""
    return f" and no longer served from Kubernetes {format_version(min(gone))}"


def stability(api_version: str) -> tuple[int, int, int]:
    """Sort key, most stable first: v2 before v1 before v1beta2 before v1alpha1."""
    match = re.match(r"^v(\d+)(?:(alpha|beta)(\d+))?$", api_version.rpartition("/")[2])
    if match is None:
        return (9, 0, 0)
    level = {None: 0, "beta": 1, "alpha": 2}[match.group(2)]
    return (level, -int(match.group(1)), -int(match.group(3) or 0))


def _instead(served: Served) -> str:
    if not served.siblings:
        return "no other version of its group serves this kind there"
    return f"use {served.siblings[0]}"
