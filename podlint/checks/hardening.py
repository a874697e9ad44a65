"""Hardening and hygiene (the `strict` profile): what works today but widens the blast radius."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, pod_check
from podlint.model.objects import LONG_RUNNING_CONTROLLERS
from podlint.model.podspec import ContainerView, PodSpecView, Role

DANGEROUS_CAPABILITIES = frozenset({"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "NET_RAW",
                                    "DAC_READ_SEARCH", "SYS_RAWIO", "BPF", "PERFMON"})
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def _security(data: dict[str, Any]) -> dict[str, Any]:
    return _mapping(data.get("securityContext"))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _hardened(pod: PodSpecView) -> Iterator[ContainerView]:
    """Containers that run the workload (ephemeral debug containers are someone's deliberate choice)."""
    return (c for c in pod.containers() if c.role is not Role.EPHEMERAL)


@pod_check("privileged-container")
def privileged_container(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in _hardened(pod):
        if _security(container.data).get("privileged") is True:
            yield Problem(container.child("securityContext", "privileged"),
                          f"{container.label} runs privileged: it has every capability and all host devices")


@pod_check("privilege-escalation")
def privilege_escalation(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in _hardened(pod):
        security = _security(container.data)
        value = security.get("allowPrivilegeEscalation")
        if value is False:
            continue
        if value is True:
            yield Problem(container.child("securityContext", "allowPrivilegeEscalation"),
                          f"{container.label} allows privilege escalation (setuid binaries can gain root)")
        else:
            yield Problem(container.path, f"{container.label} does not set allowPrivilegeEscalation: false "
                          "(it defaults to allowed)")


@pod_check("run-as-root")
def run_as_root(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    pod_security = _security(pod.data)
    for container in _hardened(pod):
        security = _security(container.data)
        user = security.get("runAsUser", pod_security.get("runAsUser"))
        if user == 0:
            where = (container.child("securityContext", "runAsUser") if "runAsUser" in security
                     else pod.child("securityContext", "runAsUser"))
            yield Problem(where, f"{container.label} runs as root (runAsUser: 0)", anchor="value")
            continue
        non_root = security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
        if non_root is True or (isinstance(user, int) and not isinstance(user, bool) and user > 0):
            continue
        yield Problem(container.path, f"{container.label} may run as root: set runAsNonRoot: true "
                      "(pod or container securityContext) or a non-zero runAsUser")


@pod_check("writable-root-filesystem")
def writable_root_filesystem(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in _hardened(pod):
        if _security(container.data).get("readOnlyRootFilesystem") is not True:
            yield Problem(container.path, f"{container.label} has a writable root filesystem: set "
                          "securityContext.readOnlyRootFilesystem: true and mount writable volumes where needed")


@pod_check("added-capabilities")
def added_capabilities(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in _hardened(pod):
        capabilities = _security(container.data).get("capabilities")
        added = capabilities.get("add") if isinstance(capabilities, dict) else None
        if not isinstance(added, list):
            continue
        for index, capability in enumerate(added):
            name = str(capability).upper().removeprefix("CAP_")
            if name in DANGEROUS_CAPABILITIES:
                yield Problem(container.child("securityContext", "capabilities", "add", index),
                              f"{container.label} adds the capability {capability}", anchor="value")


@pod_check("host-path-volume")
def host_path_volume(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    volumes = pod.data.get("volumes")
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if isinstance(volume, dict) and isinstance(volume.get("hostPath"), dict):
            path = volume["hostPath"].get("path", "")
            yield Problem(pod.child("volumes", index, "hostPath"),
                          f"volume {volume.get('name', '')!r} mounts the host path {path!r}: the pod can read or "
                          "change the node")


@pod_check("host-namespaces")
def host_namespaces(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for field in HOST_NAMESPACES:
        if pod.data.get(field) is True:
            yield Problem(pod.child(field), f"{field}: true shares the node's {field[4:].lower()} namespace with "
                          "the pod")


@pod_check("missing-probes")
def missing_probes(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if pod.obj.kind not in LONG_RUNNING_CONTROLLERS:
        return
    for container in pod.containers():
        if container.role is not Role.APP:
            continue
        missing = [probe for probe in ("readinessProbe", "livenessProbe") if probe not in container.data]
        if missing:
            yield Problem(container.path, f"{container.label} has no {' or '.join(missing)}")


@pod_check("missing-resource-requests")
def missing_resource_requests(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in _hardened(pod):
        requests = _mapping(container.resources.get("requests"))
        limits = _mapping(container.resources.get("limits"))
        # A missing request defaults to the limit, so a limit alone is a request too.
        missing = [name for name in ("cpu", "memory") if name not in requests and name not in limits]
        if missing:
            yield Problem(container.path, f"{container.label} has no {' or '.join(missing)} request: the scheduler "
                          "cannot place it by need")
