"""GitHub Actions workflow commands: one `::error|warning|notice ...::message` annotation per finding."""

from __future__ import annotations

from podlint.findings import Finding, Severity
from podlint.report import Report
from podlint.report.locations import Locator, find_root
from podlint.sources.files import STDIN_NAME

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


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
        properties = {"file": locator.display(finding.file), "line": span.line, "endLine": span.end_line,
                      "col": span.column, "endColumn": span.end_column}
    properties["title"] = finding.rule
    owner = f" ({finding.kind}/{finding.name})" if finding.kind else ""
    fields = ",".join(f"{key}={_property(str(value))}" for key, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {fields}::{_data(finding.message + owner)}"


def render(report: Report, colour: bool) -> str:
    locator = Locator(report.root or find_root(f.file for f in report.findings))
    return "".join(annotation(finding, locator) + "\n" for finding in report.findings)
