"""Reporters: pure functions from a run's findings to text. One module per format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from podlint.findings import Finding, Severity


@dataclass(slots=True)
class Summary:
    files: int = 0
    documents: int = 0
    objects: int = 0
    custom_skipped: int = 0  # custom resources not schema-checked: no CRD in the run, no --schema-dir file
    errors: int = 0
    warnings: int = 0
    infos: int = 0

    def count(self, findings: list[Finding]) -> None:
        for finding in findings:
            if finding.severity is Severity.ERROR:
                self.errors += 1
            elif finding.severity is Severity.WARNING:
                self.warnings += 1
            else:
                self.infos += 1


@dataclass(slots=True)
class Report:
    findings: list[Finding]
    summary: Summary
    exit_code: int = 0
    extra: dict[str, object] = field(default_factory=dict)


Formatter = Callable[[Report, bool], str]


def formatter(name: str) -> Formatter:
    """The formatter for a format name; imported on demand to keep start-up light."""
    if name == "json":
        from podlint.report.json import render as render_json

        return render_json
    from podlint.report.text import render as render_text

    return render_text


FORMATS = ("text", "json")
