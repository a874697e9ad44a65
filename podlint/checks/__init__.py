"""Rule logic: one plain function per rule, registered by rule id.

A check receives a typed view and yields `Problem`s (a path, a message, where to point);
the engine turns them into findings with positions, severities and object identity.
Importing this package imports every check module, which fills the registries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from podlint.findings import FieldPath, Fix
from podlint.objects import K8sObject
from podlint.parse import Anchor
from podlint.podspec import PodSpecView


@dataclass(frozen=True, slots=True)
class Problem:
    path: FieldPath  # relative to the object
    message: str
    anchor: Anchor = "key"
    fix: Fix | None = None


PodCheck = Callable[[PodSpecView], Iterable[Problem]]
ObjectCheck = Callable[[K8sObject], Iterable[Problem]]

POD_CHECKS: dict[str, PodCheck] = {}
OBJECT_CHECKS: dict[str, ObjectCheck] = {}

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


def object_check(rule_id: str) -> Callable[[ObjectCheck], ObjectCheck]:
    """Register a check that runs on every Kubernetes object."""
    return _register(OBJECT_CHECKS, rule_id)


def registered_ids() -> set[str]:
    return set(POD_CHECKS) | set(OBJECT_CHECKS)


# Fill the registries (the modules register on import).
from podlint.checks import (  # noqa: E402
    commands,
    containers,
    controllers,
    images,
    networking,
    resources,
)

__all__ = ["commands", "containers", "controllers", "images", "networking", "resources"]
