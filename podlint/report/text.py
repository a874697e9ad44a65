"""`FILE:LINE:COL: SEVERITY rule-id message (kind/name)`, one per line, then a summary."""

from __future__ import annotations

from podlint.findings import Finding, Severity
from podlint.report import Report

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def related_note(finding: Finding) -> str:
    """` [template charts/web/templates/deployment.yaml:30; chart charts/web]` for a rendered finding."""
    if not finding.related:
        return ""
    parts = []
    for place in finding.related:
        if place.label == "rendered":
            continue  # a line of output that exists in no file: JSON and SARIF carry it
        where = place.file if place.span is None else f"{place.file}:{place.span.line}"
        parts.append(f"{place.label} {where}")
    return f" [{'; '.join(parts)}]" if parts else ""


def render(report: Report, colour: bool) -> str:
    lines = []
    for finding in report.findings:
        severity = finding.severity.label
        rule = finding.rule
        if colour:
            severity = f"{_COLOURS[finding.severity]}{severity}{_RESET}"
            rule = f"{_BOLD}{rule}{_RESET}"
        where = f"{finding.file}:{finding.span.line}:{finding.span.column}"
        owner = f" ({finding.kind}/{finding.name})" if finding.kind else ""
        lines.append(f"{where}: {severity} {rule} {finding.message}{owner}{related_note(finding)}")
    summary = report.summary
    lines.append(
        f"{_plural(summary.files, 'file')}, {_plural(summary.documents, 'document')}: "
        f"{_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')}, "
        f"{_plural(summary.infos, 'info')}"
        + (f"; {_plural(summary.custom_skipped, 'custom resource')} not schema-checked (no CRD or --schema-dir schema)"
           if summary.custom_skipped else "")
    )
    return "\n".join(lines) + "\n"
