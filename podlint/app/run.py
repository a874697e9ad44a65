"""A run over many inputs: each file linted in this process or in worker processes (parallel.py),
then what spans files: custom resources waiting for the run's CRDs, the cross-object checks,
comment suppressions, the summary and the order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from podlint.app.parallel import choose_jobs, lint_files
from podlint.engine import FileResult, Linter, lint_file
from podlint.findings import Finding, Severity, suppress
from podlint.model.inventory import Inventory
from podlint.reading.parse import gc_paused
from podlint.report import Summary
from podlint.sources.files import Source, SourceError


@dataclass(slots=True)
class RunResult:
    findings: list[Finding]
    summary: Summary
    read_failed: bool = False
    internal_error: bool = False

    def restrict(self, findings: list[Finding]) -> None:
        """Keep only these findings (a baseline's new ones), recounting the summary."""
        self.findings = findings
        self.summary.errors = self.summary.warnings = self.summary.infos = 0
        self.summary.count(findings)

    def exit_code(self, fail_on: Severity | None) -> int:
        """0: nothing at `fail_on`; 1: a finding at or above it; 2: input unreadable or a rule crashed."""
        if self.read_failed or self.internal_error:
            return 2
        if fail_on is not None and any(f.severity >= fail_on for f in self.findings):
            return 1
        return 0


def lint_sources(items: Iterable[Source | SourceError], linter: Linter, jobs: int | None = 1) -> RunResult:
    """Lint every input: in this process (`jobs` 1), or spread over `jobs` worker processes
    (None: as many as cores for a large input, see parallel.py), with the same result.

    Per-file work happens wherever the file is linted; what spans files (custom resources
    waiting for the CRDs of the run, the inventory's cross-object checks, suppressions, the
    summary and the order) happens here, after every file, from what each FileResult brings.
    """
    # No cyclic collection during the run either: the inventory (and the custom resources
    # waiting for their CRDs) keep most objects of the run alive, and each collection would
    # scan them again (~9% of a run); linting makes no cycles (tests/test_fast_paths.py).
    with gc_paused():
        return _lint_run(items, linter, jobs)


def _lint_run(items: Iterable[Source | SourceError], linter: Linter, jobs: int | None) -> RunResult:
    linter.begin_run()
    inventory = Inventory() if linter.run_checks else None
    results: Iterable[FileResult]
    if jobs == 1:
        results = (lint_file(item, linter, inventory) for item in items)
    else:
        inputs = list(items)
        results = lint_files(inputs, linter, choose_jobs(inputs) if jobs is None else jobs, inventory)
    findings: list[Finding] = linter.notes()
    summary = Summary()
    run = RunResult(findings, summary)
    suppressions: dict[str, tuple[list[suppress.Suppression], bool]] = {}
    for result in results:
        summary.files += 1
        summary.documents += result.documents
        summary.objects += result.objects
        summary.custom_skipped += result.custom_skipped
        summary.rules_skipped += result.rules_skipped
        findings.extend(result.findings)
        if result.suppressions:
            suppressions[result.name] = (result.suppressions, result.read_failed)
        if result.from_worker:  # what this process would have learned and kept, linting the file itself
            if linter.schema is not None:
                for crd in result.crds:
                    linter.schema.learn(crd)
            linter.defer(result.deferred)
            if inventory is not None and result.inventory is not None:
                inventory.merge(result.inventory)
        run.read_failed |= result.read_failed
        run.internal_error |= result.internal_error
    late = linter.end_run()
    summary.custom_skipped += late.custom_skipped
    summary.rules_skipped += late.rules_skipped
    findings.extend(late.findings)
    run.internal_error |= late.internal_error
    if inventory is not None:
        cross, crashed = linter.lint_run(inventory)
        findings.extend(cross)
        run.internal_error |= crashed
    run.findings = findings = _apply_suppressions(findings, suppressions, linter)
    findings.sort(key=Finding.sort_key)
    summary.count(findings)
    return run


def _apply_suppressions(findings: list[Finding], by_file: dict[str, tuple[list[suppress.Suppression], bool]],
                        linter: Linter) -> list[Finding]:
    """Comment suppressions apply last, so that they cover findings of every stage of the run."""
    if not by_file:
        return findings
    kept = [f for f in findings if f.file not in by_file]
    for file, (suppressions, read_failed) in by_file.items():
        kept.extend(linter.suppressed([f for f in findings if f.file == file], suppressions, file, read_failed))
    return kept
