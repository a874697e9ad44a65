"""Pod-spec rules that depend on the owning workload, and rollout strategies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, object_check, pod_check
from podlint.checks.fields import as_dict, as_int, spec_path
from podlint.findings import format_path
from podlint.model.objects import LONG_RUNNING_CONTROLLERS, K8sObject
from podlint.model.podspec import PodSpecView, Role
from podlint.model.validation import go_value
from podlint.patterns import lazy
from podlint.schemas.versions import Version

INT32_MAX = 2_147_483_647
CONTAINER_RESTART_RULES_SINCE: Version = (1, 35)  # ContainerRestartRules beta: on by default
# How the API server names the controller in "activeDeadlineSeconds in X is not Supported".
_DEADLINE_OWNER = {"Deployment": "ReplicaSet", "ReplicaSet": "ReplicaSet", "DaemonSet": "DaemonSet",
                   "StatefulSet": "StatefulSet", "ReplicationController": "ReplicationController"}
_PERCENT = lazy(r"^[0-9]+%$")


@pod_check("active-deadline-on-controller")
def active_deadline_on_controller(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    owner = _DEADLINE_OWNER.get(pod.obj.kind)
    value = pod.data.get("activeDeadlineSeconds")
    if owner is None or value is None:
        return
    yield Problem(pod.child("activeDeadlineSeconds"),
                  f"spec.template.spec.activeDeadlineSeconds: Invalid value: {go_value(value)}: "
                  f"activeDeadlineSeconds in {owner} is not Supported")


@pod_check("invalid-active-deadline")
def invalid_active_deadline(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    value = as_int(pod.data.get("activeDeadlineSeconds"))
    if value is None or 1 <= value <= INT32_MAX or pod.obj.kind in LONG_RUNNING_CONTROLLERS:
        return
    yield Problem(pod.child("activeDeadlineSeconds"),
                  f"activeDeadlineSeconds: Invalid value: {value}: must be between 1 and {INT32_MAX}, inclusive",
                  anchor="value")


@pod_check("negative-grace-period")
def negative_grace_period(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    value = as_int(pod.data.get("terminationGracePeriodSeconds"))
    if value is not None and value < 0:
        yield Problem(pod.child("terminationGracePeriodSeconds"),
                      "terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be "
                      "treated as 1", anchor="value")


@pod_check("forbidden-ephemeral-containers")
def forbidden_ephemeral_containers(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if not pod.data.get("ephemeralContainers"):
        return
    if pod.obj.kind == "Pod":
        message = "spec.ephemeralContainers: Forbidden: cannot be set on create"
    else:
        message = (f"{format_path(pod.child('ephemeralContainers'))}: Forbidden: ephemeral containers not "
                   "allowed in pod template")
    yield Problem(pod.child("ephemeralContainers"), message + " (add them to a running pod with kubectl debug)")


@pod_check("container-restart-policy")
def container_restart_policy(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if ctx.kubernetes_version >= CONTAINER_RESTART_RULES_SINCE:
        return  # container restart rules allow per-container restartPolicy
    for container in pod.containers():
        value = container.data.get("restartPolicy")
        if value is None:
            continue
        where = spec_path(container, "restartPolicy")
        if container.role is Role.APP:
            yield Problem(container.child("restartPolicy"),
                          f"{where}: Forbidden: may not be set for non-init containers")
        elif container.role is Role.INIT:
            yield Problem(container.child("restartPolicy"),
                          f'{where}: Unsupported value: {go_value(value)}: supported values: "Always"',
                          anchor="value")


def _amount(value: Any) -> tuple[int, bool] | None:
    """An IntOrString rollout amount as (number, is_percent), or None when malformed."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, False
    if isinstance(value, str) and _PERCENT.match(value):
        return int(value[:-1]), True
    return None


def _amount_problems(rolling: dict[str, Any], base: tuple[str, ...], where: str) -> Iterator[Problem]:
    for field in ("maxUnavailable", "maxSurge"):
        value = rolling.get(field)
        if value is None:
            continue
        amount = _amount(value)
        if amount is None:
            if isinstance(value, str):
                yield Problem((*base, field), f"{where}.{field}: Invalid value: {go_value(value)}: a valid percent "
                              "string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
                              "regex used for validation is '[0-9]+%')", anchor="value")
        elif amount[0] < 0:
            yield Problem((*base, field), f"{where}.{field}: Invalid value: {go_value(value)}: must be greater "
                          "than or equal to 0", anchor="value")
        elif amount[1] and amount[0] > 100 and field == "maxUnavailable":
            yield Problem((*base, field), f"{where}.{field}: Invalid value: {go_value(value)}: must not be "
                          "greater than 100%", anchor="value")


def _is_zero(value: Any, default: int) -> bool:
    amount = _amount(value) if value is not None else (default, False)
    return amount is not None and amount[0] == 0


@object_check("invalid-rollout-strategy", kinds={"Deployment", "DaemonSet"})
def invalid_rollout_strategy(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind == "Deployment":
        yield from _deployment_strategy(obj)
    elif obj.kind == "DaemonSet":
        yield from _daemonset_strategy(obj)


def _deployment_strategy(obj: K8sObject) -> Iterator[Problem]:
    strategy = as_dict(obj.get(("spec", "strategy")))
    rolling = strategy.get("rollingUpdate")
    base = ("spec", "strategy", "rollingUpdate")
    if strategy.get("type") == "Recreate" and rolling is not None:
        yield Problem(base, "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` "
                      "is 'Recreate'")
    elif isinstance(rolling, dict):
        where = "spec.strategy.rollingUpdate"
        yield from _amount_problems(rolling, base, where)
        # An unset amount is defaulted to 25%.
        if _is_zero(rolling.get("maxUnavailable"), 25) and _is_zero(rolling.get("maxSurge"), 25):
            yield Problem((*base, "maxUnavailable"), f"{where}.maxUnavailable: Invalid value: "
                          f"{go_value(rolling.get('maxUnavailable'))}: may not be 0 when `maxSurge` is 0",
                          anchor="value")
    progress = as_int(obj.get(("spec", "progressDeadlineSeconds")))
    ready = as_int(obj.get(("spec", "minReadySeconds"))) or 0
    if progress is not None and progress <= ready:
        yield Problem(("spec", "progressDeadlineSeconds"), f"spec.progressDeadlineSeconds: Invalid value: "
                      f"{progress}: must be greater than minReadySeconds", anchor="value")


def _daemonset_strategy(obj: K8sObject) -> Iterator[Problem]:
    strategy = as_dict(obj.get(("spec", "updateStrategy")))
    rolling = strategy.get("rollingUpdate")
    if strategy.get("type", "RollingUpdate") != "RollingUpdate" or not isinstance(rolling, dict):
        return
    base = ("spec", "updateStrategy", "rollingUpdate")
    where = "spec.updateStrategy.rollingUpdate"
    yield from _amount_problems(rolling, base, where)
    # Defaults: maxUnavailable 1, maxSurge 0; exactly one of them must be non-zero.
    unavailable = not _is_zero(rolling.get("maxUnavailable"), 1)
    surge = not _is_zero(rolling.get("maxSurge"), 0)
    if unavailable and surge:
        hint = "" if "maxUnavailable" in rolling else " (maxUnavailable defaults to 1: set it to 0)"
        yield Problem((*base, "maxSurge"), f"{where}.maxSurge: Invalid value: {go_value(rolling.get('maxSurge'))}: "
                      f"may not be set when maxUnavailable is non-zero{hint}", anchor="value")
    elif not unavailable and not surge:
        yield Problem((*base, "maxUnavailable"), f"{where}.maxUnavailable: Required value: cannot be 0 when "
                      "maxSurge is 0")


@object_check("bare-pod", kinds={"Pod"})
def bare_pod(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind != "Pod" or obj.group != "" or obj.metadata.get("ownerReferences"):
        return
    yield Problem(("kind",), f"Pod {obj.name!r} is managed by no controller: nothing recreates it when it is "
                  "deleted, evicted or its node fails; run it as a Deployment, StatefulSet, DaemonSet or Job",
                  anchor="value")
