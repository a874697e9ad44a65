"""Workload controllers: what their pod templates must agree with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, object_check, pod_check
from podlint.findings import Fix
from podlint.model.objects import LONG_RUNNING_CONTROLLERS, RUN_TO_COMPLETION, K8sObject
from podlint.model.podspec import PodSpecView

RUN_TO_COMPLETION_POLICIES = ("OnFailure", "Never")


@pod_check("invalid-restart-policy")
def invalid_restart_policy(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    kind = pod.obj.kind
    value = pod.data.get("restartPolicy")
    if kind in LONG_RUNNING_CONTROLLERS:
        if value is not None and value != "Always":
            yield Problem(
                pod.child("restartPolicy"),
                f'restartPolicy: Unsupported value: "{value}": supported values: "Always" '
                f"(a {kind} keeps its pods running)",
                anchor="value",
                fix=_set_restart_policy(pod, "Always"),
            )
    elif kind in RUN_TO_COMPLETION:
        if value is None:
            yield Problem(
                pod.path,
                'restartPolicy: Required value: valid values: "OnFailure", "Never" '
                f"(a {kind}'s pods default to Always, which a Job does not accept)",
                fix=_set_restart_policy(pod, "OnFailure"),
            )
        elif value not in RUN_TO_COMPLETION_POLICIES:
            yield Problem(
                pod.child("restartPolicy"),
                f'restartPolicy: Unsupported value: "{value}": supported values: "OnFailure", "Never"',
                anchor="value",
                fix=_set_restart_policy(pod, _run_to_completion_policy(value)),
            )


def _run_to_completion_policy(value: object) -> str:
    """`never` meant Never; anything else (Always above all) becomes OnFailure, the closest to Always."""
    for policy in RUN_TO_COMPLETION_POLICIES:
        if isinstance(value, str) and value.lower() == policy.lower():
            return policy
    return "OnFailure"


def _set_restart_policy(pod: PodSpecView, policy: str) -> Fix | None:
    from podlint.edit import edits  # (imported for a fix only: most runs offer none)

    description = f"set restartPolicy: {policy}"
    if "restartPolicy" in pod.data:
        return edits.set_value(pod.obj, pod.child("restartPolicy"), policy, description)
    return edits.add_key(pod.obj, pod.path, "restartPolicy", policy, description)


def selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A LabelSelector (matchLabels + matchExpressions) against a label set."""
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict):
        for key, value in match_labels.items():
            if key not in labels or str(labels[key]) != str(value):
                return False
    expressions = selector.get("matchExpressions")
    for expression in expressions if isinstance(expressions, list) else []:
        if not isinstance(expression, dict):
            continue
        key, operator = str(expression.get("key")), expression.get("operator")
        raw_values = expression.get("values")
        values = [str(v) for v in raw_values] if isinstance(raw_values, list) else []
        present = key in labels
        if operator == "In" and not (present and str(labels[key]) in values):
            return False
        if operator == "NotIn" and present and str(labels[key]) in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def is_empty_selector(selector: dict[str, Any]) -> bool:
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


@object_check("selector-mismatch", kinds={"Job", *LONG_RUNNING_CONTROLLERS})
def selector_mismatch(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    kind = obj.kind
    selector = obj.get(("spec", "selector"))
    if kind == "Job":
        if obj.get(("spec", "manualSelector")) is not True:
            return
    elif kind not in LONG_RUNNING_CONTROLLERS:
        return
    if not isinstance(selector, dict):
        return  # missing selectors are a schema matter (RC defaults it from the labels)
    template_labels = obj.get(("spec", "template", "metadata", "labels"))
    labels = template_labels if isinstance(template_labels, dict) else {}
    if kind == "ReplicationController":  # a plain label map
        selector = {"matchLabels": selector}
    if is_empty_selector(selector):
        yield Problem(("spec", "selector"), f"empty selector is invalid for {kind.lower()}")
        return
    if selector_matches(selector, labels):
        return
    where: tuple[str, ...] = ("spec", "template", "metadata", "labels")
    if template_labels is None:
        where = where[:-1] if isinstance(obj.get(where[:-1]), dict) else ("spec", "template")
    yield Problem(
        where,
        f"spec.template.metadata.labels: Invalid value: {_labels_text(labels)}: `selector` does not "
        "match template `labels`",
    )


def _labels_text(labels: dict[str, Any]) -> str:
    if not labels:
        return "{}"
    return "{" + ", ".join(f'"{k}": "{v}"' for k, v in labels.items()) + "}"
