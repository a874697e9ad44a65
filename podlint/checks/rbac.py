"""RBAC: roles that grant too much, and bindings to cluster-admin.

Kubernetes' own roles (`system:` names) are left alone: they are bootstrap objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, object_check
from podlint.checks.fields import as_dict, items
from podlint.model.objects import K8sObject

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLES = frozenset({"Role", "ClusterRole"})
BINDINGS = frozenset({"RoleBinding", "ClusterRoleBinding"})
READ_VERBS = frozenset({"get", "list", "watch", "*"})
EXEC_VERBS = frozenset({"create", "get", "*"})  # exec and attach upgrade a GET or a POST
EXEC_RESOURCES = frozenset({"pods/exec", "pods/attach", "pods/*"})


def _is_rbac(obj: K8sObject) -> bool:
    return obj.group == RBAC_GROUP and not obj.name.startswith("system:")


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []  # (a malformed field is the schema's to report)


def _rules(obj: K8sObject) -> Iterator[tuple[int, dict[str, Any]]]:
    if obj.kind in ROLES and _is_rbac(obj):
        yield from items(obj.get(("rules",)))


def _core_group(rule: dict[str, Any]) -> bool:
    groups = _strings(rule.get("apiGroups"))
    return "" in groups or "*" in groups


@object_check("rbac-wildcard", kinds=ROLES)
def rbac_wildcard(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for index, rule in _rules(obj):
        for field in ("verbs", "resources"):
            for number, value in enumerate(_listed(rule.get(field))):
                if value == "*":
                    yield Problem(("rules", index, field, number), f"{obj.kind} {obj.name!r} grants every "
                                  f"{field[:-1]} ('*'), including those added in later Kubernetes releases and by "
                                  "custom resources: list what is needed", anchor="value")


@object_check("rbac-pod-exec", kinds=ROLES)
def rbac_pod_exec(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for index, rule in _rules(obj):
        if not _core_group(rule) or not EXEC_VERBS & set(_strings(rule.get("verbs"))):
            continue
        for number, resource in enumerate(_listed(rule.get("resources"))):
            if resource in EXEC_RESOURCES:
                yield Problem(("rules", index, "resources", number), f"{obj.kind} {obj.name!r} grants {resource}: "
                              "whoever holds it runs commands in the pods' containers, with their service "
                              "account tokens and secrets", anchor="value")


@object_check("rbac-secrets-read", kinds=ROLES)
def rbac_secrets_read(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for index, rule in _rules(obj):
        granted = READ_VERBS & set(_strings(rule.get("verbs")))
        verbs = ["do anything with"] if "*" in granted else sorted(granted)
        if not _core_group(rule) or not verbs or rule.get("resourceNames"):
            continue  # (named secrets only: a narrow grant)
        for number, resource in enumerate(_listed(rule.get("resources"))):
            if resource == "secrets":
                yield Problem(("rules", index, "resources", number), f"{obj.kind} {obj.name!r} may "
                              f"{'/'.join(verbs)} every Secret of its scope: tokens and credentials of other "
                              "workloads included; name the secrets with resourceNames", anchor="value")


@object_check("cluster-admin-binding", kinds=BINDINGS)
def cluster_admin_binding(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind not in BINDINGS or not _is_rbac(obj):
        return
    ref = as_dict(obj.get(("roleRef",)))
    if ref.get("kind") == "ClusterRole" and ref.get("name") == "cluster-admin":
        scope = "the whole cluster" if obj.kind == "ClusterRoleBinding" else f"namespace {obj.namespace or '(any)'}"
        yield Problem(("roleRef", "name"), f"{obj.kind} {obj.name!r} grants cluster-admin (every verb on every "
                      f"resource) in {scope} to its subjects: bind a role with what they need", anchor="value")
