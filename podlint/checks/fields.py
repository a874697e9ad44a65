"""Small readers shared by the checks: typed field access and API-server style field paths."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from podlint.findings import format_path
from podlint.model.podspec import ContainerView, PodSpecView, is_placeholder
from podlint.patterns import lazy

_SUBSTITUTION_TOKEN = lazy(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def unrendered(value: object) -> bool:
    """A value left for a template engine or a `sed`/`envsubst` step (`{{ .x }}`, `${X}`, `PV_NAME`)."""
    if not isinstance(value, str):
        return False
    # (a substitution token has an underscore: most values are answered without the pattern)
    return is_placeholder(value) or ("_" in value and _SUBSTITUTION_TOKEN.match(value) is not None)


def as_int(value: Any) -> int | None:
    """An integer field's value (YAML booleans are not numbers)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The mapping items of a list field, with their indexes (other items are the schema's concern)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def repeated(entries: Any, field: str) -> Iterator[tuple[int, str]]:
    """(index, value) of each list entry whose string `field` an earlier entry already had."""
    seen: set[str] = set()
    for index, entry in items(entries):
        value = entry.get(field)
        if isinstance(value, str) and value:
            if value in seen:
                yield index, value
            seen.add(value)


def spec_path(container: ContainerView, *parts: str | int) -> str:
    """A container field as the API server names it, relative to the pod spec: `containers[0].ports[1]`."""
    return _field_path((container.list_name, container.index, *parts))


@functools.lru_cache(maxsize=4096)  # checks name fields eagerly, and the same few paths recur in every pod
def _field_path(path: tuple[str | int, ...]) -> str:
    return format_path(path)


def termination_grace_period(pod: PodSpecView) -> int:
    """The pod's grace period as the kubelet uses it: 30 when unset, 1 when negative."""
    value = as_int(pod.data.get("terminationGracePeriodSeconds"))
    if value is None:
        return 30
    return 1 if value < 0 else value
