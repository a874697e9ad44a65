"""`FILE:LINE:COL: SEVERITY rule-id message (kind/name)`, one per line, then a summary.

Every string from input is shortened and escaped (report/escape.py); no line can start with `::`.
With `show_source`, each finding is followed by its line and a caret; with `statistics`, a count per
rule replaces the findings.
"""

from __future__ import annotations

from podlint.findings import Finding, Severity
from podlint.report import Report, statistics
from podlint.report.escape import guard_line, shown, visible

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"
FIXABLE_MARK = "[*]"


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
        where = visible(place.file) if place.span is None else f"{visible(place.file)}:{place.span.line}"
        parts.append(f"{visible(place.label)} {where}")
    return f" [{'; '.join(parts)}]" if parts else ""


def finding_line(finding: Finding, colour: bool = False) -> str:
    severity = finding.severity.label
    rule = visible(finding.rule)
    if colour:
        severity = f"{_COLOURS[finding.severity]}{severity}{_RESET}"
        rule = f"{_BOLD}{rule}{_RESET}"
    where = f"{visible(finding.file)}:{finding.span.line}:{finding.span.column}"
    owner = f" ({shown(finding.kind)}/{shown(finding.name)})" if finding.kind else ""
    return f"{where}: {severity} {rule} {shown(finding.message)}{owner}{related_note(finding)}"


def render(report: Report, colour: bool) -> str:
    lines = _statistics(report, colour) if report.statistics else _findings(report, colour)
    summary = report.summary
    lines.append(
        f"{_plural(summary.files, 'file')}, {_plural(summary.documents, 'document')}: "
        f"{_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')}, "
        f"{_plural(summary.infos, 'info')}"
        + (f"; {_plural(summary.custom_skipped, 'custom resource')} not schema-checked (no CRD in the run, "
           "--schema-dir schema or bundled schema)"
           if summary.custom_skipped else "")
    )
    return "".join(guard_line(line) + "\n" for line in lines)


def _findings(report: Report, colour: bool) -> list[str]:
    if not report.show_source:
        return [finding_line(finding, colour) for finding in report.findings]
    from podlint.report.source import SourceLines, snippet  # only for --show-source

    lines: list[str] = []
    sources = SourceLines()
    for finding in report.findings:
        lines.append(finding_line(finding, colour))
        caret = _COLOURS[finding.severity] if colour else ""
        block = snippet(finding, sources, caret, _RESET if colour else "")
        if block:
            lines.extend(block)
            lines.append("")
    return lines


def _statistics(report: Report, colour: bool) -> list[str]:
    """`COUNT  rule-id  [*]  summary`, most frequent first; `[*]`: podlint fix repairs some of them."""
    rows = statistics(report.findings)
    if not rows:
        return []
    catalogue = report.rules()
    count_width = len(str(rows[0].findings))
    rule_width = max(len(visible(row.rule)) for row in rows)
    lines = []
    for row in rows:
        rule = catalogue.get(row.rule)
        summary = shown(rule.summary) if rule is not None else ""
        mark = FIXABLE_MARK if row.fixable else " " * len(FIXABLE_MARK)
        name = visible(row.rule)
        padded = f"{_BOLD}{name}{_RESET}{' ' * (rule_width - len(name))}" if colour else f"{name:<{rule_width}}"
        lines.append(f"{row.findings:>{count_width}}  {padded}  {mark}  {summary}".rstrip())
    fixable = sum(row.fixable for row in rows)
    if fixable:
        lines.append(f"{FIXABLE_MARK} {_plural(fixable, 'finding')} fixable with `podlint fix`")
    return lines
