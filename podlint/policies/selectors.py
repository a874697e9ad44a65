"""Kubernetes label selectors (`matchLabels`, `matchExpressions`), validated when read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podlint.findings import FieldPath

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

Fail = Callable[[FieldPath, str], Exception]


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: frozenset[str]

    def matches(self, labels: dict[str, Any]) -> bool:
        present = self.key in labels
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        inside = present and str(labels[self.key]) in self.values
        return inside if self.operator == "In" else not inside


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """An empty selector matches everything, as in Kubernetes."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Any) -> bool:
        labels = labels if isinstance(labels, dict) else {}
        return all(requirement.matches(labels) for requirement in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


def read_selector(value: Any, path: FieldPath, fail: Fail) -> LabelSelector:
    """A selector from config or manifest data; `fail(path, message)` builds the usage error."""
    if value is None:
        return LabelSelector()
    if not isinstance(value, dict):
        raise fail(path, "a label selector is a mapping with matchLabels and/or matchExpressions")
    requirements: list[Requirement] = []
    for key, item in value.items():
        if key == "matchLabels":
            if not isinstance(item, dict):
                raise fail((*path, key), "matchLabels is a mapping of label keys to values")
            requirements += [Requirement(str(k), "In", frozenset({str(v)})) for k, v in item.items()]
        elif key == "matchExpressions":
            if not isinstance(item, list):
                raise fail((*path, key), "matchExpressions is a list of {key, operator, values}")
            requirements += [_expression(entry, (*path, key, index), fail) for index, entry in enumerate(item)]
        else:
            raise fail((*path, key), f"unknown label selector key {key!r}; expected matchLabels or matchExpressions")
    return LabelSelector(tuple(requirements))


def _expression(entry: Any, path: FieldPath, fail: Fail) -> Requirement:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        raise fail(path, "a match expression needs a key, an operator and (for In/NotIn) values")
    unknown = set(entry) - {"key", "operator", "values"}
    if unknown:
        raise fail((*path, sorted(unknown)[0]), f"unknown match expression key {sorted(unknown)[0]!r}")
    operator = entry.get("operator")
    if operator not in OPERATORS:
        raise fail((*path, "operator"), f"operator must be one of {', '.join(OPERATORS)}, not {operator!r}")
    values = entry.get("values") or []
    if not isinstance(values, list):
        raise fail((*path, "values"), "values is a list of strings")
    if operator in ("In", "NotIn") and not values:
        raise fail((*path, "values"), f"operator {operator} needs at least one value")
    if operator in ("Exists", "DoesNotExist") and values:
        raise fail((*path, "values"), f"operator {operator} takes no values")
    return Requirement(entry["key"], operator, frozenset(str(v) for v in values))
