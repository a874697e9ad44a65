"""Typed read-only views of a pod spec and its containers, with the API server's defaults.

Checks read these instead of raw dicts, so Kubernetes defaulting lives here once
(`../shared/docs/k8s-validation-notes.md` §2).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator
from typing import Any, NamedTuple

from podlint.findings import FieldPath, Span
from podlint.model.objects import RUN_TO_COMPLETION, K8sObject
from podlint.patterns import lazy
from podlint.reading.parse import Anchor
from podlint.records import Record


class Role(enum.Enum):
    APP = "app"
    INIT = "init"
    SIDECAR = "sidecar"  # an init container with restartPolicy: Always (native sidecar)
    EPHEMERAL = "ephemeral"


CONTAINER_LISTS = (("containers", Role.APP), ("initContainers", Role.INIT),
                   ("ephemeralContainers", Role.EPHEMERAL))


class ImageRef(NamedTuple):
    repository: str
    tag: str
    digest: str

    @property
    def implicit_latest(self) -> bool:
        """No tag and no digest: the runtime pulls `latest`."""
        return not self.tag and not self.digest


# The image reference grammar of the container runtimes (distribution/reference): path
# components are lower case; anything else fails at pull time with InvalidImageName.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_REFERENCE = lazy(
    rf"^(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::\w[\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
_PLACEHOLDER = lazy(r"\{\{|\$[({A-Za-z_]")


@functools.lru_cache(maxsize=4096)  # a run names the same few images in many pods
def is_valid_image(image: str) -> bool:
    return _REFERENCE.match(image) is not None


@functools.lru_cache(maxsize=4096)
def parse_image(image: str) -> ImageRef:
    """Split `[registry[:port]/]path[:tag][@digest]`; a registry port is not a tag."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return ImageRef(name[:colon], name[colon + 1:], digest)
    return ImageRef(name, "", digest)


def is_placeholder(value: object) -> bool:
    """A value left for a template engine (`{{ .Values.x }}`, `${VAR}`, `$VAR`): its real value is unknown."""
    # Most values have neither `{` nor `$`: a substring test answers them without the pattern.
    return (isinstance(value, str) and ("$" in value or "{{" in value)
            and _PLACEHOLDER.search(value) is not None)


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [item if isinstance(item, str) else str(item) for item in value]


class ContainerView(Record):
    # The object, not the pod view: the pod view keeps its container views, and a pointer back
    # would make a reference cycle that outlives the file (the collector is paused during runs).
    obj: K8sObject
    path: FieldPath  # relative to the object
    data: dict[str, Any]
    role: Role
    list_name: str
    index: int
    # Whether the kubelet restarts this container whenever it exits, even with success.
    restarts_always: bool

    __slots__ = ("data", "index", "list_name", "obj", "path", "restarts_always", "role")

    def __init__(self, obj: K8sObject, path: FieldPath, data: dict[str, Any], role: Role, list_name: str, index: int,
                 restarts_always: bool) -> None:
        self.obj = obj
        self.path = path
        self.data = data
        self.role = role
        self.list_name = list_name
        self.index = index
        self.restarts_always = restarts_always

    @property
    def name(self) -> str:
        value = self.data.get("name")
        return value if isinstance(value, str) else ""

    @property
    def image(self) -> str | None:
        value = self.data.get("image")
        return value if isinstance(value, str) else None

    @property
    def image_pull_policy(self) -> Any:
        return self.data.get("imagePullPolicy")

    @property
    def effective_pull_policy(self) -> str:
        """imagePullPolicy as the API server defaults it: Always for `latest` or no tag."""
        policy = self.image_pull_policy
        if isinstance(policy, str) and policy:
            return policy
        image = self.image
        if image is None:
            return "IfNotPresent"
        ref = parse_image(image.strip())
        return "Always" if ref.tag == "latest" or ref.implicit_latest else "IfNotPresent"

    @property
    def command(self) -> list[str] | None:
        return _str_list(self.data.get("command"))

    @property
    def args(self) -> list[str] | None:
        return _str_list(self.data.get("args"))

    @property
    def resources(self) -> dict[str, Any]:
        value = self.data.get("resources")
        return value if isinstance(value, dict) else {}

    def child(self, *parts: str | int) -> FieldPath:
        return self.path + parts

    def span(self, *parts: str | int, anchor: Anchor = "key") -> Span:
        """Where a field of the container stands; no parts: the container's `- name:` line."""
        return self.obj.span(self.path + parts, anchor)

    @property
    def label(self) -> str:
        return f"{self.role.value} container {self.name!r}" if self.name else f"{self.role.value} container"


class PodSpecView(Record):
    obj: K8sObject
    path: FieldPath  # relative to the object
    data: dict[str, Any]
    # Every pod check walks the containers: their views, made once per pod.
    _containers: tuple[ContainerView, ...] | None

    __slots__ = ("_containers", "data", "obj", "path")

    def __init__(self, obj: K8sObject, path: FieldPath, data: dict[str, Any],
                 _containers: tuple[ContainerView, ...] | None = None) -> None:
        self.obj = obj
        self.path = path
        self.data = data
        self._containers = _containers

    @classmethod
    def of(cls, obj: K8sObject) -> PodSpecView | None:
        path = obj.pod_spec_path
        if path is None:
            return None
        return cls(obj, path, obj.get(path))

    @property
    def restart_policy(self) -> str:
        value = self.data.get("restartPolicy")
        return value if isinstance(value, str) and value else "Always"

    @property
    def host_network(self) -> bool:
        return self.data.get("hostNetwork") is True

    @property
    def dns_policy(self) -> str:
        value = self.data.get("dnsPolicy")
        return value if isinstance(value, str) and value else "ClusterFirst"

    def containers(self) -> tuple[ContainerView, ...]:
        """Every container of the pod, in the API server's order: app, init, ephemeral."""
        if self._containers is None:
            self._containers = tuple(self._find_containers())
        return self._containers

    def _find_containers(self) -> Iterator[ContainerView]:
        # App containers restart Always only as the pod says; a Job's pods never restart Always
        # (invalid-restart-policy reports the template).
        app_restarts = self.restart_policy == "Always" and self.obj.kind not in RUN_TO_COMPLETION
        for list_name, role in CONTAINER_LISTS:
            items = self.data.get(list_name)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                actual = role
                if role is Role.INIT and item.get("restartPolicy") == "Always":
                    actual = Role.SIDECAR
                restarts = actual is Role.SIDECAR or (actual is Role.APP and app_restarts)
                yield ContainerView(self.obj, (*self.path, list_name, index), item, actual, list_name, index,
                                    restarts)

    def child(self, *parts: str | int) -> FieldPath:
        return self.path + parts

    def span(self, *parts: str | int, anchor: Anchor = "key") -> Span:
        return self.obj.span(self.path + parts, anchor)
