"""Volumes and the mounts that use them."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, items, repeated, spec_path
from podlint.model.podspec import PodSpecView, is_placeholder
from podlint.model.validation import go_value

# Every volume source of `core/v1.VolumeSource`: a volume takes exactly one (none: emptyDir).
VOLUME_SOURCES = frozenset({
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI",
    "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
    "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
})


def volume_names(pod: PodSpecView) -> set[str]:
    """The volumes a container may mount: the pod's, and a StatefulSet's per-pod claims."""
    names = {name for _, volume in items(pod.data.get("volumes")) if isinstance(name := volume.get("name"), str)}
    if pod.obj.kind == "StatefulSet":
        names |= {name for _, claim in items(pod.obj.get(("spec", "volumeClaimTemplates")))
                  if isinstance(name := as_dict(claim.get("metadata")).get("name"), str)}
    return names


@pod_check("duplicate-volume-name")
def duplicate_volume_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for index, name in repeated(pod.data.get("volumes"), "name"):
        yield Problem(pod.child("volumes", index, "name"),
                      f"volumes[{index}].name: Duplicate value: {go_value(name)}", anchor="value")


@pod_check("volume-mount-not-found")
def volume_mount_not_found(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    defined = volume_names(pod)
    for container in pod.containers():
        for list_name in ("volumeMounts", "volumeDevices"):
            for index, mount in items(container.data.get(list_name)):
                name = mount.get("name")
                if not isinstance(name, str) or not name or name in defined or is_placeholder(name):
                    continue
                yield Problem(container.child(list_name, index, "name"),
                              f"{spec_path(container, list_name, index, 'name')}: Not found: {go_value(name)}",
                              anchor="value")


@pod_check("duplicate-mount-path")
def duplicate_mount_path(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for index, path in repeated(container.data.get("volumeMounts"), "mountPath"):
            yield Problem(container.child("volumeMounts", index, "mountPath"),
                          f"{spec_path(container, 'volumeMounts', index, 'mountPath')}: Invalid value: "
                          f"{go_value(path)}: must be unique", anchor="value")


@pod_check("multiple-volume-sources")
def multiple_volume_sources(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for index, volume in items(pod.data.get("volumes")):
        sources = [key for key in volume if key in VOLUME_SOURCES and volume[key] is not None]
        for extra in sources[1:]:
            yield Problem(pod.child("volumes", index, extra),
                          f"volumes[{index}].{extra}: Forbidden: may not specify more than 1 volume type "
                          f"(already {sources[0]})")


def _descending_path_errors(path: str) -> list[str]:
    """validateLocalDescendingPath: a relative path that cannot climb out of the volume."""
    errors = []
    if path.startswith("/") or path.startswith("\\"):
        errors.append("must be a relative path")
    if ".." in path.replace("\\", "/").split("/"):
        errors.append("must not contain '..'")
    return errors


@pod_check("invalid-sub-path")
def invalid_sub_path(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for index, mount in items(container.data.get("volumeMounts")):
            where = spec_path(container, "volumeMounts", index)
            sub_path, expression = mount.get("subPath"), mount.get("subPathExpr")
            if isinstance(sub_path, str) and sub_path and isinstance(expression, str) and expression:
                yield Problem(container.child("volumeMounts", index, "subPathExpr"),
                              f"{where}.subPathExpr: Invalid value: {go_value(expression)}: "
                              "subPathExpr and subPath are mutually exclusive")
            for field in ("subPath", "subPathExpr"):
                value = mount.get(field)
                if not isinstance(value, str) or not value:
                    continue
                for detail in _descending_path_errors(value):
                    yield Problem(container.child("volumeMounts", index, field),
                                  f"{where}.{field}: Invalid value: {go_value(value)}: {detail}", anchor="value")
