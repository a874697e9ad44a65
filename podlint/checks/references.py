"""References between objects that the inputs can settle: keys of ConfigMaps and Secrets, the
Services of Ingresses and StatefulSets, and the replicas an autoscaler owns.

Like the rest of the cross-object rules, each judges only where the inputs hold the answer: a
key is missing only from a ConfigMap or Secret the run defines, a Service only where the folder
defines Services of that namespace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, run_check
from podlint.checks.crossobject import SCALABLE_KINDS, SERVICE
from podlint.checks.fields import as_dict, as_int, items, unrendered
from podlint.findings import FieldPath
from podlint.model.inventory import Inventory
from podlint.model.objects import K8sObject
from podlint.model.podspec import PodSpecView

_KEY_REFS = (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret"))
_VOLUME_SOURCES = (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName"))


def _key_references(pod: PodSpecView) -> Iterator[tuple[str, Any, Any, FieldPath]]:
    """(kind, name, key, path of the key) of every required key a pod reads from a ConfigMap or Secret."""
    for container in pod.containers():
        for index, variable in items(container.data.get("env")):
            value_from = variable.get("valueFrom")
            if not isinstance(value_from, dict):
                continue  # (most variables: a plain value)
            for source, kind in _KEY_REFS:
                ref = value_from.get(source)
                if isinstance(ref, dict) and ref.get("optional") is not True:
                    yield kind, ref.get("name"), ref.get("key"), container.child("env", index, "valueFrom", source,
                                                                               "key")
    for index, volume in items(pod.data.get("volumes")):
        for source, kind, name_field in _VOLUME_SOURCES:
            ref = volume.get(source)
            if isinstance(ref, dict) and ref.get("optional") is not True:
                for number, item in items(ref.get("items")):
                    yield kind, ref.get(name_field), item.get("key"), pod.child("volumes", index, source, "items",
                                                                                number, "key")
        for number, projection in items(as_dict(volume.get("projected")).get("sources")):
            for source, kind, _ in _VOLUME_SOURCES:
                ref = projection.get(source)
                if isinstance(ref, dict) and ref.get("optional") is not True:
                    for entry, item in items(ref.get("items")):
                        yield kind, ref.get("name"), item.get("key"), pod.child(
                            "volumes", index, "projected", "sources", number, source, "items", entry, "key")


@run_check("env-key-not-found")
def env_key_not_found(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    if not inventory.keys:
        return  # no ConfigMap or Secret among the inputs: nothing to judge against
    for workload in inventory.workloads():
        pod = PodSpecView.of(workload)
        if pod is None:
            continue
        for kind, name, key, path in _key_references(pod):
            if not isinstance(name, str) or not isinstance(key, str) or unrendered(name) or unrendered(key):
                continue
            if inventory.has_key(kind, workload.namespace, name, key) is False:
                yield workload, Problem(path, f"{kind} {name!r} has no key {key!r}: the container does not start "
                                        "(CreateContainerConfigError) until the key exists", anchor="value")


def ingress_backends(ingress: K8sObject) -> Iterator[tuple[Any, Any, FieldPath, FieldPath]]:
    """(service name, port, path of the name, path of the port) of every Service backend of an Ingress."""
    spec = as_dict(ingress.get(("spec",)))
    candidates: list[tuple[dict[str, Any], FieldPath]] = []
    for field in ("defaultBackend", "backend"):
        if isinstance(spec.get(field), dict):
            candidates.append((spec[field], ("spec", field)))
    for index, rule in items(spec.get("rules")):
        for number, path in items(as_dict(rule.get("http")).get("paths")):
            if isinstance(path.get("backend"), dict):
                candidates.append((path["backend"], ("spec", "rules", index, "http", "paths", number, "backend")))
    for backend, at in candidates:
        service = backend.get("service")
        if isinstance(service, dict):  # networking.k8s.io/v1
            port = as_dict(service.get("port"))
            port_field = "number" if "number" in port else "name"
            yield service.get("name"), port.get(port_field), (*at, "service", "name"), (*at, "service", "port",
                                                                                         port_field)
        elif "serviceName" in backend:  # the removed v1beta1 form
            yield backend.get("serviceName"), backend.get("servicePort"), (*at, "serviceName"), (*at, "servicePort")


def _serves(service: K8sObject, port: Any) -> bool | None:
    """Whether a Service has the port (a number or a name); None when it lists no ports to judge by."""
    ports = list(items(service.get(("spec", "ports"))))
    if not ports or service.get(("spec", "type")) == "ExternalName":
        return None
    number = as_int(port)
    if number is not None:
        return any(as_int(entry.get("port")) == number for _, entry in ports)
    return any(entry.get("name") == port for _, entry in ports)


@run_check("ingress-backend-not-found")
def ingress_backend_not_found(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    for ingress in inventory.of_kind("Ingress"):
        if not inventory.folder_has(ingress, SERVICE) or inventory.operator_managed(ingress):
            continue
        for name, port, name_path, port_path in ingress_backends(ingress):
            if not isinstance(name, str) or not name or unrendered(name):
                continue
            services = list(inventory.near_named(ingress, SERVICE, name))
            if not services:
                if not inventory.defines("Service", ingress.namespace, name):
                    yield ingress, Problem(name_path, f"backend Service {name!r} is not among the inputs (which "
                                           "define other Services): requests for this path get a 503", anchor="value")
                continue
            if port is None or unrendered(port):
                continue
            if all(_serves(service, port) is False for service in services):
                yield ingress, Problem(port_path, f"Service {name!r} has no port {port!r}: requests for this path "
                                       "get a 503", anchor="value")


@run_check("statefulset-service-not-found")
def statefulset_service_not_found(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    for statefulset in inventory.of_kind("StatefulSet"):
        name = statefulset.get(("spec", "serviceName"))
        if not isinstance(name, str) or not name or unrendered(name):
            continue
        if not inventory.folder_has(statefulset, SERVICE) or inventory.operator_managed(statefulset):
            continue
        if not inventory.defines("Service", statefulset.namespace, name):
            yield statefulset, Problem(("spec", "serviceName"), f"serviceName {name!r} names no Service among the "
                                       "inputs (which define other Services): the pods get no stable DNS names "
                                       "(<pod>.<service>); add a headless Service of that name", anchor="value")


@run_check("hpa-replicas-conflict")
def hpa_replicas_conflict(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    for hpa in inventory.of_kind("HorizontalPodAutoscaler"):
        target = as_dict(hpa.get(("spec", "scaleTargetRef")))
        kind, name = target.get("kind"), target.get("name")
        if kind not in SCALABLE_KINDS or not isinstance(name, str) or unrendered(name):
            continue
        for workload in inventory.near_named(hpa, frozenset({kind}), name):
            replicas = workload.get(("spec", "replicas"))
            if replicas is None or unrendered(replicas):
                continue
            yield workload, Problem(("spec", "replicas"), f"replicas is set, but HorizontalPodAutoscaler "
                                    f"{hpa.name!r} scales this {kind}: every apply resets it to {replicas} "
                                    "until the autoscaler scales it back; leave replicas out", anchor="value")
