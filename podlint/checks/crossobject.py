"""Mistakes that only show when the objects of a run are looked at together.

The inputs are rarely the whole cluster, so each check judges only what the inputs can
settle: a selector is said to match nothing only where the inputs show every pod template of
its namespace (some workload there, and no custom resource whose operator could make pods).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from podlint.checks import Context, Problem, run_check
from podlint.checks.controllers import is_empty_selector, selector_matches
from podlint.checks.fields import as_dict, items, unrendered
from podlint.findings import FieldPath
from podlint.model.inventory import GENERATED_LABELS, WORKLOAD_KINDS, Inventory, folder
from podlint.model.objects import K8sObject
from podlint.model.podspec import PodSpecView, Role
from podlint.model.validation import port_name

# Objects Kubernetes makes in every namespace by itself.
IMPLICIT_OBJECTS = frozenset({("ConfigMap", "kube-root-ca.crt"), ("ServiceAccount", "default")})
SERVICE = frozenset({"Service"})
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
ANY_GENERATED = frozenset().union(*GENERATED_LABELS.values())


def _selected(inventory: Inventory, near: K8sObject, selector: dict[str, Any]) -> list[K8sObject]:
    """The workloads of the folder and namespace of `near` whose pods a LabelSelector selects."""
    found = []
    known: dict[str, dict[str, Any]] = {}  # the selector's known part depends on the workload's kind only
    for workload in _candidates(inventory, near, selector):
        labels = inventory.labels_of(workload)
        if labels is None:
            continue
        part = known.get(workload.kind)
        if part is None:
            part = known[workload.kind] = known_part(selector, workload)
        if selector_matches(part, labels):
            found.append(workload)
    return found


def _candidates(inventory: Inventory, near: K8sObject, selector: dict[str, Any]) -> Iterator[K8sObject]:
    """The workloads a selector may select: those whose pods carry one of its labels that no
    controller generates (a workload it selects must), else every workload near."""
    for key, value in as_dict(selector.get("matchLabels")).items():
        if isinstance(key, str) and key not in ANY_GENERATED:
            return inventory.pods_labelled(near, key, value)
    return inventory.near(near, WORKLOAD_KINDS)


def known_part(selector: dict[str, Any], workload: K8sObject) -> dict[str, Any]:
    """The selector without requirements on labels the controller adds with values unknown here."""
    generated = GENERATED_LABELS.get(workload.kind, frozenset())
    return {
        "matchLabels": {k: v for k, v in as_dict(selector.get("matchLabels")).items() if k not in generated},
        "matchExpressions": [e for _, e in items(selector.get("matchExpressions"))
                             if isinstance(e.get("key"), str) and e["key"] not in generated
                             and isinstance(e.get("values") or [], list)],
    }


def _describe(selector: dict[str, Any]) -> str:
    parts = [f"{key}={value}" for key, value in as_dict(selector.get("matchLabels")).items()]
    parts += [f"{e.get('key')} {e.get('operator')} {e.get('values') or ''}".strip()
              for _, e in items(selector.get("matchExpressions"))]
    return ", ".join(parts)


def _service_selector(service: K8sObject) -> dict[str, Any] | None:
    selector = service.get(("spec", "selector"))
    if not isinstance(selector, dict) or not selector or service.get(("spec", "type")) == "ExternalName":
        return None
    if any(unrendered(key) or unrendered(value) for key, value in selector.items()):
        return None
    return {"matchLabels": selector}


def _selected_by_service(inventory: Inventory, service: K8sObject, selector: dict[str, Any]) -> list[K8sObject]:
    """The workloads a Service selects (asked by two rules), worked out once per run for each
    selector of a folder and namespace (the Services of one application often share theirs)."""
    # repr: the selector compares values as text, yet 1 and True are equal keys of a dict.
    labels = tuple(sorted((repr(key), repr(value)) for key, value in selector["matchLabels"].items()))
    key = ("service-selects", folder(service), service.namespace, labels)
    found: list[K8sObject] | None = inventory.shared.get(key)
    if found is None:
        found = inventory.shared[key] = _selected(inventory, service, selector)
    return found


def _selected_elsewhere(inventory: Inventory, service: K8sObject, selector: dict[str, Any]) -> list[K8sObject]:
    """The workloads of the folder in other namespaces than the Service's whose pods it would select."""
    if not service.namespace:
        return []
    key: str | None = None
    value: Any = None
    for label, wanted in as_dict(selector.get("matchLabels")).items():
        if isinstance(label, str) and label not in ANY_GENERATED:
            key, value = label, wanted
            break
    return [workload for workload in inventory.elsewhere(service, key, value)
            if (labels := inventory.labels_of(workload)) is not None
            and selector_matches(known_part(selector, workload), labels)]


@run_check("service-selects-nothing")
def service_selects_nothing(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    for service in inventory.of_kind("Service"):
        selector = _service_selector(service)
        if selector is None or not inventory.pods_known(service):
            continue
        if not _selected_by_service(inventory, service, selector) and not _selected_elsewhere(
                inventory, service, selector):  # (that is service-selects-other-namespace)
            yield service, Problem(("spec", "selector"),
                                   f"Service selector ({_describe(selector)}) matches the pods of no workload in "
                                   "the inputs: the Service has no endpoints and every connection to it fails")


@run_check("service-selects-other-namespace")
def service_selects_other_namespace(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    for service in inventory.of_kind("Service"):
        selector = _service_selector(service)
        if selector is None or not service.namespace or inventory.operator_managed(service):
            continue
        if inventory.pods_known(service) and _selected_by_service(inventory, service, selector):
            continue
        others = _selected_elsewhere(inventory, service, selector)
        if others:
            names = ", ".join(sorted({f"{w.kind}/{w.name} (namespace {w.namespace})" for w in others}))
            yield service, Problem(("spec", "selector"), f"Service selector ({_describe(selector)}) matches only pods "
                                   f"in other namespaces than {service.namespace!r}: {names}; a Service selects pods "
                                   "of its own namespace only, so it has no endpoints")


def _named_ports(workload: K8sObject) -> set[tuple[Any, Any]] | None:
    """(name, protocol) of the ports its pods' app and sidecar containers declare; None: unknown."""
    pod = PodSpecView.of(workload)
    if pod is None:
        return None  # nothing known about its ports
    return {(port.get("name"), port.get("protocol") or "TCP")
            for container in pod.containers() if container.role in (Role.APP, Role.SIDECAR)
            for _, port in items(container.data.get("ports"))}


def _has_port(named: dict[int, set[tuple[Any, Any]] | None], workload: K8sObject, name: str, protocol: Any) -> bool:
    """Whether a workload's pods declare a port name (True when their ports are unknown)."""
    if id(workload) not in named:
        named[id(workload)] = _named_ports(workload)
    ports = named[id(workload)]
    return ports is None or (name, protocol) in ports


@run_check("service-target-port-not-found")
def service_target_port_not_found(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    named: dict[int, set[tuple[Any, Any]] | None] = {}  # id(workload) -> its named ports, once per run
    # (id(selection), port name, protocol) -> the selected workloads without that port, once per
    # selection: Services share selections, which inventory.shared keeps alive (their ids stay their own)
    lacking: dict[tuple[int, str, Any], list[K8sObject]] = {}
    for service in inventory.of_kind("Service"):
        selector = _service_selector(service)
        if selector is None or not inventory.pods_known(service):
            continue
        selected = _selected_by_service(inventory, service, selector)
        if not selected:
            continue  # service-selects-nothing says it
        for index, port in items(service.get(("spec", "ports"))):
            target = port.get("targetPort")
            if not isinstance(target, str) or port_name(target) or unrendered(target):
                continue  # a number, or not a port name at all (a placeholder such as PORT)
            protocol = port.get("protocol") or "TCP"
            key = (id(selected), target, protocol)
            if key not in lacking:
                lacking[key] = [w for w in selected if not _has_port(named, w, target, protocol)]
            missing = lacking[key]
            if missing:
                names = ", ".join(f"{w.kind}/{w.name}" for w in missing)
                yield service, Problem(("spec", "ports", index, "targetPort"),
                                       f"targetPort {target!r} ({protocol}) is not a port name of the pods of "
                                       f"{names}: those pods get no endpoint for this port", anchor="value")


_VOLUME_REFS = (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName"),
                ("persistentVolumeClaim", "PersistentVolumeClaim", "claimName"))
_PROJECTED_REFS = (("configMap", "ConfigMap"), ("secret", "Secret"))
_ENV_REFS = (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret"))
_ENV_FROM_REFS = (("configMapRef", "ConfigMap"), ("secretRef", "Secret"))


def pod_references(pod: PodSpecView, optional: bool = False) -> Iterator[tuple[str, Any, FieldPath]]:
    """(kind, name, path) of every ConfigMap, Secret, PVC and ServiceAccount a pod needs (optional ones too
    if asked: the editor's go-to-definition follows them)."""

    def wanted(ref: Any) -> TypeGuard[dict[str, Any]]:
        """A reference (a mapping with a name) that must resolve: given, and not optional."""
        return isinstance(ref, dict) and bool(ref) and (optional or ref.get("optional") is not True)

    for index, volume in items(pod.data.get("volumes")):
        for source, kind, key in _VOLUME_REFS:
            ref = volume.get(source)
            if wanted(ref):
                yield kind, ref.get(key), pod.child("volumes", index, source, key)
        projected = volume.get("projected")
        if not isinstance(projected, dict):
            continue
        for number, projection in items(projected.get("sources")):
            for source, kind in _PROJECTED_REFS:
                ref = projection.get(source)
                if wanted(ref):
                    yield kind, ref.get("name"), pod.child("volumes", index, "projected", "sources", number, source,
                                                           "name")
    for container in pod.containers():
        for index, variable in items(container.data.get("env")):
            value_from = variable.get("valueFrom")
            if not isinstance(value_from, dict):
                continue  # (most variables: a plain value)
            for source, kind in _ENV_REFS:
                ref = value_from.get(source)
                if wanted(ref):
                    yield kind, ref.get("name"), container.child("env", index, "valueFrom", source, "name")
        for index, source_ref in items(container.data.get("envFrom")):
            for source, kind in _ENV_FROM_REFS:
                ref = source_ref.get(source)
                if wanted(ref):
                    yield kind, ref.get("name"), container.child("envFrom", index, source, "name")
    for index, secret in items(pod.data.get("imagePullSecrets")):
        yield "Secret", secret.get("name"), pod.child("imagePullSecrets", index, "name")
    for field in ("serviceAccountName", "serviceAccount"):
        if isinstance(pod.data.get(field), str):
            yield "ServiceAccount", pod.data[field], pod.child(field)
            break


REFERENCED_KINDS = ("ConfigMap", "Secret", "PersistentVolumeClaim", "ServiceAccount")


def _judged_kinds(inventory: Inventory, near: K8sObject) -> frozenset[str]:
    """The kinds whose references are judged near an object: those its folder defines (so the
    inputs are meant to be complete), none where an operator works (it creates secrets and config maps)."""
    if inventory.operator_managed(near):
        return frozenset()
    return frozenset(kind for kind in REFERENCED_KINDS if inventory.folder_has(near, {kind}))


@run_check("reference-not-found")
def reference_not_found(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    judged_near: dict[tuple[str, str], frozenset[str]] = {}  # (folder, namespace) -> the kinds judged there
    for workload in inventory.workloads():
        namespace = workload.namespace
        where = (folder(workload), namespace)
        judged = judged_near.get(where)
        if judged is None:
            judged = judged_near[where] = _judged_kinds(inventory, workload)
        if not judged:
            continue  # (most folders: their pods need no walk)
        pod = PodSpecView.of(workload)
        if pod is None:
            continue
        for kind, name, path in pod_references(pod):
            if not isinstance(name, str) or not name or unrendered(name) or (kind, name) in IMPLICIT_OBJECTS:
                continue
            if kind in judged and not inventory.defines(kind, namespace, name):
                yield workload, Problem(path, f"{kind} {name!r} is defined nowhere in the inputs (which define "
                                        f"other {kind}s): if it does not exist in the cluster, the pod does not "
                                        "start", anchor="value")


@run_check("hpa-target-not-found")
def hpa_target_not_found(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    for hpa in inventory.of_kind("HorizontalPodAutoscaler"):
        target = as_dict(hpa.get(("spec", "scaleTargetRef")))
        kind, name = target.get("kind"), target.get("name")
        if not isinstance(kind, str) or kind not in SCALABLE_KINDS or not isinstance(name, str) or unrendered(name):
            continue
        if inventory.folder_has(hpa, {kind}) and not inventory.defines(kind, hpa.namespace, name):
            yield hpa, Problem(("spec", "scaleTargetRef", "name"),
                               f"scaleTargetRef {kind}/{name} is not among the inputs (which define other "
                               f"{kind}s): the autoscaler scales nothing", anchor="value")


def _label_selector_problem(inventory: Inventory, obj: K8sObject, path: FieldPath, what: str) -> Problem | None:
    selector = obj.get(path)
    if not isinstance(selector, dict) or is_empty_selector(selector) or not inventory.pods_known(obj):
        return None  # an empty selector selects every pod of the namespace
    if any(unrendered(v) for v in as_dict(selector.get("matchLabels")).values()):
        return None
    if _selected(inventory, obj, selector):
        return None
    return Problem(path, f"{what} ({_describe(selector)}) matches the pods of no workload in the inputs")


def _selecting_nothing(inventory: Inventory, kind: str, field: str, effect: str) -> Iterator[tuple[K8sObject, Problem]]:
    for obj in inventory.of_kind(kind):
        problem = _label_selector_problem(inventory, obj, ("spec", field), f"{kind} {field}")
        if problem is not None:
            yield obj, Problem(problem.path, f"{problem.message}: {effect}")


@run_check("pdb-selects-nothing")
def pdb_selects_nothing(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    return _selecting_nothing(inventory, "PodDisruptionBudget", "selector", "it protects nothing during node drains")


@run_check("network-policy-selects-nothing")
def network_policy_selects_nothing(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    return _selecting_nothing(inventory, "NetworkPolicy", "podSelector", "the policy isolates nothing")


@run_check("statefulset-service-not-headless")
def statefulset_service_not_headless(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    for statefulset in inventory.of_kind("StatefulSet"):
        name = statefulset.get(("spec", "serviceName"))
        if not isinstance(name, str) or not name:
            continue
        # The governing Service of the same folder (another folder's same-named Service is another app's).
        services = list(inventory.near_named(statefulset, SERVICE, name))
        if not services or any(s.get(("spec", "clusterIP")) == "None" for s in services):
            continue
        yield statefulset, Problem(("spec", "serviceName"),
                                   f"serviceName {name!r} names a Service that is not headless (clusterIP: None): "
                                   "the pods get no stable DNS names (<pod>.<service>)", anchor="value")
