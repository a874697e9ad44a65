"""Suppressions: `# podlint: disable=...` comments and the `podlint/ignore` annotation.

Comment forms (a reason may follow `--`):
  `# podlint: disable=rule-a,rule-b`        the findings on this line
  `# podlint: disable-next-line=rule-a`     the findings on the next line
  `# podlint: disable-file=rule-a`          the whole file
`all` stands for every rule. A suppression that silences nothing is reported as
`unused-suppression`, so stale ones get cleaned up.
"""

from __future__ import annotations

from podlint.findings import Finding, Severity, Span
from podlint.patterns import lazy
from podlint.records import Record

ANNOTATION = "podlint/ignore"
UNUSED_RULE = "unused-suppression"


_DIRECTIVE = lazy(rb"(?:^|\s)#\s*podlint:\s*(disable-next-line|disable-file|disable)\s*=\s*"
                  rb"([A-Za-z0-9_.,\s-]*?)\s*(?:--.*|#.*)?$")


class Suppression(Record):
    rules: frozenset[str]
    span: Span  # where the directive stands
    target_line: int | None  # None: the whole file
    used: set[str]

    __slots__ = ("rules", "span", "target_line", "used")

    def __init__(self, rules: frozenset[str], span: Span, target_line: int | None,
                 used: set[str] | None = None) -> None:
        self.rules = rules
        self.span = span
        self.target_line = target_line
        self.used = set() if used is None else used

    def covers(self, finding: Finding) -> bool:
        if self.target_line is not None and finding.span.line != self.target_line:
            return False
        return finding.rule in self.rules or ("all" in self.rules and finding.rule != UNUSED_RULE)


def scan(raw: bytes) -> list[Suppression]:
    """The comment directives of a file (cheap when there are none)."""
    if b"podlint:" not in raw:
        return []
    found = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if b"podlint:" not in line:
            continue
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        kind = match.group(1).decode()
        rules = frozenset(r.strip() for r in match.group(2).decode().split(",") if r.strip())
        column = line.index(b"#", match.start()) + 1
        target = {"disable": number, "disable-next-line": number + 1, "disable-file": None}[kind]
        found.append(Suppression(rules, Span(number, column, number, len(line) + 1), target))
    return found


def annotation_rules(value: object) -> frozenset[str]:
    if not isinstance(value, str):
        return frozenset()
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def apply(findings: list[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """The findings no suppression covers; marks which suppressions were used."""
    if not suppressions:
        return findings
    kept = []
    for finding in findings:
        covering = [s for s in suppressions if s.covers(finding)]
        for suppression in covering:
            suppression.used.add(finding.rule)
        if not covering:
            kept.append(finding)
    return kept


def unused(suppressions: list[Suppression], file: str, severity: Severity) -> list[Finding]:
    findings = []
    for suppression in suppressions:
        for rule in sorted(suppression.rules):
            if (rule == "all" and suppression.used) or rule in suppression.used:
                continue
            findings.append(Finding(UNUSED_RULE, severity,
                                    f"suppression of {rule} matches no finding: remove it", file, suppression.span))
    return findings
