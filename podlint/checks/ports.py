"""Container ports: names, numbers, duplicates, and host ports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_int, items, repeated, spec_path
from podlint.model.podspec import ContainerView, PodSpecView, Role, is_placeholder
from podlint.model.validation import go_value, port_name

PORT_RANGE = "must be between 1 and 65535, inclusive"


def ports(container: ContainerView) -> Iterator[tuple[int, dict[str, Any]]]:
    return items(container.data.get("ports"))


def protocol(port: dict[str, Any]) -> str:
    value = port.get("protocol")
    return value if isinstance(value, str) and value else "TCP"


def host_ip(port: dict[str, Any]) -> str:
    value = port.get("hostIP")
    return value if isinstance(value, str) else ""


@pod_check("invalid-port-name")
def invalid_port_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for index, port in ports(container):
            name = port.get("name")
            if not isinstance(name, str) or not name or is_placeholder(name):
                continue
            for detail in port_name(name):
                yield Problem(container.child("ports", index, "name"),
                              f"{spec_path(container, 'ports', index, 'name')}: Invalid value: "
                              f"{go_value(name)}: {detail}", anchor="value")


@pod_check("duplicate-port-name")
def duplicate_port_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    # Unique per container: Services and probes look a named port up in one container.
    for container in pod.containers():
        for index, name in repeated(container.data.get("ports"), "name"):
            yield Problem(container.child("ports", index, "name"),
                          f"{spec_path(container, 'ports', index, 'name')}: Duplicate value: {go_value(name)}",
                          anchor="value")


@pod_check("invalid-port-number")
def invalid_port_number(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for index, port in ports(container):
            container_port = as_int(port.get("containerPort"))
            where = spec_path(container, "ports", index)
            if container_port == 0:
                yield Problem(container.child("ports", index, "containerPort"),
                              f"{where}.containerPort: Required value", anchor="value")
            elif container_port is not None and not 1 <= container_port <= 65535:
                yield Problem(container.child("ports", index, "containerPort"),
                              f"{where}.containerPort: Invalid value: {container_port}: {PORT_RANGE}",
                              anchor="value")
            host_port = as_int(port.get("hostPort"))
            if host_port is not None and host_port != 0 and not 1 <= host_port <= 65535:
                yield Problem(container.child("ports", index, "hostPort"),
                              f"{where}.hostPort: Invalid value: {host_port}: {PORT_RANGE}", anchor="value")


@pod_check("host-port-conflict")
def host_port_conflict(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    # The API server checks app containers together and each init container on its own.
    app_ports: set[str] = set()
    for container in pod.containers():
        if container.role is Role.EPHEMERAL:
            continue
        taken = app_ports if container.role is Role.APP else set()
        for index, port in ports(container):
            host_port = as_int(port.get("hostPort"))
            if not host_port:
                continue
            key = f"{protocol(port)}/{host_ip(port)}/{host_port}"
            if key in taken:
                yield Problem(container.child("ports", index, "hostPort"),
                              f"{spec_path(container, 'ports', index, 'hostPort')}: Duplicate value: {go_value(key)}",
                              anchor="value")
            taken.add(key)


@pod_check("host-network-host-port")
def host_network_host_port(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if not pod.host_network:
        return
    for container in pod.containers():
        if container.role is not Role.APP:
            continue
        for index, port in ports(container):
            host_port = as_int(port.get("hostPort"))
            container_port = as_int(port.get("containerPort"))
            # An unset (0) hostPort is allowed: on Pods it is defaulted to containerPort.
            if host_port and container_port is not None and host_port != container_port:
                yield Problem(container.child("ports", index, "hostPort"),
                              f"{spec_path(container, 'ports', index, 'hostPort')}: Invalid value: {host_port}: "
                              "must match `containerPort` when `hostNetwork` is true", anchor="value")


def _visit_order(pod: PodSpecView) -> list[ContainerView]:
    """Containers in the order of the API server's warnings: init, app, ephemeral."""
    order = {"initContainers": 0, "containers": 1, "ephemeralContainers": 2}
    return sorted(pod.containers(), key=lambda c: order[c.list_name])


@pod_check("duplicate-port")
def duplicate_port(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    # (number, protocol) -> (container, index, port) of the ports seen so far; paths named only for a problem
    seen: dict[tuple[int, str], list[tuple[ContainerView, int, dict[str, Any]]]] = {}
    for container in _visit_order(pod):
        for index, port in ports(container):
            number = as_int(port.get("containerPort"))
            if number is None:
                continue
            key = (number, protocol(port))
            earlier = seen.get(key)
            if earlier is None:
                seen[key] = [(container, index, port)]
                continue
            for other_container, other_index, other in earlier:
                detail = _port_overlap(port, other)
                if detail:
                    yield Problem((*container.path, "ports", index),
                                  f"{spec_path(container, 'ports', index)}: {detail} with "
                                  f"{spec_path(other_container, 'ports', other_index)}")
            earlier.append((container, index, port))


def _port_overlap(port: dict[str, Any], other: dict[str, Any]) -> str | None:
    host_port, other_host_port = as_int(port.get("hostPort")) or 0, as_int(other.get("hostPort")) or 0
    ip, other_ip = host_ip(port), host_ip(other)
    if ip == other_ip and host_port == other_host_port:
        return "duplicate port definition"
    if host_port == 0 or other_host_port == 0:
        return "overlapping port definition"
    if host_port == other_host_port and (ip == "") != (other_ip == ""):
        return "dangerously ambiguous port definition"
    return None
