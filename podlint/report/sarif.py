"""SARIF 2.1.0 for code scanning: one run, the catalogue as rule metadata, one result per finding.

Written as plain JSON data, property by property as the SARIF 2.1.0 schema names them, rather
than through sarif-om's object model: importing sarif-om (and attrs) costs ~40 ms, more than
linting 100 documents, on every CI run. The tests check the log against the official schema
and every object's properties against sarif-om's model (tests/test_report_sarif.py).
A property is written only when it differs from the schema's default, except `level`.
"""

from __future__ import annotations

import json
from typing import Any

from podlint import __version__
from podlint.findings import Finding, Fix, Related, Severity
from podlint.report import Report
from podlint.report.fingerprints import SARIF_KEY, fingerprints
from podlint.report.locations import SRCROOT, Locator, find_root
from podlint.rules.catalogue import Rule, load_catalogue

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/podlint/podlint"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
EXIT_CODES = {
    0: "no finding reached --fail-on",
    1: "a finding reached --fail-on",
    2: "an input could not be read or parsed, or a rule failed",
}

JSON = dict[str, Any]


def render(report: Report, colour: bool) -> str:
    # Compact: with `indent`, json falls back from its C encoder to the Python one, 5x slower
    # (30 ms for 700 results); SARIF is read by code scanning and tools, not by people.
    return json.dumps(sarif_log(report), ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> JSON:
    catalogue = report.catalogue if report.catalogue is not None else load_catalogue()  # custom rules too
    rules = list(catalogue.values())
    for finding in report.findings:
        # Every rule id should have a catalogue entry; describe a stray one rather than fail.
        if finding.rule not in catalogue and all(rule.id != finding.rule for rule in rules):
            rules.append(_unknown_rule(finding.rule))
    index = {rule.id: number for number, rule in enumerate(rules)}
    locator = Locator(report.root or find_root(f.file for f in report.findings))
    paths = [locator.display(f.file) for f in report.findings]
    results = [
        _result(finding, index[finding.rule], fingerprint, locator)
        for finding, fingerprint in zip(report.findings, fingerprints(report.findings, paths), strict=True)
    ]
    invocation: JSON = {
        "executionSuccessful": not any(f.rule == "internal-error" for f in report.findings),
        "exitCode": report.exit_code,
    }
    if report.exit_code in EXIT_CODES:
        invocation["exitCodeDescription"] = EXIT_CODES[report.exit_code]
    run = {
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
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _descriptor(rule: Rule) -> JSON:
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": _help_text(rule), "markdown": _help_markdown(rule)},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["kubernetes", rule.category], "precision": "very-high", "profile": rule.profile},
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
            "name": owner,
            "fullyQualifiedName": f"{finding.namespace}/{owner}" if finding.namespace else owner,
            "kind": "resource",
        }]
    result: JSON = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {SARIF_KEY: fingerprint},
    }
    if finding.related:
        result["relatedLocations"] = [_related(number, place, locator)
                                      for number, place in enumerate(finding.related)]
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
    return {"id": number, "physicalLocation": physical, "message": {"text": place.label}}


def _fix(fix: Fix, finding: Finding, locator: Locator) -> JSON:
    """A finding's safe repair; Fix edits count lines and columns from 0, SARIF regions from 1."""
    replacements = [
        {"deletedRegion": _region(edit.start[0] + 1, edit.start[1] + 1, edit.end[0] + 1, edit.end[1] + 1),
         "insertedContent": {"text": edit.text}}
        for edit in fix.edits
    ]
    return {"description": {"text": fix.description},
            "artifactChanges": [{"artifactLocation": _artifact(finding, locator), "replacements": replacements}]}
