"""Operational hygiene (the `strict` profile): rollouts, clean-up of finished jobs, disruption
budgets, node ports, image pulls and local storage."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, object_check, pod_check, run_check
from podlint.checks.fields import as_dict, items, unrendered
from podlint.checks.references import ingress_backends
from podlint.model.inventory import Inventory, folder, same_namespace
from podlint.model.objects import K8sObject
from podlint.model.podspec import PodSpecView, Role, parse_image


def _needs_recreate(obj: K8sObject) -> bool:
    """Whether two pods of the Deployment may be unable to run at once: a PersistentVolumeClaim (mostly
    ReadWriteOnce: the new pod waits for the old one's volume) or a whole device such as a GPU or TPU
    (an extended resource: the surge pod waits for a second one)."""
    pod = PodSpecView.of(obj)
    if pod is None:
        return False
    if any("persistentVolumeClaim" in volume for _, volume in items(pod.data.get("volumes"))):
        return True
    return any("/" in str(name) for container in pod.containers()
               for amounts in (as_dict(container.resources.get("limits")), as_dict(container.resources.get("requests")))
               for name in amounts)


@object_check("recreate-strategy", kinds={"Deployment"})
def recreate_strategy(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if (obj.kind == "Deployment" and as_dict(obj.get(("spec", "strategy"))).get("type") == "Recreate"
            and not _needs_recreate(obj)):
        yield Problem(("spec", "strategy", "type"), "strategy Recreate stops every old pod before starting new "
                      "ones: each rollout is an outage; use RollingUpdate (the default) unless two versions "
                      "must never run at once", anchor="value")


@object_check("cronjob-missing-deadline", kinds={"CronJob"})
def cronjob_missing_deadline(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind == "CronJob" and obj.get(("spec", "startingDeadlineSeconds")) is None:
        yield Problem(("spec",), "no startingDeadlineSeconds: a run missed while the controller was down is started "
                      "at any delay, and after 100 missed runs the CronJob stops scheduling altogether")


@object_check("job-missing-ttl", kinds={"Job"})
def job_missing_ttl(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind != "Job" or obj.metadata.get("ownerReferences") or obj.get(("spec",)) is None:
        return  # a CronJob's Jobs are cleaned up by its history limits
    if obj.get(("spec", "ttlSecondsAfterFinished")) is None:
        yield Problem(("spec",), "no ttlSecondsAfterFinished: the finished Job and its pods stay in the cluster "
                      "until someone deletes them")


@object_check("pdb-missing-eviction-policy", kinds={"PodDisruptionBudget"})
def pdb_missing_eviction_policy(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind != "PodDisruptionBudget" or not isinstance(obj.get(("spec",)), dict):
        return
    if obj.get(("spec", "unhealthyPodEvictionPolicy")) is None:
        yield Problem(("spec",), "no unhealthyPodEvictionPolicy: with the default IfHealthyBudget, pods that never "
                      "became ready count against the budget and can block node drains; set AlwaysAllow")


def _ingress_backends(inventory: Inventory) -> dict[tuple[str, str], list[str]]:
    """(folder, name) of every Service an Ingress of the inputs routes to -> the Ingresses' namespaces."""
    found: dict[tuple[str, str], list[str]] = {}
    for ingress in inventory.of_kind("Ingress"):
        for name, _, _, _ in ingress_backends(ingress):
            if isinstance(name, str):
                found.setdefault((folder(ingress), name), []).append(ingress.namespace)
    return found


@run_check("node-port-service")
def node_port_service(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
    backends: dict[tuple[str, str], list[str]] | None = None
    for service in inventory.of_kind("Service"):
        if service.get(("spec", "type")) != "NodePort":
            continue
        if backends is None:
            backends = _ingress_backends(inventory)
        if any(same_namespace(ns, service.namespace) for ns in backends.get((folder(service), service.name), ())):
            continue  # its Ingress controller may need the node port (GKE's does, without container-native LB)
        yield service, Problem(("spec", "type"), "type NodePort opens the Service's ports on every node of the "
                               "cluster, outside any Ingress or load balancer; use ClusterIP behind an Ingress, or "
                               "LoadBalancer", anchor="value")


@pod_check("pull-policy-not-always")
def pull_policy_not_always(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        image = container.image
        if container.role is Role.EPHEMERAL or image is None or unrendered(image) or parse_image(image.strip()).digest:
            continue  # a digest never changes: IfNotPresent is right for it
        policy = container.effective_pull_policy
        if policy in ("Always", "Never") or unrendered(policy):
            continue  # Never is image-pull-policy-never's
        where = container.child("imagePullPolicy") if "imagePullPolicy" in container.data else container.child("image")
        yield Problem(where, f"{container.label}: image {image!r} has a tag that can move, and imagePullPolicy "
                      f"is {policy}: a node that has an older image under that tag keeps running it; set "
                      "imagePullPolicy: Always or pin a digest", anchor="value")


@pod_check("missing-ephemeral-storage")
def missing_ephemeral_storage(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        if container.role is Role.EPHEMERAL:
            continue
        resources = container.resources
        if "ephemeral-storage" in as_dict(resources.get("limits")):
            continue  # (a missing request defaults to the limit)
        what = "limit" if "ephemeral-storage" in as_dict(resources.get("requests")) else "request or limit"
        yield Problem(container.path, f"{container.label} has no ephemeral-storage {what}: logs, emptyDir "
                      "volumes and writes to its filesystem can fill the node's disk, and the kubelet then evicts "
                      "pods to reclaim it")
