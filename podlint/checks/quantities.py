"""Resource names and amounts as the API server checks them (CPU/memory limits are resources.py's)."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, spec_path
from podlint.model.podspec import ContainerView, PodSpecView, is_placeholder
from podlint.model.quantity import OUT_OF_RANGE, Invalid, parse_quantity, read_quantity
from podlint.model.validation import go_value, qualified_name

STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
BYTE_RESOURCES = ("memory", "ephemeral-storage")


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _is_extended(name: str) -> bool:
    """A prefixed name outside kubernetes.io: a device plugin's resource (GPUs, NICs, ...)."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


def resource_maps(container: ContainerView) -> Iterator[tuple[str, dict[str, object]]]:
    for kind in ("limits", "requests"):
        amounts = as_dict(container.resources.get(kind))
        if amounts:
            yield kind, amounts


@pod_check("invalid-resource-name")
def invalid_resource_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for kind, amounts in resource_maps(container):
            for name in amounts:
                if "/" not in name:
                    if name in STANDARD_CONTAINER_RESOURCES or (_is_hugepages(name) and len(name) > 10):
                        continue
                    if is_placeholder(name):
                        continue
                    detail = "must be a standard resource for containers"
                else:
                    if is_placeholder(name):
                        continue
                    errors = qualified_name(name)
                    if not errors:
                        continue
                    detail = f"doesn't follow extended resource name standard ({errors[0]})"
                yield Problem(container.child("resources", kind, name),
                              f"{spec_path(container, 'resources', kind)}[{name}]: Invalid value: "
                              f"{go_value(name)}: {detail}")


@pod_check("invalid-quantity")
def invalid_quantity(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for kind, amounts in resource_maps(container):
            for name, value in amounts.items():
                if value is None or isinstance(value, bool) or is_placeholder(value):
                    continue
                amount = read_quantity(value)
                if not isinstance(amount, Invalid) and amount.numerator >= 0:  # (a Fraction's sign is its numerator's)
                    continue
                if isinstance(amount, Invalid) and amount is not OUT_OF_RANGE and not isinstance(value, str):
                    continue  # a list or a mapping: the schema stage reports its type
                where = f"{spec_path(container, 'resources', kind)}[{name}]"
                detail = amount if isinstance(amount, Invalid) else "must be greater than or equal to 0"
                yield Problem(container.child("resources", kind, name), f"{where}: Invalid value: {go_value(value)}: "
                              f"{detail}", anchor="value")


@pod_check("non-overcommittable-resource")
def non_overcommittable_resource(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        limits = as_dict(container.resources.get("limits"))
        requests = as_dict(container.resources.get("requests"))
        for name in dict.fromkeys([*limits, *requests]):
            if name in STANDARD_CONTAINER_RESOURCES or not (_is_extended(name) or _is_hugepages(name)):
                continue
            limit = parse_quantity(limits.get(name)) if name in limits else None
            request = parse_quantity(requests.get(name)) if name in requests else None
            base = spec_path(container, "resources")
            if _is_extended(name):
                for kind, amount in (("limits", limit), ("requests", request)):
                    if amount is not None and amount.denominator != 1:
                        value = (limits if kind == "limits" else requests)[name]
                        yield Problem(container.child("resources", kind, name),
                                      f"{base}.{kind}[{name}]: Invalid value: {go_value(value)}: must be an integer",
                                      anchor="value")
            if request is not None and name not in limits:
                yield Problem(container.child("resources", "requests", name),
                              f"{base}.limits: Required value: Limit must be set for non overcommitable "
                              f"resources ({name})")
            elif request is not None and limit is not None and request < limit:
                # (a request above its limit is requests-exceed-limits' finding)
                yield Problem(container.child("resources", "requests", name),
                              f"{base}.requests[{name}]: Invalid value: {go_value(requests[name])}: must be equal "
                              f"to {name} limit of {limits[name]}", anchor="value")


@pod_check("fractional-byte-quantity")
def fractional_byte_quantity(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for kind, amounts in resource_maps(container):
            for name in BYTE_RESOURCES:
                if name not in amounts:
                    continue
                amount = parse_quantity(amounts[name])
                if amount is None or amount.denominator == 1:
                    continue
                yield Problem(container.child("resources", kind, name),
                              f"{spec_path(container, 'resources', kind)}[{name}]: fractional byte value "
                              f"{go_value(amounts[name])} is invalid, must be an integer", anchor="value")
