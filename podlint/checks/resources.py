"""CPU and memory requests and limits."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.model.podspec import PodSpecView, Role
from podlint.model.quantity import at_most, parse_quantity

REQUIRED_LIMITS = ("cpu", "memory")  # the default of the rule option `require`


@pod_check("missing-resource-limits")
def missing_resource_limits(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        if container.role is Role.EPHEMERAL:  # ephemeral containers may not set resources
            continue
        limits = container.resources.get("limits")
        limits = limits if isinstance(limits, dict) else {}
        required = ctx.option("missing-resource-limits", "require", REQUIRED_LIMITS)
        missing = [name for name in required if limits.get(name) in (None, "")]
        if missing:
            yield Problem(
                container.path,
                f"{container.label} has no {' or '.join(missing)} limit",
            )


@pod_check("requests-exceed-limits")
def requests_exceed_limits(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        requests = container.resources.get("requests")
        limits = container.resources.get("limits")
        if not isinstance(requests, dict) or not isinstance(limits, dict):
            continue
        for name, requested in requests.items():
            if name not in limits:
                continue
            request_amount = parse_quantity(requested)
            limit_amount = parse_quantity(limits[name])
            if request_amount is None or limit_amount is None or at_most(request_amount, limit_amount):
                continue
            yield Problem(
                container.child("resources", "requests", name),
                f'resources.requests[{name}]: Invalid value: "{requested}": must be less than or equal '
                f"to {name} limit of {limits[name]}",
                anchor="value",
            )
