"""SARIF 2.1.0 for code scanning: one run, the catalogue as rule metadata, one result per finding.

Written as plain JSON data, property by property as the SARIF 2.1.0 schema names them, rather
than through sarif-om's object model: importing sarif-om (and attrs) costs ~40 ms, more than
linting 100 documents, on every CI run. The tests check the log against the official schema
and every object's properties against sarif-om's model (tests/test_report_sarif.py).
A property is written only when it differs from the schema's default, except `level`.

What GitHub code scanning reads beyond the standard: rule `properties.tags` (`security`,
`reliability`, CWE ids), `security-severity` for security rules (the catalogue's scale),
`problem.severity` for the others, and the run's `automationDetails.id` (its category). The log
keeps within GitHub's documented limits (SARIF_LIMITS, checked by the tests): over 25,000 results,
the most severe are kept and a notification says how many were left out. Messages are escaped
like every other report's (report/escape.py).
"""

from __future__ import annotations

import json
from typing import Any

from podlint import __version__
from podlint.findings import Finding, Fix, Related, Severity
from podlint.report import Report
from podlint.report.escape import json_safe, visible
from podlint.report.fingerprints import SARIF_KEY, fingerprints
from podlint.report.locations import SRCROOT, Locator, find_root
from podlint.rules.catalogue import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/podlint/podlint"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
EXIT_CODES = {
    0: "no finding reached --fail-on",
    1: "a finding reached --fail-on",
    2: "an input could not be read or parsed, or a rule failed",
}

JSON = dict[str, Any]
# GitHub code scanning's limits (docs: "SARIF support for code scanning"): beyond the first four a file
# is rejected; tags beyond 10 and descriptions beyond 1024 characters are not shown.
SARIF_LIMITS = {"runs": 20, "results": 25_000, "rules": 25_000, "locations": 10, "related_locations": 1_000,
                "tags": 10, "name": 255, "description": 1024}
PROBLEM_SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}


def render(report: Report, colour: bool) -> str:
    # Compact: with `indent`, json falls back from its C encoder to the Python one, 5x slower
    # (30 ms for 700 results); SARIF is read by code scanning and tools, not by people.
    return json_safe(json.dumps(sarif_log(report), ensure_ascii=False)) + "\n"


def _within_limits(findings: list[Finding]) -> tuple[list[Finding], int]:
    """At most SARIF_LIMITS["results"] findings (the most severe, in report order), and how many were left out."""
    limit = SARIF_LIMITS["results"]
    if len(findings) <= limit:
        return findings, 0
    kept = sorted(range(len(findings)), key=lambda index: -findings[index].severity)[:limit]
    return [findings[index] for index in sorted(kept)], len(findings) - limit


def sarif_log(report: Report) -> JSON:
    catalogue = report.rules()  # custom rules and admission policies too
    rules = list(catalogue.values())
    findings, left_out = _within_limits(report.findings)
    for finding in findings:
        # Every rule id should have a catalogue entry; describe a stray one rather than fail.
        if finding.rule not in catalogue and all(rule.id != finding.rule for rule in rules):
            rules.append(_unknown_rule(finding.rule))
    index = {rule.id: number for number, rule in enumerate(rules)}
    locator = Locator(report.root or find_root(f.file for f in report.findings))
    paths = [locator.display(f.file) for f in findings]
    results = [
        _result(finding, index[finding.rule], fingerprint, locator)
        for finding, fingerprint in zip(findings, fingerprints(findings, paths), strict=True)
    ]
    invocation: JSON = {
        "executionSuccessful": not any(f.rule == "internal-error" for f in report.findings),
        "exitCode": report.exit_code,
    }
    if report.exit_code in EXIT_CODES:
        invocation["exitCodeDescription"] = EXIT_CODES[report.exit_code]
    if left_out:
        invocation["toolExecutionNotifications"] = [{"level": "warning", "message": {"text": (
            f"{left_out} of {len(report.findings)} results left out: GitHub code scanning accepts at most "
            f"{SARIF_LIMITS['results']} per run (the most severe are kept; the JSON report has them all)")}}]
    run: JSON = {
        "tool": {"driver": {
            "name": "podlint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_descriptor(rule) for rule in rules],
        }},
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"uri": locator.root_uri()}},
        "columnKind": "unicodeCodePoints",  # the reader counts columns in characters
        "results": results,
    }
    if report.sarif_category:
        run["automationDetails"] = {"id": automation_id(report.sarif_category)}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def automation_id(category: str) -> str:
    """`automationDetails.id` for a code scanning category: GitHub reads the part before the last `/` as the
    category, so it ends in `/` (as github/codeql-action/upload-sarif writes it)."""
    return category if category.endswith("/") else category + "/"


def _limited(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _descriptor(rule: Rule) -> JSON:
    # A custom rule's or a policy's texts come from a configuration: escaped as messages are.
    name = "".join(word.capitalize() for word in rule.id.split("-"))
    tags = ["kubernetes", rule.category, *rule.tags]
    properties: JSON = {"tags": [visible(tag) for tag in dict.fromkeys(tags)][:SARIF_LIMITS["tags"]],
                        "precision": "very-high", "profile": rule.profile}
    if rule.security_severity is not None:
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    else:
        properties["problem.severity"] = PROBLEM_SEVERITIES[rule.severity]
    return {
        "id": rule.id,
        "name": _limited(visible(name), SARIF_LIMITS["name"]),
        "shortDescription": {"text": _limited(visible(rule.summary), SARIF_LIMITS["description"])},
        "fullDescription": {"text": _limited(visible(rule.why, newlines=True), SARIF_LIMITS["description"])},
        "help": {"text": visible(_help_text(rule), newlines=True),
                 "markdown": visible(_help_markdown(rule), newlines=True)},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


def _unknown_rule(rule_id: str) -> Rule:
    return Rule(id=rule_id, severity=Severity.ERROR, summary=rule_id, why=rule_id, fix="")


def _help_sections(rule: Rule) -> list[tuple[str, str, str]]:
    """(heading, plain text, Markdown) of each part of a rule's help that the rule has."""
    sections = [("Why it matters", rule.why, rule.why)]
    if rule.fix:
        sections.append(("How to fix it", rule.fix, rule.fix))
    if rule.bad:
        sections.append(("Bad", rule.bad, f"```yaml\n{rule.bad}\n```"))
    if rule.good:
        sections.append(("Good", rule.good, f"```yaml\n{rule.good}\n```"))
    if rule.references:
        sections.append(("References", "\n".join(rule.references),
                         "\n".join(f"- <{ref}>" for ref in rule.references)))
    return sections


def _help_text(rule: Rule) -> str:
    return "\n\n".join([rule.summary, *(f"{heading}:\n{text}" for heading, text, _ in _help_sections(rule))])


def _help_markdown(rule: Rule) -> str:
    return "\n\n".join([rule.summary, *(f"## {heading}\n\n{markdown}"
                                         for heading, _, markdown in _help_sections(rule))])


def _artifact(finding: Finding, locator: Locator) -> JSON:
    uri, base = locator.uri(finding.file)
    return {"uri": uri, "uriBaseId": base} if base is not None else {"uri": uri}


def _region(start_line: int, start_column: int, end_line: int, end_column: int) -> JSON:
    return {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}


def _result(finding: Finding, rule_index: int, fingerprint: str, locator: Locator) -> JSON:
    span = finding.span
    location: JSON = {"physicalLocation": {
        "artifactLocation": _artifact(finding, locator),
        "region": _region(span.line, span.column, span.end_line, span.end_column),
    }}
    if finding.kind:
        # The Kubernetes object the finding belongs to, as `namespace/Kind/name`.
        owner = "/".join(part for part in (finding.kind, finding.name) if part)
        location["logicalLocations"] = [{
            "name": visible(owner),
            "fullyQualifiedName": visible(f"{finding.namespace}/{owner}" if finding.namespace else owner),
            "kind": "resource",
        }]
    result: JSON = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": visible(finding.message)},
        "locations": [location],
        "partialFingerprints": {SARIF_KEY: fingerprint},
    }
    if finding.related:
        result["relatedLocations"] = [_related(number, place, locator) for number, place
                                      in enumerate(finding.related[:SARIF_LIMITS["related_locations"]])]
    if finding.fixable and finding.fix is not None:
        result["fixes"] = [_fix(finding.fix, finding, locator)]
    properties: JSON = {"kind": finding.kind, "name": finding.name, "namespace": finding.namespace,
                        "path": finding.path, "approximate": finding.approximate}
    properties = {key: value for key, value in properties.items() if value}
    if properties:
        result["properties"] = properties
    return result


def _related(number: int, place: Related, locator: Locator) -> JSON:
    """A related location (a rendered chart's template, values or rendered line; an overlay folder)."""
    uri, base = locator.uri(place.file)
    physical: JSON = {"artifactLocation": {"uri": uri, "uriBaseId": base} if base is not None else {"uri": uri}}
    if place.span is not None:
        span = place.span
        physical["region"] = _region(span.line, span.column, span.end_line, span.end_column)
    return {"id": number, "physicalLocation": physical, "message": {"text": visible(place.label)}}


def _fix(fix: Fix, finding: Finding, locator: Locator) -> JSON:
    """A finding's safe repair; Fix edits count lines and columns from 0, SARIF regions from 1."""
    replacements = [
        {"deletedRegion": _region(edit.start[0] + 1, edit.start[1] + 1, edit.end[0] + 1, edit.end[1] + 1),
         "insertedContent": {"text": edit.text}}
        for edit in fix.edits
    ]
    return {"description": {"text": fix.description},
            "artifactChanges": [{"artifactLocation": _artifact(finding, locator), "replacements": replacements}]}
