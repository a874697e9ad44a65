"""`{"findings": [...], "summary": {...}}`: the machine-readable form of a run."""

from __future__ import annotations

import json
from typing import Any

from podlint.findings import Finding, Related
from podlint.report import Report, statistics
from podlint.report.escape import json_safe, visible


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "message": visible(finding.message),  # text for people: escaped; the fields below are data
        "file": finding.file,
        "line": finding.span.line,
        "column": finding.span.column,
        "end_line": finding.span.end_line,
        "end_column": finding.span.end_column,
        "kind": finding.kind,
        "name": finding.name,
        "namespace": finding.namespace,
        "path": finding.path,
        "fixable": finding.fixable,
        "related": [related_dict(place) for place in finding.related],
        "approximate": finding.approximate,
    }


def related_dict(place: Related) -> dict[str, Any]:
    """A related location; `line` and the rest are null for a folder (a chart, an overlay)."""
    span = place.span
    return {"label": place.label, "file": place.file,
            "line": span.line if span else None, "column": span.column if span else None,
            "end_line": span.end_line if span else None, "end_column": span.end_column if span else None}


def render(report: Report, colour: bool) -> str:
    summary = report.summary
    document: dict[str, Any] = {}
    if report.statistics:  # --statistics: a count per rule instead of the findings
        catalogue = report.rules()
        document["statistics"] = [
            {"rule": row.rule, "count": row.findings, "fixable": row.fixable,
             "summary": catalogue[row.rule].summary if row.rule in catalogue else ""}
            for row in statistics(report.findings)]
    else:
        document["findings"] = [finding_dict(finding) for finding in report.findings]
    document |= {
        "summary": {
            "files": summary.files,
            "documents": summary.documents,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "custom_resources_skipped": summary.custom_skipped,
            "custom_resource_rules_skipped": summary.rules_skipped,
        },
    }
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
