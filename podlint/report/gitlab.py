"""A GitLab Code Quality report (a subset of the Code Climate format) for merge-request widgets."""

from __future__ import annotations

import json
from typing import Any

from podlint.findings import Severity
from podlint.report import Report
from podlint.report.escape import json_safe, visible
from podlint.report.fingerprints import fingerprints
from podlint.report.locations import Locator, find_root

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def render(report: Report, colour: bool) -> str:
    locator = Locator(report.root or find_root(f.file for f in report.findings))
    paths = [locator.display(f.file) for f in report.findings]
    issues: list[dict[str, Any]] = []
    for finding, path, fingerprint in zip(report.findings, paths, fingerprints(report.findings, paths),
                                          strict=True):
        owner = f" ({finding.kind}/{finding.name})" if finding.kind else ""
        issues.append({
            "description": visible(finding.message + owner),  # shown in the merge request: escaped
            "check_name": visible(finding.rule),
            "fingerprint": fingerprint,
            "severity": SEVERITIES[finding.severity],
            "location": {"path": path, "lines": {"begin": finding.span.line, "end": finding.span.end_line}},
        })
    return json_safe(json.dumps(issues, indent=2, ensure_ascii=False)) + "\n"
