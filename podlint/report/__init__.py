"""Reporters: pure functions from a run's findings to text. One module per format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from podlint.findings import Finding, Severity
from podlint.rules.catalogue import Rule


@dataclass(slots=True)
class Summary:
    files: int = 0
    documents: int = 0
    objects: int = 0
    custom_skipped: int = 0  # custom resources not schema-checked: no CRD in the run, no --schema-dir file
    rules_skipped: int = 0  # CRD validation rules not evaluated offline (transition rules, unsupported CEL)
    errors: int = 0
    warnings: int = 0
    infos: int = 0

    def count(self, findings: list[Finding]) -> None:
        for finding in findings:
            if finding.severity is Severity.ERROR:
                self.errors += 1
            elif finding.severity is Severity.WARNING:
                self.warnings += 1
            else:
                self.infos += 1


@dataclass(slots=True)
class Report:
    findings: list[Finding]
    summary: Summary
    exit_code: int = 0
    extra: dict[str, object] = field(default_factory=dict)
    # What CI formats (SARIF, GitHub, GitLab) make file paths relative to; None: the git
    # top-level of the linted files, else the current directory (see report/locations.py).
    root: Path | None = None
    # The run's catalogue (built-in rules plus custom rules and admission policies), for reports
    # that describe rules (SARIF); None: the built-in catalogue.
    catalogue: dict[str, Rule] | None = None


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


@dataclass(frozen=True, slots=True)
class Output:
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
            raise ValueError(f"--format must be one of {', '.join(FORMATS)} (optionally FORMAT=FILE), not {spec!r}")
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
