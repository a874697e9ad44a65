"""What a workload lacks around it (the `strict` profile): a NetworkPolicy, a PodDisruptionBudget,
a second replica, a service account without an API token.

These are opinions about the set of manifests, as kube-score, kube-linter and Polaris hold them:
each looks for the other object among the inputs of the run that may apply to the workload (in
its namespace; or, where a namespace is left to the deploy, in its folder or a folder above it),
and reports the workload when none is there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, run_check
from podlint.checks.controllers import selector_matches
from podlint.checks.crossobject import known_part
from podlint.checks.fields import as_dict, as_int, unrendered
from podlint.model.inventory import Inventory, folder
from podlint.model.objects import K8sObject
from podlint.model.podspec import PodSpecView

DISRUPTED_KINDS = frozenset({"Deployment", "StatefulSet"})


def _workloads(inventory: Inventory) -> Iterator[K8sObject]:
    """The workloads people write (not those a controller made and someone exported)."""
    return (w for w in inventory.workloads() if not w.metadata.get("ownerReferences"))


def _selects(selector: Any, inventory: Inventory, workload: K8sObject) -> bool:
    """Whether a LabelSelector selects the pods of a workload (an empty one selects every pod)."""
    if not isinstance(selector, dict):
        return False
    labels = inventory.labels_of(workload)
    return labels is not None and selector_matches(known_part(selector, workload), labels)


def _reaches(obj: K8sObject, workload: K8sObject) -> bool:
    """Whether `obj` (a policy, budget, autoscaler or service account) may apply to the workload: both
    name one namespace; or, when either leaves it to the deploy, `obj` is in the workload's folder or
    a folder above it. (A namespace-less default-deny policy of one application in a repository of
    examples is not every other application's.)"""
    if obj.namespace and workload.namespace:
        return obj.namespace == workload.namespace
    here, there = folder(workload), folder(obj)
    return here == there or not there or here.startswith(there.rstrip(os.sep) + os.sep)


def _selected_by(inventory: Inventory, selectors: list[K8sObject], field: str, workload: K8sObject) -> bool:
    return any(_reaches(obj, workload) and _selects(obj.get(("spec", field)), inventory, workload)
               for obj in selectors)


def _autoscalers(inventory: Inventory) -> dict[tuple[str, str], list[K8sObject]]:
    """(kind, name) of a scale target -> the autoscalers that scale it."""
    found: dict[tuple[str, str], list[K8sObject]] = {}
    for hpa in inventory.of_kind("HorizontalPodAutoscaler"):
        target = as_dict(hpa.get(("spec", "scaleTargetRef")))
        if isinstance(target.get("kind"), str) and isinstance(target.get("name"), str):
            found.setdefault((target["kind"], target["name"]), []).append(hpa)
    return found


def _scaled_by(autoscalers: dict[tuple[str, str], list[K8sObject]], workload: K8sObject) -> list[K8sObject]:
    return [hpa for hpa in autoscalers.get((workload.kind, workload.name), []) if _reaches(hpa, workload)]


def _name_path(workload: K8sObject) -> tuple[str, ...]:
    return ("metadata", "name") if workload.metadata.get("name") is not None else ("metadata",)


@run_check("no-network-policy")
def no_network_policy(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    policies = list(inventory.of_kind("NetworkPolicy"))
    for workload in _workloads(inventory):
        pod = PodSpecView.of(workload)
        if pod is None or pod.host_network:
            continue  # NetworkPolicies do not apply to pods on the host network
        if not _selected_by(inventory, policies, "podSelector", workload):
            yield workload, Problem(_name_path(workload), f"no NetworkPolicy among the inputs selects the pods of "
                                    f"{workload.kind} {workload.name!r}: any pod of the cluster can reach them, and "
                                    "they can reach anything", anchor="value")


def _replicas(workload: K8sObject, autoscalers: list[K8sObject]) -> int | None:
    """The least number of replicas a workload runs: its autoscalers' minReplicas (default 1), else spec.replicas."""
    if autoscalers:
        return min(as_int(hpa.get(("spec", "minReplicas"))) or 1 for hpa in autoscalers)
    value = workload.get(("spec", "replicas"))
    return 1 if value is None else as_int(value)


@run_check("no-pod-disruption-budget")
def no_pod_disruption_budget(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    autoscalers = _autoscalers(inventory)
    budgets = list(inventory.of_kind("PodDisruptionBudget"))
    for workload in _workloads(inventory):
        if workload.kind not in DISRUPTED_KINDS:
            continue
        count = _replicas(workload, _scaled_by(autoscalers, workload))
        if count is None or count < 2 or _selected_by(inventory, budgets, "selector", workload):
            continue
        yield workload, Problem(_name_path(workload), f"no PodDisruptionBudget among the inputs selects the pods of "
                                f"{workload.kind} {workload.name!r} ({count} replicas): a node drain may evict all "
                                "of them at once", anchor="value")


@run_check("single-replica")
def single_replica(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    autoscalers = _autoscalers(inventory)
    for workload in _workloads(inventory):
        if workload.kind != "Deployment" or _scaled_by(autoscalers, workload):
            continue
        value = workload.get(("spec", "replicas"))
        if value is None:
            yield workload, Problem(("spec",), f"Deployment {workload.name!r} runs one replica (replicas defaults "
                                    "to 1): every rollout, eviction or node failure is an outage")
        elif as_int(value) == 1:
            yield workload, Problem(("spec", "replicas"), f"Deployment {workload.name!r} runs one replica: every "
                                    "rollout, eviction or node failure is an outage", anchor="value")


def _service_accounts(inventory: Inventory) -> dict[str, list[K8sObject]]:
    found: dict[str, list[K8sObject]] = {}
    for account in inventory.of_kind("ServiceAccount"):
        found.setdefault(account.name, []).append(account)
    return found


@run_check("automount-service-account-token")
def automount_service_account_token(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    accounts = _service_accounts(inventory)
    for workload in _workloads(inventory):
        pod = PodSpecView.of(workload)
        if pod is None:
            continue
        setting = pod.data.get("automountServiceAccountToken")
        if setting is False or unrendered(setting):
            continue
        name = pod.data.get("serviceAccountName") or pod.data.get("serviceAccount") or "default"
        if not isinstance(name, str) or unrendered(name):
            continue
        if setting is None and any(a.data.get("automountServiceAccountToken") is False
                                   for a in accounts.get(name, []) if _reaches(a, workload)):
            continue  # the service account turns it off
        which = "the namespace's default service account" if name == "default" else f"service account {name!r}"
        where = pod.child("automountServiceAccountToken") if setting is not None else pod.path
        yield workload, Problem(where, f"the pods get an API token of {which} mounted: whoever breaks into a "
                                "container can call the API server with it; set automountServiceAccountToken: "
                                "false unless the pods call the API")
