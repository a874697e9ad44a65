"""Scheduling: topology spread constraints, tolerations, affinity terms, spreading replicas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, as_int, items, unrendered
from podlint.findings import format_path
from podlint.model.podspec import PodSpecView
from podlint.model.validation import go_value, label_value, qualified_name

SCHEDULE_ACTIONS = ("DoNotSchedule", "ScheduleAnyway")
NODE_INCLUSION_POLICIES = ("Honor", "Ignore")
NOT_POSITIVE = "must be greater than zero"
# Workloads whose replicas the scheduler should spread over nodes.
REPLICATED_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})


def _supported(values: tuple[str, ...]) -> str:
    return ", ".join(f'"{value}"' for value in sorted(values))


def _where(*parts: str | int) -> str:
    return format_path(parts)


@pod_check("invalid-topology-spread")
def invalid_topology_spread(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    constraints = list(items(pod.data.get("topologySpreadConstraints")))
    for position, (index, constraint) in enumerate(constraints):
        base = ("topologySpreadConstraints", index)
        skew = as_int(constraint.get("maxSkew"))
        if skew is not None and skew <= 0:
            yield Problem(pod.child(*base, "maxSkew"), f"{_where(*base, 'maxSkew')}: Invalid value: {skew}: "
                          f"{NOT_POSITIVE}", anchor="value")
        key = constraint.get("topologyKey")
        if key == "":
            yield Problem(pod.child(*base, "topologyKey"),
                          f"{_where(*base, 'topologyKey')}: Required value: can not be empty")
        action = constraint.get("whenUnsatisfiable")
        if isinstance(action, str) and action not in SCHEDULE_ACTIONS and not unrendered(action):
            yield Problem(pod.child(*base, "whenUnsatisfiable"),
                          f"{_where(*base, 'whenUnsatisfiable')}: Unsupported value: {go_value(action)}: supported "
                          f"values: {_supported(SCHEDULE_ACTIONS)}", anchor="value")
        # The API server reports a repeated (topologyKey, whenUnsatisfiable) pair on its first constraint.
        if isinstance(key, str) and any(other.get("topologyKey") == key and other.get("whenUnsatisfiable") == action
                                        for _, other in constraints[position + 1:]):
            yield Problem(pod.child(*base, "topologyKey"),
                          f"{_where(*base)}.{{topologyKey, whenUnsatisfiable}}: Duplicate value: "
                          f'"{{{key}, {action if action is not None else ""}}}"', anchor="value")
        yield from _min_domains(pod, base, constraint, action)
        for field in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            value = constraint.get(field)
            if isinstance(value, str) and value not in NODE_INCLUSION_POLICIES and not unrendered(value):
                yield Problem(pod.child(*base, field), f"{_where(*base, field)}: Unsupported value: {go_value(value)}: "
                              f"supported values: {_supported(NODE_INCLUSION_POLICIES)}", anchor="value")
        yield from _match_label_keys(pod, base, constraint)


def _min_domains(pod: PodSpecView, base: tuple[str, int], constraint: dict[str, Any], action: Any) -> Iterator[Problem]:
    domains = as_int(constraint.get("minDomains"))
    if domains is None:
        return
    where = _where(*base, "minDomains")
    if domains <= 0:
        yield Problem(pod.child(*base, "minDomains"), f"{where}: Invalid value: {domains}: {NOT_POSITIVE}",
                      anchor="value")
    if action != "DoNotSchedule" and not unrendered(action):
        shown = action if isinstance(action, str) else ""
        yield Problem(pod.child(*base, "minDomains"), f"{where}: Invalid value: {domains}: can only use minDomains "
                      f"if whenUnsatisfiable=DoNotSchedule, not {shown}", anchor="value")


def _match_label_keys(pod: PodSpecView, base: tuple[str, int], constraint: dict[str, Any]) -> Iterator[Problem]:
    keys = constraint.get("matchLabelKeys")
    if not isinstance(keys, list) or not keys:
        return
    selector = constraint.get("labelSelector")
    if not isinstance(selector, dict):
        yield Problem(pod.child(*base, "matchLabelKeys"), f"{_where(*base, 'matchLabelKeys')}: Forbidden: must not "
                      "be specified when labelSelector is not set")
        return
    selected: set[Any] = set(as_dict(selector.get("matchLabels")))
    selected |= {expression.get("key") for _, expression in items(selector.get("matchExpressions"))}
    for number, key in enumerate(keys):
        if isinstance(key, str) and key in selected:
            yield Problem(pod.child(*base, "matchLabelKeys", number),
                          f"{_where(*base, 'matchLabelKeys', number)}: Invalid value: {go_value(key)}: exists in "
                          "both matchLabelKeys and labelSelector", anchor="value")


_AFFINITY_TERMS = (("podAffinity", "requiredDuringSchedulingIgnoredDuringExecution", False),
                   ("podAffinity", "preferredDuringSchedulingIgnoredDuringExecution", True),
                   ("podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", False),
                   ("podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", True))


@pod_check("null-label-selector")
def null_label_selector(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for index, constraint in items(pod.data.get("topologySpreadConstraints")):
        if constraint.get("labelSelector") is None:
            yield Problem(pod.child("topologySpreadConstraints", index),
                          f"{_where('topologySpreadConstraints', index, 'labelSelector')}: a null labelSelector "
                          "results in matching no pod (the constraint counts no pods, so it spreads nothing)")
    affinity = as_dict(pod.data.get("affinity"))
    for kind, field, weighted in _AFFINITY_TERMS:
        for index, term in items(as_dict(affinity.get(kind)).get(field)):
            base: tuple[str | int, ...] = ("affinity", kind, field, index)
            if weighted:
                term = as_dict(term.get("podAffinityTerm"))
                base = (*base, "podAffinityTerm")
            if term.get("labelSelector") is None:
                yield Problem(pod.child(*base), f"{_where(*base, 'labelSelector')}: a null labelSelector results in "
                              "matching no pod")


@pod_check("invalid-toleration")
def invalid_toleration(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for index, toleration in items(pod.data.get("tolerations")):
        base = ("tolerations", index)
        key, operator, value = toleration.get("key", ""), toleration.get("operator", ""), toleration.get("value", "")
        if not all(isinstance(v, str) and not unrendered(v) for v in (key, operator, value)):
            continue
        for detail in qualified_name(key) if key else []:
            yield Problem(pod.child(*base, "key"), f"{_where(*base, 'key')}: Invalid value: {go_value(key)}: {detail}",
                          anchor="value")
        at_operator = pod.child(*base, "operator") if "operator" in toleration else pod.child(*base)
        if not key and operator != "Exists":
            yield Problem(at_operator, f"{_where(*base, 'operator')}: Invalid value: {go_value(operator)}: operator "
                          'must be Exists when `key` is empty, which means "match all values and all keys"',
                          anchor="value")
        if toleration.get("tolerationSeconds") is not None and toleration.get("effect") != "NoExecute":
            effect = toleration.get("effect", "")
            at_effect = pod.child(*base, "effect") if "effect" in toleration else pod.child(*base, "tolerationSeconds")
            yield Problem(at_effect, f"{_where(*base, 'effect')}: Invalid value: {go_value(effect)}: effect must be "
                          "'NoExecute' when `tolerationSeconds` is set", anchor="value")
        if operator in ("Equal", ""):
            details = label_value(value)
            if details:
                yield Problem(pod.child(*base, "value"), f"{_where(*base, 'operator')}: Invalid value: "
                              f"{go_value(value)}: {';'.join(details)}", anchor="value")
        elif operator == "Exists" and value:
            seconds = "nil" if toleration.get("tolerationSeconds") is None else "0x…"
            shown = (f'core.Toleration{{Key:{go_value(key)}, Operator:"Exists", Value:{go_value(value)}, '
                     f'Effect:{go_value(str(toleration.get("effect", "")))}, TolerationSeconds:(*int64)({seconds})}}')
            yield Problem(pod.child(*base, "value"), f"{_where(*base, 'operator')}: Invalid value: {shown}: value must "
                          "be empty when `operator` is 'Exists'", anchor="value")


def replicas(pod: PodSpecView) -> int | None:
    """The replicas of a replicated workload (defaulted to 1); None for other kinds or an unknown count."""
    if pod.obj.kind not in REPLICATED_KINDS:
        return None
    value = pod.obj.get(("spec", "replicas"))
    return 1 if value is None else as_int(value)


def _spreads_over_nodes(pod: PodSpecView) -> bool:
    if any(True for _ in items(pod.data.get("topologySpreadConstraints"))):
        return True
    anti = as_dict(as_dict(pod.data.get("affinity")).get("podAntiAffinity"))
    return any(items(anti.get("requiredDuringSchedulingIgnoredDuringExecution"))) or any(
        items(anti.get("preferredDuringSchedulingIgnoredDuringExecution")))


@pod_check("no-anti-affinity")
def no_anti_affinity(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    count = replicas(pod)
    if count is None or count < 2 or _spreads_over_nodes(pod):
        return
    yield Problem(pod.path, f"{pod.obj.kind} with {count} replicas has no podAntiAffinity and no "
                  "topologySpreadConstraints: the scheduler may put every replica on one node, and losing that "
                  "node takes the whole workload down")


@pod_check("missing-priority-class")
def missing_priority_class(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if pod.data.get("priorityClassName"):
        return
    yield Problem(pod.path, "no priorityClassName: the pods get the cluster's default priority (usually 0), so "
                  "under resource pressure they may be preempted by, or fail to preempt, less important pods")
