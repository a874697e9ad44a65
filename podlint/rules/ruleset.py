"""Which rules run on a file, at what severity, with which options.

The answer combines, in this order: the profile (default < strict < all); the configuration's
`select`, `extend-select` and `ignore`; its `rules` settings and the `overrides` whose globs match
the file; then the command line's `--select`, `--extend-select` and `--ignore`, which win over the
file. It is computed once per distinct combination and cached.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any, NamedTuple

from podlint.findings import Severity
from podlint.records import EMPTY
from podlint.rules.catalogue import PROFILES, Rule
from podlint.rules.select import NO_SELECTION, Selection

ALWAYS_ON = frozenset({"parse-error", "read-error", "internal-error"})  # a run must never hide these


class RuleSetting(NamedTuple):
    """One rule's configuration: `off`, a severity, and options (None: left as the catalogue says)."""

    enabled: bool | None = None
    severity: Severity | None = None
    options: Mapping[str, Any] = EMPTY


class Override(NamedTuple):
    files: tuple[str, ...]
    rules: dict[str, RuleSetting]

    def matches(self, file: str) -> bool:
        path = file.replace("\\", "/")
        return any(fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, f"*/{pattern}")
                   for pattern in self.files)


class FileRules(NamedTuple):
    enabled: frozenset[str]
    severities: dict[str, Severity]
    options: dict[str, dict[str, Any]]

    def severity(self, rule_id: str) -> Severity:
        return self.severities.get(rule_id, Severity.ERROR)


def matches_glob(file: str, patterns: tuple[str, ...]) -> bool:
    return Override(patterns, {}).matches(file)


class Ruleset:
    def __init__(self, catalogue: dict[str, Rule], profile: str = "default",
                 rules: dict[str, RuleSetting] | None = None, overrides: list[Override] | None = None,
                 configured: Selection = NO_SELECTION, command_line: Selection = NO_SELECTION) -> None:
        self.catalogue = catalogue
        self.profile = profile
        self.rules = rules or {}
        self.overrides = overrides or []
        self.configured = configured
        self.command_line = command_line
        self._cache: dict[tuple[int, ...], FileRules] = {}
        self.base = self._resolve(())

    def _resolve(self, applied: tuple[int, ...]) -> FileRules:
        rank = PROFILES.index(self.profile)
        settings: dict[str, list[RuleSetting]] = {}
        for rule_id, setting in self.rules.items():
            settings.setdefault(rule_id, []).append(setting)
        for index in applied:
            for rule_id, setting in self.overrides[index].rules.items():
                settings.setdefault(rule_id, []).append(setting)
        enabled: set[str] = set()
        severities: dict[str, Severity] = {}
        options: dict[str, dict[str, Any]] = {}
        for rule_id, rule in self.catalogue.items():
            on = self.configured.apply(rule_id, PROFILES.index(rule.profile) <= rank)
            severity = rule.severity
            merged: dict[str, Any] = {name: spec.get("default") for name, spec in rule.options.items()
                                      if isinstance(spec, dict)}
            for setting in settings.get(rule_id, []):  # later settings win: config, then overrides
                if setting.enabled is not None:
                    on = setting.enabled
                if setting.severity is not None:
                    severity = setting.severity
                    on = True if setting.enabled is None else on
                merged.update(setting.options)
            on = self.command_line.apply(rule_id, on)
            if on or rule_id in ALWAYS_ON:
                enabled.add(rule_id)
            severities[rule_id] = severity
            options[rule_id] = merged
        return FileRules(frozenset(enabled), severities, options)

    def for_file(self, file: str) -> FileRules:
        applied = tuple(index for index, override in enumerate(self.overrides) if override.matches(file))
        if not applied:
            return self.base
        cached = self._cache.get(applied)
        if cached is None:
            cached = self._cache[applied] = self._resolve(applied)
        return cached

    def possibly_enabled(self) -> frozenset[str]:
        """Every rule enabled for some file: the checks worth running at all."""
        names = set(self.base.enabled)
        for index in range(len(self.overrides)):
            names |= self._resolve((index,)).enabled
        return frozenset(names)
