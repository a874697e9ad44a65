"""GitHub Actions workflow commands: one `::error|warning|notice ...::message` annotation per finding.

Every string from input is escaped (report/escape.py) before the runner's own escaping, so each
annotation is one line that starts with podlint's command and nothing in it can end the command
or start another one. GitHub shows only 10 annotations of each level per step: `step_summary`
gives the Markdown table that `podlint lint -f github` appends to `$GITHUB_STEP_SUMMARY`.
"""

from __future__ import annotations

from collections import Counter

from podlint.findings import Finding, Severity
from podlint.report import Report, statistics
from podlint.report.escape import shorten, visible
from podlint.report.locations import Locator, find_root
from podlint.sources.files import STDIN_NAME

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SUMMARY_ROWS = 100  # findings listed in the step summary (its limit is 1 MiB a step)


def _data(text: str) -> str:
    """Escape a command's message, as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Escape a property value: also `:` and `,`, which separate properties."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, locator: Locator) -> str:
    span = finding.span
    properties: dict[str, object] = {}
    if finding.file != STDIN_NAME:  # the runner matches paths from the repository root
        properties = {"file": visible(locator.display(finding.file)), "line": span.line, "endLine": span.end_line,
                      "col": span.column, "endColumn": span.end_column}
    properties["title"] = visible(finding.rule)
    owner = f" ({finding.kind}/{finding.name})" if finding.kind else ""
    fields = ",".join(f"{key}={_property(str(value))}" for key, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {fields}::{_data(visible(shorten(finding.message + owner)))}"


def render(report: Report, colour: bool) -> str:
    locator = Locator(report.root or find_root(f.file for f in report.findings))
    return "".join(annotation(finding, locator) + "\n" for finding in report.findings)


def _cell(text: str) -> str:
    """Text from input in a Markdown table cell: visible, and with every ASCII punctuation character
    backslash-escaped, so that it can make no link, image, HTML, emphasis or column of its own."""
    out = []
    for char in visible(shorten(text)):
        if char.isascii() and not char.isalnum() and char != " ":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def step_summary(report: Report) -> str:
    """A Markdown summary for the job's page: the counts, findings per rule, and the first findings."""
    locator = Locator(report.root or find_root(f.file for f in report.findings))
    summary = report.summary
    lines = ["## podlint", "",
             f"{summary.files} files, {summary.documents} documents: {summary.errors} errors, "
             f"{summary.warnings} warnings, {summary.infos} infos", ""]
    if not report.findings:
        return "\n".join(lines) + "\n"
    severities: dict[str, Counter[Severity]] = {}
    for finding in report.findings:
        severities.setdefault(finding.rule, Counter())[finding.severity] += 1
    lines += ["| rule | findings | severity | fixable |", "|---|---:|---|---:|"]
    for row in statistics(report.findings):
        levels = ", ".join(level.label for level in sorted(severities[row.rule], reverse=True))
        lines.append(f"| {_cell(row.rule)} | {row.findings} | {levels} | {row.fixable or ''} |")
    lines += ["", "| severity | rule | where | message |", "|---|---|---|---|"]
    for finding in report.findings[:SUMMARY_ROWS]:
        where = f"{locator.display(finding.file)}:{finding.span.line}:{finding.span.column}"
        owner = f" ({finding.kind}/{finding.name})" if finding.kind else ""
        lines.append(f"| {finding.severity.label} | {_cell(finding.rule)} | {_cell(where)} | "
                     f"{_cell(finding.message + owner)} |")
    if len(report.findings) > SUMMARY_ROWS:
        lines += ["", f"… and {len(report.findings) - SUMMARY_ROWS} more findings (see the job log or the "
                  "SARIF report)."]
    return "\n".join(lines) + "\n"
