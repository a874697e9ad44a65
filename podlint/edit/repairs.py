"""Repairs computed when the editor asks for them (a code action), for findings whose fix changes what
runs and so is no `podlint fix` default: limits and requests from a configured default, an explicit
imagePullPolicy, the tag the same image has elsewhere in the file. Computing them on demand keeps the
lint path, which runs on every keystroke, free of them; the edits come from `edits`, verified by
reading the result back, as every fix is."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from podlint.edit import edits
from podlint.findings import FieldPath, Finding, Fix
from podlint.model.objects import K8sObject, lookup, objects_of
from podlint.model.podspec import parse_image
from podlint.reading.parse import parse_text

# The rule option `fix-default` of missing-resource-limits (rules/missing-resource-limits.yaml) has the same.
DEFAULT_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")

Repair = Callable[[K8sObject, FieldPath, Mapping[str, Any], str], list[Fix]]


def parse_path(text: str) -> FieldPath:
    """`spec.containers[0]` -> ("spec", "containers", 0): the inverse of findings.format_path."""
    return tuple(int(index) if index else name for name, index in _PART.findall(text))


def locate(text: str, file: str, finding: Finding) -> tuple[K8sObject, FieldPath] | None:
    """The object a finding is on, in the text as it is now, and the finding's path relative to it."""
    full = parse_path(finding.path)
    row = finding.span.line - 1
    documents = parse_text(text, file).documents
    for document in documents:
        root = document.root
        if not document.line_offset + root.start_mark.line <= row <= document.line_offset + root.end_mark.line:
            continue
        for obj in objects_of(document):
            if full[:len(obj.base)] == obj.base:
                return obj, full[len(obj.base):]
    return None


def repairs(text: str, file: str, finding: Finding, options: Mapping[str, Any]) -> list[Fix]:
    """The repairs of one finding (the rule's options as configured for the file), best first."""
    repair = REPAIRS.get(finding.rule)
    if repair is None or not finding.path:
        return []
    found = locate(text, file, finding)
    if found is None:
        return []
    obj, path = found
    return repair(obj, path, options, text)


def _quantities(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items() if v not in (None, "")} if isinstance(value, dict) else {}


def add_limits(obj: K8sObject, path: FieldPath, options: Mapping[str, Any], text: str) -> list[Fix]:
    container = lookup(obj.data, path)
    if not isinstance(container, dict):
        return []
    default = options.get("fix-default") or DEFAULT_RESOURCES
    default_requests, default_limits = _quantities(default.get("requests")), _quantities(default.get("limits"))
    required = [str(name) for name in options.get("require") or ("cpu", "memory")]
    resources = container.get("resources")
    if "resources" not in container:
        limits = {name: default_limits[name] for name in required if name in default_limits}
        wanted = {"requests": default_requests, "limits": limits} if default_requests else {"limits": limits}
        fix = edits.add_entries(obj, path, {"resources": wanted}, "Add resources: requests and limits "
                                f"({_words(wanted)}, from the configured default)")
        return [fix] if fix is not None else []
    if not isinstance(resources, dict):
        return []
    requests = _quantities(resources.get("requests"))
    # A limit equal to the request is always valid; else the configured default.
    missing = {name: requests.get(name) or default_limits.get(name) for name in required}
    if "limits" not in resources:
        limits = {name: value for name, value in missing.items() if value}
        fix = edits.add_entries(obj, (*path, "resources"), {"limits": limits},
                                f"Add resources.limits ({_words({'limits': limits})})")
        return [fix] if fix is not None else []
    present = resources.get("limits")
    if not isinstance(present, dict):
        return []
    limits = {name: value for name, value in missing.items() if value and present.get(name) in (None, "")
              and name not in present}
    fix = edits.add_entries(obj, (*path, "resources", "limits"), limits,
                            f"Add the {' and '.join(limits)} limit{'s' if len(limits) > 1 else ''}")
    return [fix] if fix is not None else []


def _words(entries: dict[str, dict[str, str]]) -> str:
    return "; ".join(f"{group} " + ", ".join(f"{name} {value}" for name, value in values.items())
                     for group, values in entries.items())


def pin_image(obj: K8sObject, path: FieldPath, options: Mapping[str, Any], text: str) -> list[Fix]:
    """The tag (never a guess) the same repository has elsewhere in the file, and an explicit pull policy."""
    container_path = path[:-1]
    container = lookup(obj.data, container_path)
    image = container.get("image") if isinstance(container, dict) else None
    if not isinstance(image, str) or not isinstance(container, dict):
        return []
    repository = parse_image(image.strip()).repository
    out: list[Fix] = []
    pattern = re.compile(r"""(?:^|[\s{,-])["']?image["']?[ \t]*:[ \t]*["']?""" + re.escape(repository)
                         + r""":([\w][\w.-]{0,127})(?=["',}\s]|$)""", re.MULTILINE)
    tags = [tag for tag in dict.fromkeys(pattern.findall(text)) if tag != "latest"]
    for tag in tags[:3]:
        fix = edits.set_value(obj, path, f"{repository}:{tag}",
                              f"Pin {repository}:{tag} (the tag this file uses elsewhere)")
        if fix is not None:
            out.append(fix)
    if container.get("imagePullPolicy") in (None, ""):
        if "imagePullPolicy" in container:
            fix = edits.set_value(obj, (*container_path, "imagePullPolicy"), "IfNotPresent",
                                  "Set imagePullPolicy: IfNotPresent (not pulled on every start)")
        else:
            fix = edits.add_key(obj, container_path, "imagePullPolicy", "IfNotPresent",
                                "Set imagePullPolicy: IfNotPresent (not pulled on every start)", after="image")
        if fix is not None:
            out.append(fix)
    return out


def make_sidecar(obj: K8sObject, path: FieldPath, options: Mapping[str, Any], text: str) -> list[Fix]:
    """An init container with probes or hooks as a native sidecar: `restartPolicy: Always` (it then runs beside
    the app for the pod's life, which is what probes mean). The other way out, removing the probe, is the
    finding's own fix."""
    container_path = path[:-1]
    container = lookup(obj.data, container_path)
    if not isinstance(container, dict) or len(container_path) < 2 or container_path[-2] != "initContainers":
        return []
    name = container.get("name")
    description = (f"Make {name if isinstance(name, str) and name else 'the init container'} a native sidecar "
                   "(restartPolicy: Always; Kubernetes 1.29+)")
    if "restartPolicy" in container:
        fix = edits.set_value(obj, (*container_path, "restartPolicy"), "Always", description)
    else:
        fix = edits.add_key(obj, container_path, "restartPolicy", "Always", description,
                            after="image" if "image" in container else None)
    return [fix] if fix is not None else []


# Suffixes for a renamed duplicate, by the list it is in: the name says what the container is.
_RENAME_SUFFIX = {"initContainers": "init", "ephemeralContainers": "debug", "containers": "2"}
_MAX_NAME = 63  # a container name is a DNS label


def rename_duplicate(obj: K8sObject, path: FieldPath, options: Mapping[str, Any], text: str) -> list[Fix]:
    """A duplicate container's name made unique in its pod (`app-init`, `app-2`...): the first of the name keeps it."""
    container_path = path[:-1]
    if len(container_path) < 2 or not isinstance(container_path[-2], str):
        return []
    name = lookup(obj.data, path)
    pod = lookup(obj.data, container_path[:-2])
    if not isinstance(name, str) or not name or not isinstance(pod, dict):
        return []
    taken = {c.get("name") for field in _RENAME_SUFFIX for c in (pod.get(field) or []) if isinstance(c, dict)}
    suffix = _RENAME_SUFFIX.get(container_path[-2], "2")
    candidates = [f"{name}-{suffix}"] + [f"{name}-{number}" for number in range(2, 100)]
    fresh = next((c for c in candidates if c not in taken and len(c) <= _MAX_NAME), None)
    if fresh is None:
        return []
    fix = edits.set_value(obj, path, fresh, f"Rename this container to {fresh}")
    return [fix] if fix is not None else []


_TEMPLATE = ("spec", "template")


def match_selector(obj: K8sObject, path: FieldPath, options: Mapping[str, Any], text: str) -> list[Fix]:
    """The template's labels completed, or one of them corrected, so that the selector selects them. Never the
    selector: it is immutable once applied (and the pods running under it are selected by it)."""
    selector = obj.get(("spec", "selector"))
    if not isinstance(selector, dict):
        return []
    selector = {"matchLabels": selector} if obj.kind == "ReplicationController" else selector
    wanted = selector.get("matchLabels")
    if not isinstance(wanted, dict) or not wanted or not all(isinstance(k, str) for k in wanted) \
            or selector.get("matchExpressions"):
        return []  # (expressions: what they want is no one value to write)
    wanted = {key: str(value) for key, value in wanted.items()}
    metadata = obj.get((*_TEMPLATE, "metadata"))
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if labels is not None and not isinstance(labels, dict):
        return []
    present = {str(key): value for key, value in (labels or {}).items()}
    missing = {key: value for key, value in wanted.items() if key not in present}
    wrong = {key: value for key, value in wanted.items() if key in present and str(present[key]) != value}
    if isinstance(labels, dict):
        if missing and not wrong:
            fix = edits.add_entries(obj, (*_TEMPLATE, "metadata", "labels"), missing,
                                    f"Add {_pairs(missing)} to the template's labels (the selector's)")
        elif len(wrong) == 1 and not missing:
            [(key, value)] = wrong.items()
            fix = edits.set_value(obj, (*_TEMPLATE, "metadata", "labels", key), value,
                                  f"Set the template's label {key} to {value} (the selector's; Services that "
                                  "select the old value lose these pods)")
        else:
            return []  # one change at a time, each verified
    elif isinstance(metadata, dict):
        fix = edits.add_entries(obj, (*_TEMPLATE, "metadata"), {"labels": wanted},
                                f"Add labels {_pairs(wanted)} to the template (the selector's)")
    elif isinstance(obj.get(_TEMPLATE), dict) and metadata is None:
        fix = edits.add_entries(obj, _TEMPLATE, {"metadata": {"labels": wanted}},
                                f"Add labels {_pairs(wanted)} to the template (the selector's)")
    else:
        return []
    return [fix] if fix is not None else []


def _pairs(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in labels.items())


REPAIRS: dict[str, Repair] = {"missing-resource-limits": add_limits, "image-latest-tag": pin_image,
                              "init-container-probe": make_sidecar, "duplicate-container-name": rename_duplicate,
                              "selector-mismatch": match_selector}
