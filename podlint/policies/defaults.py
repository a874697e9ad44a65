"""The object an admission policy sees: the manifest after the API server's defaulting.

Validating admission runs after defaulting, so a Deployment without `replicas` reaches a
policy with `replicas: 1`, and `object.spec.replicas <= 5` holds for it. Evaluating the
manifest as written would turn every such field into a "no such key" error and a false
rejection. The defaults applied here are the documented ones that policies commonly read
(`../shared/docs/k8s-validation-notes.md` §2); custom rules, by contrast, see the manifest as
written, so that a team can require a field to be set explicitly.
"""

from __future__ import annotations

import copy
from typing import Any

from podlint.model.objects import POD_SPEC_PATHS, K8sObject, lookup
from podlint.model.podspec import CONTAINER_LISTS, parse_image
from podlint.policies.resources import admission_request

_PROBE = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
_ROLLING = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
# (group, kind) -> defaults of its spec (merged under what the manifest sets).
_SPEC_DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("apps", "Deployment"): {"replicas": 1, "strategy": _ROLLING, "progressDeadlineSeconds": 600,
                             "revisionHistoryLimit": 10},
    ("apps", "ReplicaSet"): {"replicas": 1},
    ("apps", "StatefulSet"): {"replicas": 1, "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10,
                              "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
    ("apps", "DaemonSet"): {"revisionHistoryLimit": 10, "updateStrategy": {
        "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}},
    ("", "ReplicationController"): {"replicas": 1},
    ("batch", "Job"): {"backoffLimit": 6, "completionMode": "NonIndexed"},
    ("batch", "CronJob"): {"concurrencyPolicy": "Allow", "successfulJobsHistoryLimit": 3,
                           "failedJobsHistoryLimit": 1, "suspend": False},
    ("", "Service"): {"type": "ClusterIP", "sessionAffinity": "None"},
}
_POD_SPEC = {"dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
             "schedulerName": "default-scheduler", "securityContext": {}}


def _merge(target: dict[str, Any], defaults: dict[str, Any]) -> None:
    """Fill what `target` leaves out; mappings it sets are filled in turn."""
    for key, value in defaults.items():
        if key not in target or target[key] is None:
            target[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(target[key], dict):
            _merge(target[key], value)


def _container(container: dict[str, Any]) -> None:
    image = container.get("image")
    if not container.get("imagePullPolicy") and isinstance(image, str):
        tag = parse_image(image.strip())
        latest = tag.tag == "latest" or tag.implicit_latest
        container["imagePullPolicy"] = "Always" if latest else "IfNotPresent"
    _merge(container, {"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            _merge(port, {"protocol": "TCP"})
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(probe), dict):
            _merge(container[probe], _PROBE)
            if isinstance(container[probe].get("httpGet"), dict):
                _merge(container[probe]["httpGet"], {"path": "/", "scheme": "HTTP"})


def _pod_spec(spec: dict[str, Any], is_pod: bool) -> None:
    _merge(spec, _POD_SPEC)
    if is_pod:
        _merge(spec, {"enableServiceLinks": True})
    for list_name, _role in CONTAINER_LISTS:
        for container in spec.get(list_name) or []:
            if not isinstance(container, dict):
                continue
            _container(container)
            resources = container.get("resources")
            if is_pod and isinstance(resources, dict) and isinstance(resources.get("limits"), dict):
                requests = resources.setdefault("requests", {})
                if isinstance(requests, dict):
                    _merge(requests, resources["limits"])  # a missing request is set to the limit
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict) and set(volume) <= {"name"}:
            volume["emptyDir"] = {}


def defaulted(obj: K8sObject) -> dict[str, Any]:
    """A copy of the object as the API server stores it (the defaults above applied)."""
    data = copy.deepcopy(obj.data)
    spec = data.get("spec")
    defaults = _SPEC_DEFAULTS.get((obj.group, obj.kind))
    if defaults is not None and isinstance(spec, dict):
        _merge(spec, defaults)
        if obj.kind == "Job" and "completions" not in spec and "parallelism" not in spec:
            _merge(spec, {"completions": 1})
        if obj.kind == "Job":
            _merge(spec, {"parallelism": 1})
        if obj.kind == "Service":
            for port in spec.get("ports") or []:
                if isinstance(port, dict):
                    _merge(port, {"protocol": "TCP", "targetPort": port.get("port")})
    path = POD_SPEC_PATHS.get(obj.kind)
    pod_spec = lookup(data, path) if path is not None and obj.group in ("", "apps", "batch") else None
    if isinstance(pod_spec, dict):
        _pod_spec(pod_spec, is_pod=obj.kind == "Pod")
    return data


class Defaulter:
    """What a policy is given for an object, made once however many policies read it.

    Returns the defaulted object and the admission request; the last object is kept.
    """

    def __init__(self) -> None:
        self._source: Any = None
        self._result: tuple[dict[str, Any], dict[str, Any]] = ({}, {})

    def __call__(self, obj: K8sObject) -> tuple[dict[str, Any], dict[str, Any]]:
        if self._source is not obj.data:  # identity: the source is held, so its id cannot be reused
            self._source = obj.data
            self._result = (defaulted(obj), admission_request(obj))
        return self._result
