"""Names the API server validates: objects (per kind), containers and volumes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from podlint.checks import Context, Problem, object_check, pod_check
from podlint.checks.fields import as_int, items, spec_path, unrendered
from podlint.model.objects import K8sObject
from podlint.model.podspec import PodSpecView
from podlint.model.validation import DNS_LABEL_MAX, dns1035_label, dns_label, dns_subdomain, go_value

Validator = Callable[[str], list[str]]

# metadata.name rules of the built-in kinds, by API group ("" is the core group).
OBJECT_NAME_RULES: dict[tuple[str, str], Validator] = {
    **{("", kind): dns_subdomain for kind in (
        "Pod", "ReplicationController", "ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim",
        "PersistentVolume", "PodTemplate", "LimitRange", "ResourceQuota", "Endpoints", "Node")},
    **{("apps", kind): dns_subdomain for kind in ("Deployment", "ReplicaSet", "DaemonSet")},
    **{("batch", kind): dns_subdomain for kind in ("Job", "CronJob")},
    ("policy", "PodDisruptionBudget"): dns_subdomain,
    ("autoscaling", "HorizontalPodAutoscaler"): dns_subdomain,
    ("networking.k8s.io", "Ingress"): dns_subdomain,
    ("networking.k8s.io", "NetworkPolicy"): dns_subdomain,
    ("networking.k8s.io", "IngressClass"): dns_subdomain,
    ("storage.k8s.io", "StorageClass"): dns_subdomain,
    ("scheduling.k8s.io", "PriorityClass"): dns_subdomain,
    ("", "Namespace"): dns_label,
    ("apps", "StatefulSet"): dns_label,  # its pods' hostnames are `<name>-<ordinal>`
    ("", "Service"): dns1035_label,  # it becomes a DNS name and environment variable names
}
CRONJOB_NAME_MAX = 52  # the CronJob controller appends an 11-character suffix to name its Jobs


def _name_problems(obj: K8sObject, name: str) -> Iterator[str]:
    validator = OBJECT_NAME_RULES.get((obj.group, obj.kind))
    if validator is None:
        return
    yield from validator(name)
    if obj.kind == "CronJob" and obj.group == "batch" and len(name) > CRONJOB_NAME_MAX:
        yield f"must be no more than {CRONJOB_NAME_MAX} characters"
    if obj.kind != "Job" or obj.group != "batch":
        return
    if len(name) > DNS_LABEL_MAX and obj.get(("spec", "manualSelector")) is not True:
        yield (f"must be no more than {DNS_LABEL_MAX} characters (the name becomes the value of the "
               "`job-name` label of the Job's pods)")
    completions = as_int(obj.get(("spec", "completions")))
    if obj.get(("spec", "completionMode")) == "Indexed" and completions is not None and completions > 0:
        pod_name = f"{name}-{completions - 1}"
        if dns_label(pod_name):
            yield f"will not able to create pod with invalid DNS label: {pod_name}"


@object_check("invalid-object-name")
def invalid_object_name(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    name = obj.metadata.get("name")
    if not isinstance(name, str) or not name or unrendered(name):
        return  # a missing name (or generateName) is the schema's concern
    for detail in dict.fromkeys(_name_problems(obj, name)):
        yield Problem(("metadata", "name"), f"metadata.name: Invalid value: {go_value(name)}: {detail}",
                      anchor="value")


@pod_check("invalid-container-name")
def invalid_container_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        name = container.data.get("name")
        if name == "":
            yield Problem(container.child("name"), f"{spec_path(container, 'name')}: Required value")
        if not isinstance(name, str) or not name or unrendered(name):
            continue
        for detail in dns_label(name):
            yield Problem(container.child("name"),
                          f"{spec_path(container, 'name')}: Invalid value: {go_value(name)}: {detail}",
                          anchor="value")


@pod_check("invalid-volume-name")
def invalid_volume_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for index, volume in items(pod.data.get("volumes")):
        name = volume.get("name")
        path = pod.child("volumes", index, "name")
        if name == "":
            yield Problem(path, f"volumes[{index}].name: Required value")
        if not isinstance(name, str) or not name or unrendered(name):
            continue
        for detail in dns_label(name):
            yield Problem(path, f"volumes[{index}].name: Invalid value: {go_value(name)}: {detail}",
                          anchor="value")
