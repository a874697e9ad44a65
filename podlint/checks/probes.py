"""Liveness, readiness and startup probes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, as_int, items, spec_path
from podlint.model.podspec import ContainerView, PodSpecView, Role, is_placeholder
from podlint.model.validation import port_name

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
TIMINGS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")
# Zero or unset timings are defaulted to these (core/v1 SetDefaults_Probe).
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                  "failureThreshold": 3}


def probed(pod: PodSpecView) -> Iterator[ContainerView]:
    """Containers whose probes the API server validates: app containers and native sidecars.

    Probes on plain init containers are forbidden outright (init-container-probe); ephemeral
    containers may not have them either.
    """
    return (c for c in pod.containers() if c.role in (Role.APP, Role.SIDECAR))


def probes(container: ContainerView) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in PROBES:
        probe = container.data.get(kind)
        if isinstance(probe, dict):
            yield kind, probe


@pod_check("invalid-probe-handler")
def invalid_probe_handler(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in probed(pod):
        for kind, probe in probes(container):
            handlers = [key for key in PROBE_HANDLERS if probe.get(key) is not None]
            if len(handlers) == 1:
                continue
            where = spec_path(container, kind)
            if not handlers:
                yield Problem(container.child(kind), f"{where}: Required value: must specify a handler type")
            for extra in handlers[1:]:
                yield Problem(container.child(kind, extra),
                              f"{where}.{extra}: Forbidden: may not specify more than 1 handler type "
                              f"(already {handlers[0]})")


@pod_check("invalid-probe-timing")
def invalid_probe_timing(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in probed(pod):
        for kind, probe in probes(container):
            for field in TIMINGS:
                value = as_int(probe.get(field))
                if value is not None and value < 0:
                    yield Problem(container.child(kind, field), f"{spec_path(container, kind)}.{field}: Invalid "
                                  f"value: {value}: must be greater than or equal to 0", anchor="value")
            grace = as_int(probe.get("terminationGracePeriodSeconds"))
            if grace is None:
                continue
            where = spec_path(container, kind)
            if kind == "readinessProbe":
                yield Problem(container.child(kind, "terminationGracePeriodSeconds"),
                              f"{where}.terminationGracePeriodSeconds: Invalid value: {grace}: must not be set "
                              "for readinessProbes")
            elif grace <= 0:
                yield Problem(container.child(kind, "terminationGracePeriodSeconds"),
                              f"{where}.terminationGracePeriodSeconds: Invalid value: {grace}: must be greater "
                              "than 0", anchor="value")


@pod_check("probe-success-threshold")
def probe_success_threshold(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in probed(pod):
        for kind, probe in probes(container):
            value = as_int(probe.get("successThreshold"))
            if kind == "readinessProbe" or value is None or value in (0, 1) or value < 0:
                continue  # 0 is defaulted to 1; negatives are invalid-probe-timing's
            yield Problem(container.child(kind, "successThreshold"),
                          f"{spec_path(container, kind, 'successThreshold')}: Invalid value: {value}: must be 1",
                          anchor="value")


@pod_check("probe-port-not-exposed")
def probe_port_not_exposed(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in probed(pod):
        names: set[str] | None = None  # the container's port names, gathered for a named probe port only
        for kind, probe in probes(container):
            for handler in ("httpGet", "tcpSocket"):
                port = as_dict(probe.get(handler)).get("port")
                if not isinstance(port, str) or port_name(port) or is_placeholder(port):
                    continue  # a number, or not a port name at all (invalid, or a placeholder)
                if names is None:
                    names = {name for _, item in items(container.data.get("ports"))
                             if isinstance(name := item.get("name"), str)}
                if port not in names:
                    yield Problem(container.child(kind, handler, "port"),
                                  f"{spec_path(container, kind, handler, 'port')}: port name {port!r} is not "
                                  f"among the ports of {container.label}: the kubelet cannot resolve it, so "
                                  "the probe always fails", anchor="value")


def _effective(probe: dict[str, Any]) -> dict[str, Any]:
    """A probe with its defaults filled in, for comparison."""
    effective = dict(probe)
    for field, default in PROBE_DEFAULTS.items():
        if not as_int(effective.get(field)):
            effective[field] = default
    return effective


@pod_check("liveness-equals-readiness")
def liveness_equals_readiness(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in probed(pod):
        liveness, readiness = container.data.get("livenessProbe"), container.data.get("readinessProbe")
        if not isinstance(liveness, dict) or not isinstance(readiness, dict):
            continue
        if _effective(liveness) == _effective(readiness):
            yield Problem(container.child("livenessProbe"),
                          f"{container.label}: livenessProbe is identical to readinessProbe: when the "
                          "container is slow, it is restarted at the moment it is taken out of service, "
                          "and the restarts can cascade")


@pod_check("probe-port-udp")
def probe_port_udp(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in probed(pod):
        protocols: dict[str, str] | None = None  # port name -> protocol, gathered for a named probe port only
        for kind, probe in probes(container):
            for handler in ("httpGet", "tcpSocket"):
                port = as_dict(probe.get(handler)).get("port")
                if not isinstance(port, str) or is_placeholder(port):
                    continue
                if protocols is None:
                    protocols = {name: str(item.get("protocol") or "TCP")
                                 for _, item in items(container.data.get("ports"))
                                 if isinstance(name := item.get("name"), str)}
                protocol = protocols.get(port)
                if protocol is not None and protocol != "TCP":
                    yield Problem(container.child(kind, handler, "port"),
                                  f"{spec_path(container, kind, handler, 'port')}: port {port!r} is declared with "
                                  f"protocol {protocol}, but {handler} probes connect over TCP: the probe cannot "
                                  "succeed unless the process also listens on TCP", anchor="value")
