"""`podlint rules`: the catalogue as a table for people or as JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Mapping

from podlint.report.escape import guard_line, json_safe, visible
from podlint.rules.catalogue import Rule

_HEADER = ("id", "severity", "category", "profile", "default", "fixable", "summary")


def rules_table(catalogue: Mapping[str, Rule]) -> str:
    """One line per rule: id, severity, category, profile, `yes` if the default profile runs it, `yes` if
    `podlint fix` repairs it, and the summary (custom rules and policies: escaped, they come from a file)."""
    rows = [_HEADER] + [
        (visible(rule.id), rule.severity.label, visible(rule.category), rule.profile,
         "yes" if rule.profile == "default" else "", "yes" if rule.fixable else "", visible(rule.summary))
        for rule in catalogue.values()]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADER) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
             for row in rows]
    return "".join(guard_line(line.rstrip()) + "\n" for line in lines)


def rules_json(catalogue: Mapping[str, Rule]) -> str:
    """A list of rules: `id`, `severity`, `category`, `profile`, `default` (the default profile runs it),
    `fixable`, `tags`, `security_severity` (null for rules that are not about security), `cwe`,
    `summary`, `url`."""
    entries = [{"id": rule.id, "severity": rule.severity.label, "category": rule.category, "profile": rule.profile,
                "default": rule.profile == "default", "fixable": rule.fixable, "tags": list(rule.tags),
                "security_severity": rule.security_severity, "cwe": list(rule.cwe), "summary": visible(rule.summary),
                "url": rule.help_uri}
               for rule in catalogue.values()]
    return json_safe(json.dumps(entries, indent=2, ensure_ascii=False)) + "\n"
