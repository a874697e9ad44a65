"""The pipeline for one file: parse -> objects -> checks -> findings (with severities)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from podlint.catalogue import Rule, load_catalogue
from podlint.checks import OBJECT_CHECKS, POD_CHECKS, Context, Problem
from podlint.findings import Finding, Severity, Span, format_path
from podlint.objects import K8sObject, objects_of
from podlint.parse import Document, ParseResult, collector_paused, parse_bytes, parse_text
from podlint.podspec import PodSpecView
from podlint.report import Summary
from podlint.sources import Source, SourceError
from podlint.stages import RUN_STAGES
from podlint.versions import DEFAULT, Version

# Rules emitted by reading rather than by a check.
READING_RULES = ("parse-error", "duplicate-key", "unrendered-template", "yaml-tag", "read-error")
FAILED_READING = frozenset({"parse-error", "read-error", "yaml-tag"})


@dataclass(slots=True)
class Options:
    disabled: frozenset[str] = frozenset()
    severities: dict[str, Severity] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    kubernetes_version: Version = DEFAULT
    debug: bool = False


@dataclass(slots=True)
class FileResult:
    """What linting one file yields; small and picklable, since a worker process may send it."""

    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    objects: int = 0
    read_failed: bool = False
    internal_error: bool = False
    facts: list[tuple[int, Any]] = field(default_factory=list)  # (index of the run stage, its fact)


class Linter:
    """Runs every enabled rule over files; holds what is prepared once per run."""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.catalogue: dict[str, Rule] = load_catalogue()
        disabled = self.options.disabled
        self.context = Context(self.options.kubernetes_version, self.options.rule_options)
        self.pod_checks = [(rule_id, fn) for rule_id, fn in sorted(POD_CHECKS.items()) if rule_id not in disabled]
        self.object_checks = [(rule_id, fn) for rule_id, fn in sorted(OBJECT_CHECKS.items())
                              if rule_id not in disabled]
        self.run_stages = list(RUN_STAGES)

    def severity_of(self, rule_id: str) -> Severity:
        if rule_id in self.options.severities:
            return self.options.severities[rule_id]
        rule = self.catalogue.get(rule_id)
        return rule.severity if rule else Severity.ERROR

    def lint_bytes(self, raw: bytes, file: str) -> FileResult:
        result = FileResult()
        with collector_paused():  # the file's documents are acyclic: see parse.collector_paused
            parsed = parse_bytes(raw, file, sink=lambda document: self._lint_document(document, result))
            return self._file_result(parsed, result)

    def lint_text(self, text: str, file: str) -> FileResult:
        result = FileResult()
        with collector_paused():
            parsed = parse_text(text, file, sink=lambda document: self._lint_document(document, result))
            return self._file_result(parsed, result)

    def _lint_document(self, document: Document, result: FileResult) -> None:
        """Lint a document as soon as it is read: then its node tree can go (see parse_text)."""
        for obj in objects_of(document):
            result.objects += 1
            result.findings.extend(self.lint_object(obj, result))
            self._collect_facts(obj, result)

    def _file_result(self, parsed: ParseResult, result: FileResult) -> FileResult:
        if parsed.is_template:  # a template: only the finding that says so
            result = FileResult()
        result.documents = parsed.document_count
        reading = []
        for finding in parsed.findings:
            if finding.rule in self.options.disabled:
                continue
            finding.severity = self.severity_of(finding.rule)
            reading.append(finding)
            if finding.rule in FAILED_READING:
                result.read_failed = True
        result.findings[:0] = reading
        return result

    def _collect_facts(self, obj: K8sObject, result: FileResult) -> None:
        for index, stage in enumerate(self.run_stages):
            try:
                fact = stage.collect(obj)
            except Exception as exc:
                result.internal_error = True
                message = self._crash(f"run stage {stage.name} failed on this object", exc)
                result.findings.append(self.finding(obj, Problem((), message), "internal-error"))
                continue
            if fact is not None:
                result.facts.append((index, fact))

    def finish_run(self, facts: list[tuple[int, Any]]) -> tuple[list[Finding], bool]:
        """The findings of the whole-run stages, from the facts of every file in input order."""
        findings: list[Finding] = []
        crashed = False
        for index, stage in enumerate(self.run_stages):
            try:
                findings.extend(stage.finish([fact for owner, fact in facts if owner == index], self))
            except Exception as exc:
                crashed = True
                findings.append(Finding("internal-error", self.severity_of("internal-error"),
                                        self._crash(f"run stage {stage.name} failed", exc), "<run>",
                                        Span.point(1, 1)))
        return findings, crashed

    def _crash(self, what: str, exc: Exception) -> str:
        if self.options.debug:
            import traceback

            detail = traceback.format_exc()
        else:
            detail = f"{type(exc).__name__}: {exc}"
        return f"{what} ({detail}); please report it with the manifest"

    def lint_object(self, obj: K8sObject, result: FileResult) -> Iterable[Finding]:
        findings: list[Finding] = []
        for rule_id, object_fn in self.object_checks:
            self._collect(rule_id, obj, object_fn, obj, findings, result)
        pod = PodSpecView.of(obj)
        if pod is not None:
            for rule_id, pod_fn in self.pod_checks:
                self._collect(rule_id, obj, pod_fn, pod, findings, result)
        return findings

    def _collect(self, rule_id: str, obj: K8sObject, check: Callable[[Any, Context], Iterable[Problem]],
                 view: Any, findings: list[Finding], result: FileResult) -> None:
        try:
            problems = list(check(view, self.context))
        except Exception as exc:  # a bug in one rule must not cost the rest of the run
            result.internal_error = True
            message = self._crash(f"rule {rule_id} failed on this object", exc)
            findings.append(self.finding(obj, Problem((), message), "internal-error"))
            return
        findings.extend(self.finding(obj, problem, rule_id) for problem in problems)

    def finding(self, obj: K8sObject, problem: Problem, rule_id: str) -> Finding:
        rule = self.catalogue.get(rule_id)
        return Finding(
            rule=rule_id,
            severity=self.severity_of(rule_id),
            message=problem.message,
            file=obj.file,
            span=obj.span(problem.path, problem.anchor),
            path=format_path(obj.base + problem.path),
            kind=obj.kind,
            name=obj.name,
            namespace=obj.namespace,
            fixable=bool(rule and rule.fixable and problem.fix is not None),
            fix=problem.fix,
        )


@dataclass(slots=True)
class RunResult:
    findings: list[Finding]
    summary: Summary
    read_failed: bool = False
    internal_error: bool = False

    def exit_code(self, fail_on: Severity | None) -> int:
        """0: nothing at `fail_on`; 1: a finding at or above it; 2: input unreadable or a rule crashed."""
        if self.read_failed or self.internal_error:
            return 2
        if fail_on is not None and any(f.severity >= fail_on for f in self.findings):
            return 1
        return 0


def lint_file(item: Source | SourceError, linter: Linter) -> FileResult:
    """One input, read and linted; a problem reading it is a finding, never an exception."""
    if isinstance(item, SourceError):
        result = FileResult(read_failed=True)
        if "read-error" not in linter.options.disabled:
            result.findings.append(Finding("read-error", linter.severity_of("read-error"), item.message,
                                           item.name, Span.point(1, 1)))
        return result
    try:
        raw = item.read()
    except OSError as exc:
        return FileResult([Finding("read-error", linter.severity_of("read-error"),
                                   f"cannot read: {exc.strerror or exc}", item.name, Span.point(1, 1))],
                          read_failed=True)
    return linter.lint_bytes(raw, item.name)


def lint_sources(items: Iterable[Source | SourceError], linter: Linter, jobs: int | None = 1) -> RunResult:
    """Lint every input: in this process (`jobs` 1), or spread over `jobs` worker processes
    (None: as many as cores for a large input, see parallel.py). The result is the same.

    Per-file work happens wherever the file is linted; what spans files (summary, run stages,
    the final order) happens here, in this process, after every file.
    """
    results: Iterable[FileResult]
    if jobs == 1:
        results = (lint_file(item, linter) for item in items)
    else:
        from podlint.parallel import choose_jobs, lint_files

        inputs = list(items)
        results = lint_files(inputs, linter, choose_jobs(inputs) if jobs is None else jobs)
    findings: list[Finding] = []
    summary = Summary()
    run = RunResult(findings, summary)
    facts: list[tuple[int, Any]] = []
    for result in results:
        summary.files += 1
        summary.documents += result.documents
        summary.objects += result.objects
        findings.extend(result.findings)
        facts.extend(result.facts)
        run.read_failed |= result.read_failed
        run.internal_error |= result.internal_error
    stage_findings, crashed = linter.finish_run(facts)
    findings.extend(stage_findings)
    run.internal_error |= crashed
    findings.sort(key=Finding.sort_key)
    summary.count(findings)
    return run
