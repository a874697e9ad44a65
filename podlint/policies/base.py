"""What custom rules and admission policies share: usage errors at a position, and the loaded set.

Custom rules and ValidatingAdmissionPolicies become ordinary entries of the run's catalogue
(`Rule`) with an object check of the same signature as the built-in `@object_check`s, so the
engine runs, isolates, positions, configures and suppresses them like any other rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from podlint.findings import FieldPath, Finding, format_path
from podlint.reading.parse import Document
from podlint.records import Record
from podlint.rules.catalogue import Rule, load_catalogue, with_rules

if TYPE_CHECKING:
    from podlint.checks import ObjectCheck
    from podlint.policies.cel import CelEnvironment


class PolicyError(Exception):
    """A broken custom rule or policy: a usage error (exit 2) raised before any file is linted."""


class Located(NamedTuple):
    """Where a piece of rule data was read from, so that an error names its file, line and column."""

    name: str
    document: Document | None = None
    base: FieldPath = ()

    def at(self, *parts: str | int) -> Located:
        return Located(self.name, self.document, self.base + parts)

    def error(self, path: FieldPath, message: str) -> PolicyError:
        full = self.base + path
        if self.document is None:
            return PolicyError(f"{self.name}: {format_path(full) or '(top)'}: {message}")
        span = self.document.span(full, "key")
        return PolicyError(f"{self.name}:{span.line}:{span.column}: {message}")


class PolicyRule(NamedTuple):
    """A rule of the run beyond the built-in ones: its catalogue entry and its object check."""

    rule: Rule
    check: ObjectCheck


class Policies(Record):
    """Everything loaded from `custom-rules`, `policies` and `--policy`, ready for the engine."""

    rules: list[PolicyRule]
    # Run-level findings about the policies themselves (a policy skipped offline); the engine
    # gives them the severity the ruleset says for their rule and the file they point at.
    notes: list[Finding]
    cel: CelEnvironment | None

    __slots__ = ("cel", "notes", "rules")

    def __init__(self, rules: list[PolicyRule] | None = None, notes: list[Finding] | None = None,
                 cel: CelEnvironment | None = None) -> None:
        self.rules = [] if rules is None else rules
        self.notes = [] if notes is None else notes
        self.cel = cel

    def catalogue(self) -> dict[str, Rule]:
        """The run's catalogue: the built-in rules plus these."""
        return with_rules(entry.rule for entry in self.rules)

    def checks(self) -> list[tuple[str, ObjectCheck]]:
        return [(entry.rule.id, entry.check) for entry in self.rules]

    def environment(self) -> CelEnvironment:
        """The CEL environment the run shares (imported on first use: `cel` costs ~0.2 s to import)."""
        if self.cel is None:
            from podlint.policies.cel import CelEnvironment

            self.cel = CelEnvironment()
        return self.cel

    def taken(self) -> set[str]:
        return set(load_catalogue()) | {entry.rule.id for entry in self.rules}


def as_list(value: Any) -> list[Any]:
    """`x` or `[x, y]` -> a list; None -> []."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
