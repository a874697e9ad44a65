"""Environment variables: names, sources, duplicates."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import items, spec_path
from podlint.model.podspec import ContainerView, PodSpecView, is_placeholder
from podlint.model.validation import env_var_name, go_value
from podlint.schemas.versions import Version

RELAXED_ENV_NAMES_SINCE: Version = (1, 32)  # RelaxedEnvironmentVariableValidation on by default
VALUE_FROM_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
ENV_FROM_SOURCES = ("configMapRef", "secretRef")


def _named(container: ContainerView) -> Iterator[tuple[tuple[str, int, str], str]]:
    """(where under the container, name) of every env var name and envFrom prefix of a container."""
    for index, variable in items(container.data.get("env")):
        name = variable.get("name")
        if isinstance(name, str) and not is_placeholder(name):
            yield ("env", index, "name"), name
    for index, source in items(container.data.get("envFrom")):
        prefix = source.get("prefix")
        if isinstance(prefix, str) and prefix and not is_placeholder(prefix):
            yield ("envFrom", index, "prefix"), prefix


@pod_check("invalid-env-var-name")
def invalid_env_var_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    relaxed = ctx.kubernetes_version >= RELAXED_ENV_NAMES_SINCE
    for container in pod.containers():
        for at, name in _named(container):
            if not name:
                yield Problem(container.child(*at), f"{spec_path(container, *at)}: Required value")
                continue
            for detail in env_var_name(name, relaxed):
                yield Problem(container.child(*at), f"{spec_path(container, *at)}: Invalid value: {go_value(name)}: "
                              f"{detail}", anchor="value")


@functools.lru_cache(maxsize=4096)  # the same few names recur in every pod
def _only_relaxed(name: str) -> bool:
    """Whether a name is valid since 1.32 (relaxed) but not before."""
    return not env_var_name(name, True) and bool(env_var_name(name, False))


@pod_check("nonportable-env-var-name")
def nonportable_env_var_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if ctx.kubernetes_version < RELAXED_ENV_NAMES_SINCE:
        return  # there the name is an error (invalid-env-var-name)
    for container in pod.containers():
        for at, name in _named(container):
            if name and _only_relaxed(name):
                yield Problem(container.child(*at), f"{spec_path(container, *at)}: {go_value(name)} is accepted "
                              "only since Kubernetes 1.32 (relaxed environment variable names): clusters up to "
                              "1.31 reject it", anchor="value")


@pod_check("invalid-env-source")
def invalid_env_source(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for index, variable in items(container.data.get("env")):
            value_from = variable.get("valueFrom")
            if value_from is None:
                continue
            sources = [key for key in VALUE_FROM_SOURCES
                       if isinstance(value_from, dict) and value_from.get(key) is not None]
            value = variable.get("value")
            value_given = isinstance(value, str) and bool(value)
            if len(sources) == 1 and not value_given:
                continue  # (most variables with a source: paths are named only for a problem)
            where = spec_path(container, "env", index, "valueFrom")
            path = container.child("env", index, "valueFrom")
            if not sources:
                yield Problem(path, f'{where}: Invalid value: "": must specify one of: `fieldRef`, '
                              "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")
            elif len(sources) > 1:
                yield Problem((*path, sources[1]), f'{where}.{sources[1]}: Invalid value: "": may not have more '
                              f"than one field specified at a time (also {sources[0]})")
            if value_given:
                yield Problem(path, f'{where}: Invalid value: "": may not be specified when `value` is not empty')
        for index, source in items(container.data.get("envFrom")):
            present = [key for key in ENV_FROM_SOURCES if source.get(key) is not None]
            if len(present) == 1:
                continue
            where = spec_path(container, "envFrom", index)
            if not present:
                yield Problem(container.child("envFrom", index),
                              f'{where}: Invalid value: "": must specify one of: `configMapRef` or `secretRef`')
            else:
                yield Problem(container.child("envFrom", index, present[1]),
                              f'{where}: Invalid value: "": may not have more than one field specified at a time')


@pod_check("duplicate-env-var")
def duplicate_env_var(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    # The API server's warning: a later definition hides the earlier one unless it builds on it
    # (`X=$(X):more`); `kubectl apply` may then drop one of them.
    for container in pod.containers():
        seen: set[str] = set()
        for index, variable in items(container.data.get("env")):
            name = variable.get("name")
            if not isinstance(name, str):
                continue
            if name not in seen:
                seen.add(name)
                continue
            reference = f"$({name})"
            value = variable.get("value")
            text = value if isinstance(value, str) else ""
            if variable.get("valueFrom") is not None or text == reference or reference not in text:
                yield Problem(container.child("env", index, "name"),
                              f"{spec_path(container, 'env', index)}: hides previous definition of "
                              f"{go_value(name)}, which may be dropped when using apply", anchor="value")
