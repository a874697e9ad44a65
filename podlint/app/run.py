"""A run over many inputs: each file linted in this process or in worker processes (parallel.py),
then what spans files: custom resources waiting for the run's CRDs, the cross-object checks,
comment suppressions, the summary and the order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from podlint import watchdog
from podlint.app.parallel import choose_jobs, lint_files
from podlint.engine import FileResult, Linter, lint_file
from podlint.findings import Finding, Severity, suppress
from podlint.model.inventory import Inventory
from podlint.reading.parse import gc_paused
from podlint.records import Record
from podlint.report import Summary
from podlint.sources.files import Source, SourceError


class RunResult(Record):
    findings: list[Finding]
    summary: Summary
    read_failed: bool
    internal_error: bool

    __slots__ = ("findings", "internal_error", "read_failed", "summary")

    def __init__(self, findings: list[Finding], summary: Summary, read_failed: bool = False,
                 internal_error: bool = False) -> None:
        self.findings = findings
        self.summary = summary
        self.read_failed = read_failed
        self.internal_error = internal_error

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
    with gc_paused(), watchdog.running():
        return _lint_run(items, linter, jobs)


def _lint_run(items: Iterable[Source | SourceError], linter: Linter, jobs: int | None) -> RunResult:
    linter.begin_run()
    inventory = Inventory() if linter.run_checks else None
    results: Iterable[FileResult]
    renders: list[Source] = []  # rendered charts and overlays, whose findings move to their source lines
    items = _noting_renders(items, renders)
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
    if renders:
        findings = _from_renders(findings, renders, suppressions, linter, run)
    run.findings = findings = _apply_suppressions(findings, suppressions, linter)
    findings.sort(key=Finding.sort_key)
    summary.count(findings)
    return run


def _noting_renders(items: Iterable[Source | SourceError], renders: list[Source]) -> Iterator[Source | SourceError]:
    for item in items:
        if isinstance(item, Source) and getattr(item, "tool", None):  # a Rendered (sources/rendered.py), not imported
            renders.append(item)
        yield item


def _from_renders(findings: list[Finding], renders: list[Source], suppressions: dict[str, tuple[
        list[suppress.Suppression], bool]], linter: Linter, run: RunResult) -> list[Finding]:
    """Findings of rendered charts and overlays moved to their source lines (sources/origin.py), with the
    render errors; the suppression comments of the files they moved to apply, not the rendered text's."""
    from podlint.sources.origin import remap
    from podlint.sources.rendered import Rendered

    rendered = [item for item in renders if isinstance(item, Rendered)]
    for item in rendered:
        suppressions.pop(item.name, None)
        for problem in item.problems:
            run.read_failed = True  # nothing (or not all) of it was linted: never a silent pass
            rules = linter.ruleset.for_file(problem.file)
            if problem.rule in rules.enabled:
                problem.severity = rules.severity(problem.rule)
                findings.append(problem)
    moved, files = remap(findings, rendered)
    for name, path in sorted(files):
        if name in suppressions:
            continue
        try:
            with open(path, "rb") as stream:
                raw = stream.read(linter.options.max_file_bytes + 1)
        except OSError:
            continue
        found = suppress.scan(raw)
        if found:
            suppressions[name] = (found, False)
    return moved


def _apply_suppressions(findings: list[Finding], by_file: dict[str, tuple[list[suppress.Suppression], bool]],
                        linter: Linter) -> list[Finding]:
    """Comment suppressions apply last, so that they cover findings of every stage of the run."""
    if not by_file:
        return findings
    kept = [f for f in findings if f.file not in by_file]
    for file, (suppressions, read_failed) in by_file.items():
        kept.extend(linter.suppressed([f for f in findings if f.file == file], suppressions, file, read_failed))
    return kept
