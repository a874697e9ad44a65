"""Reporters: pure functions from a run's findings to text. One module per format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from podlint.findings import Finding, Severity
from podlint.records import Record
from podlint.rules.catalogue import Rule, load_catalogue


class Summary(Record):
    files: int
    documents: int
    objects: int
    custom_skipped: int  # custom resources not schema-checked: no CRD in the run, no --schema-dir file
    rules_skipped: int  # CRD validation rules not evaluated offline (transition rules, unsupported CEL)
    errors: int
    warnings: int
    infos: int

    __slots__ = ("custom_skipped", "documents", "errors", "files", "infos", "objects", "rules_skipped", "warnings")

    def __init__(self, files: int = 0, documents: int = 0, objects: int = 0, custom_skipped: int = 0,
                 rules_skipped: int = 0, errors: int = 0, warnings: int = 0, infos: int = 0) -> None:
        self.files = files
        self.documents = documents
        self.objects = objects
        self.custom_skipped = custom_skipped
        self.rules_skipped = rules_skipped
        self.errors = errors
        self.warnings = warnings
        self.infos = infos

    def count(self, findings: list[Finding]) -> None:
        for finding in findings:
            if finding.severity is Severity.ERROR:
                self.errors += 1
            elif finding.severity is Severity.WARNING:
                self.warnings += 1
            else:
                self.infos += 1


class Report(Record):
    findings: list[Finding]
    summary: Summary
    exit_code: int
    extra: dict[str, object]
    # What CI formats (SARIF, GitHub, GitLab) make file paths relative to; None: the git
    # top-level of the linted files, else the current directory (see report/locations.py).
    root: Path | None
    # The run's catalogue (built-in rules plus custom rules and admission policies), for reports
    # that describe rules (SARIF); None: the built-in catalogue.
    catalogue: dict[str, Rule] | None
    # How the text report shows findings: the offending line with a caret (--show-source), or a
    # count per rule instead of the findings (--statistics, also in JSON).
    show_source: bool
    statistics: bool
    # SARIF `automationDetails.id`: the code scanning category (configuration or --sarif-category).
    sarif_category: str | None

    __slots__ = ("catalogue", "exit_code", "extra", "findings", "root", "sarif_category", "show_source",
                 "statistics", "summary")

    def __init__(self, findings: list[Finding], summary: Summary, exit_code: int = 0,
                 extra: dict[str, object] | None = None, root: Path | None = None,
                 catalogue: dict[str, Rule] | None = None, show_source: bool = False, statistics: bool = False,
                 sarif_category: str | None = None) -> None:
        self.findings = findings
        self.summary = summary
        self.exit_code = exit_code
        self.extra = {} if extra is None else extra
        self.root = root
        self.catalogue = catalogue
        self.show_source = show_source
        self.statistics = statistics
        self.sarif_category = sarif_category

    def rules(self) -> dict[str, Rule]:
        """The run's catalogue (built-in rules, custom rules, admission policies)."""
        return self.catalogue if self.catalogue is not None else load_catalogue()


class RuleCount(NamedTuple):
    """One line of --statistics: a rule, how many findings it has, how many of them a fix repairs."""

    rule: str
    findings: int
    fixable: int


def statistics(findings: list[Finding]) -> list[RuleCount]:
    """Findings counted per rule, the most frequent first (then by rule id)."""
    counts: dict[str, list[int]] = {}
    for finding in findings:
        entry = counts.setdefault(finding.rule, [0, 0])
        entry[0] += 1
        entry[1] += finding.fixable
    rows = [RuleCount(rule, count, fixable) for rule, (count, fixable) in counts.items()]
    rows.sort(key=lambda row: (-row.findings, row.rule))
    return rows


Formatter = Callable[[Report, bool], str]

# name -> module under podlint/report/ with a `render(report, colour)`; imported on demand so
# that start-up stays light (the SARIF writer, for one, only when SARIF is asked for).
_MODULES = {
    "text": "text",
    "json": "json",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
}
FORMATS = tuple(_MODULES)
STDOUT = "-"


def formatter(name: str) -> Formatter:
    """The formatter for a format name (one of FORMATS)."""
    import importlib

    module = importlib.import_module(f"podlint.report.{_MODULES[name]}")
    render: Formatter = module.render
    return render


class Output(NamedTuple):
    """One report to write: a format and where it goes (None: standard output)."""

    format: str
    file: Path | None = None


def plan_outputs(formats: list[str] | None, output: Path | None) -> list[Output]:
    """`--format FORMAT[=FILE]` (repeatable) and `--output FILE` -> the reports to write.

    A format without `=FILE` goes to `--output`, or to standard output; only one may do so,
    since two reports on one stream could not be told apart. `FORMAT=-` is standard output.
    Raises ValueError with a message for the user.
    """
    plan: list[Output] = []
    output_used = False
    for spec in formats or ["text"]:
        name, has_file, target = spec.partition("=")
        name = name.strip().lower()
        if name not in FORMATS:
            import difflib  # only for a mistake

            close = difflib.get_close_matches(name, FORMATS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"--format must be one of {', '.join(FORMATS)} (optionally FORMAT=FILE), "
                             f"not {spec!r}{hint}")
        if has_file and not target:
            raise ValueError(f"--format {spec!r}: name a file after '=' (or '-' for standard output)")
        if has_file:
            plan.append(Output(name, None if target == STDOUT else Path(target)))
        else:
            plan.append(Output(name, output))
            output_used = True
    if output is not None and not output_used:
        raise ValueError("--output is unused: every --format names its own file")
    destinations = [item.file for item in plan]
    if len(destinations) != len(set(destinations)):
        raise ValueError("two formats would be written to the same place: give each its own with FORMAT=FILE")
    return plan
