"""Rule logic: one plain function per rule, registered by rule id.

A check receives a typed view and yields `Problem`s (a path, a message, where to point);
the engine turns them into findings with positions, severities and object identity.
Importing this package imports every check module, which fills the registries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, TypeVar

from podlint.findings import FieldPath, Fix
from podlint.model.inventory import Inventory
from podlint.model.objects import K8sObject
from podlint.model.podspec import PodSpecView
from podlint.reading.parse import Anchor
from podlint.records import EMPTY
from podlint.schemas.versions import DEFAULT, Version


class Problem(NamedTuple):
    path: FieldPath  # relative to the object
    message: str
    anchor: Anchor = "key"
    fix: Fix | None = None


class Context(NamedTuple):
    """What a check may know beyond the object: the target cluster and the rule's options."""

    kubernetes_version: Version = DEFAULT
    rule_options: Mapping[str, Mapping[str, Any]] = EMPTY

    def option(self, rule_id: str, name: str, default: Any) -> Any:
        return self.rule_options.get(rule_id, {}).get(name, default)


PodCheck = Callable[[PodSpecView, Context], Iterable[Problem]]
ObjectCheck = Callable[[K8sObject, Context], Iterable[Problem]]
# A cross-object check sees what the run kept of all its inputs and names the object at fault.
RunCheck = Callable[[Inventory, Context], Iterable[tuple[K8sObject, Problem]]]

POD_CHECKS: dict[str, PodCheck] = {}
OBJECT_CHECKS: dict[str, ObjectCheck] = {}
RUN_CHECKS: dict[str, RunCheck] = {}
# Object checks that judge some kinds only: rule id -> those kinds (the engine runs them on no other).
OBJECT_CHECK_KINDS: dict[str, frozenset[str]] = {}

F = TypeVar("F")


def _register(table: dict[str, F], rule_id: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        if rule_id in table:
            raise ValueError(f"check {rule_id!r} registered twice")
        table[rule_id] = function
        return function

    return decorate


def pod_check(rule_id: str) -> Callable[[PodCheck], PodCheck]:
    """Register a check that runs on every pod spec (Pods and every workload template)."""
    return _register(POD_CHECKS, rule_id)


def object_check(rule_id: str, kinds: Iterable[str] | None = None) -> Callable[[ObjectCheck], ObjectCheck]:
    """Register a check that runs on every Kubernetes object, or only on objects of `kinds`
    (the check still tests the kind itself: `kinds` only spares the others a call)."""
    if kinds is not None:
        OBJECT_CHECK_KINDS[rule_id] = frozenset(kinds)
    return _register(OBJECT_CHECKS, rule_id)


def run_check(rule_id: str) -> Callable[[RunCheck], RunCheck]:
    """Register a check that runs once per run, over the objects of every input together."""
    return _register(RUN_CHECKS, rule_id)


def registered_ids() -> set[str]:
    return set(POD_CHECKS) | set(OBJECT_CHECKS) | set(RUN_CHECKS)


# Fill the registries (the modules register on import).
from podlint.checks import (  # noqa: E402
    commands,
    containers,
    controllers,
    coverage,
    crossobject,
    deprecations,
    dns,
    env,
    hardening,
    image_pulls,
    images,
    jobs,
    labels,
    lifecycle,
    names,
    networking,
    operations,
    ports,
    probes,
    quantities,
    rbac,
    references,
    resources,
    scheduling,
    security,
    volumes,
    workloads,
)

__all__ = ["commands", "containers", "controllers", "coverage", "crossobject", "deprecations", "dns", "env",
           "hardening", "image_pulls", "images", "jobs", "labels", "lifecycle", "names", "networking", "operations",
           "ports", "probes", "quantities", "rbac", "references", "resources", "scheduling", "security", "volumes",
           "workloads"]
