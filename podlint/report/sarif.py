"""SARIF 2.1.0 for code scanning: one run, the catalogue as rule metadata, one result per finding.

Built with sarif-om (the object model generated from the SARIF schema) and serialised with its
attrs metadata, which carries each property's camelCase name.
"""

from __future__ import annotations

import json
from typing import Any

import attr
import sarif_om as om

from podlint import __version__
from podlint.catalogue import Rule, load_catalogue
from podlint.findings import Finding, Fix, Severity
from podlint.report import Report
from podlint.report.fingerprints import SARIF_KEY, fingerprints
from podlint.report.locations import SRCROOT, Locator, find_root

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/podlint/podlint"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
EXIT_CODES = {
    0: "no finding reached --fail-on",
    1: "a finding reached --fail-on",
    2: "an input could not be read or parsed, or a rule failed",
}
# Written even at SARIF's default ("warning"), so that no reader has to know the default.
_ALWAYS_WRITTEN = frozenset({"level"})


def render(report: Report, colour: bool) -> str:
    data = to_json(sarif_log(report))
    ordered = {key: data[key] for key in ("$schema", "version", "runs")}  # the conventional order
    return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> om.SarifLog:
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
    run = om.Run(
        tool=om.Tool(driver=om.ToolComponent(
            name="podlint",
            version=__version__,
            semantic_version=__version__,
            information_uri=INFORMATION_URI,
            rules=[_descriptor(rule) for rule in rules],
        )),
        invocations=[om.Invocation(
            execution_successful=not any(f.rule == "internal-error" for f in report.findings),
            exit_code=report.exit_code,
            exit_code_description=EXIT_CODES.get(report.exit_code),
        )],
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=locator.root_uri())},
        column_kind="unicodeCodePoints",  # the reader counts columns in characters
        results=results,
    )
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def _descriptor(rule: Rule) -> om.ReportingDescriptor:
    return om.ReportingDescriptor(
        id=rule.id,
        name="".join(word.capitalize() for word in rule.id.split("-")),
        short_description=om.MultiformatMessageString(text=rule.summary),
        full_description=om.MultiformatMessageString(text=rule.why),
        help=om.MultiformatMessageString(text=_help_text(rule), markdown=_help_markdown(rule)),
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(level=LEVELS[rule.severity]),
        properties={"tags": ["kubernetes", rule.category], "precision": "very-high", "profile": rule.profile},
    )


def _unknown_rule(rule_id: str) -> Rule:
    return Rule(id=rule_id, severity=Severity.ERROR, summary=rule_id, why=rule_id, fix="")


def _help_text(rule: Rule) -> str:
    parts = [rule.summary, f"Why it matters:\n{rule.why}"]
    if rule.fix:
        parts.append(f"How to fix it:\n{rule.fix}")
    if rule.bad:
        parts.append(f"Bad:\n{rule.bad}")
    if rule.good:
        parts.append(f"Good:\n{rule.good}")
    if rule.references:
        parts.append("References:\n" + "\n".join(rule.references))
    return "\n\n".join(parts)


def _help_markdown(rule: Rule) -> str:
    parts = [rule.summary, f"## Why it matters\n\n{rule.why}"]
    if rule.fix:
        parts.append(f"## How to fix it\n\n{rule.fix}")
    if rule.bad:
        parts.append(f"## Bad\n\n```yaml\n{rule.bad}\n```")
    if rule.good:
        parts.append(f"## Good\n\n```yaml\n{rule.good}\n```")
    if rule.references:
        parts.append("## References\n\n" + "\n".join(f"- <{ref}>" for ref in rule.references))
    return "\n\n".join(parts)


def _artifact(finding: Finding, locator: Locator) -> om.ArtifactLocation:
    uri, base = locator.uri(finding.file)
    return om.ArtifactLocation(uri=uri, uri_base_id=base)


def _result(finding: Finding, rule_index: int, fingerprint: str, locator: Locator) -> om.Result:
    span = finding.span
    location = om.Location(physical_location=om.PhysicalLocation(
        artifact_location=_artifact(finding, locator),
        region=om.Region(start_line=span.line, start_column=span.column,
                         end_line=span.end_line, end_column=span.end_column),
    ))
    if finding.kind:
        # The Kubernetes object the finding belongs to, as `namespace/Kind/name`.
        owner = "/".join(part for part in (finding.kind, finding.name) if part)
        location.logical_locations = [om.LogicalLocation(
            name=owner,
            fully_qualified_name=f"{finding.namespace}/{owner}" if finding.namespace else owner,
            kind="resource",
        )]
    properties: dict[str, Any] = {
        "kind": finding.kind, "name": finding.name, "namespace": finding.namespace, "path": finding.path,
    }
    return om.Result(
        rule_id=finding.rule,
        rule_index=rule_index,
        level=LEVELS[finding.severity],
        message=om.Message(text=finding.message),
        locations=[location],
        partial_fingerprints={SARIF_KEY: fingerprint},
        fixes=[_fix(finding.fix, finding, locator)] if finding.fixable and finding.fix is not None else None,
        properties={key: value for key, value in properties.items() if value},
    )


def _fix(fix: Fix, finding: Finding, locator: Locator) -> om.Fix:
    """A finding's safe repair; Fix edits count lines and columns from 0, SARIF regions from 1."""
    replacements = [
        om.Replacement(
            deleted_region=om.Region(start_line=edit.start[0] + 1, start_column=edit.start[1] + 1,
                                     end_line=edit.end[0] + 1, end_column=edit.end[1] + 1),
            inserted_content=om.ArtifactContent(text=edit.text),
        )
        for edit in fix.edits
    ]
    return om.Fix(description=om.Message(text=fix.description),
                  artifact_changes=[om.ArtifactChange(artifact_location=_artifact(finding, locator),
                                                      replacements=replacements)])


def to_json(value: Any) -> Any:
    """sarif-om objects -> JSON data, named by each attribute's `schema_property_name`.

    An attribute left at its default is omitted: sarif-om's defaults are the schema's, so this
    loses nothing, and it drops the -1 "not set" indexes that would otherwise point nowhere.
    """
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            factory = getattr(field.default, "factory", None)  # an attr.Factory default, e.g. a list
            default = factory() if callable(factory) else field.default
            if item is None or (item == default and field.name not in _ALWAYS_WRITTEN):
                continue
            out[field.metadata["schema_property_name"]] = to_json(item)
        return out
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value
