"""The pipeline for one file: parse -> objects -> checks -> findings (with severities)."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from podlint.catalogue import Rule, load_catalogue
from podlint.checks import OBJECT_CHECKS, POD_CHECKS, Context, Problem
from podlint.findings import Finding, Severity, Span, format_path
from podlint.objects import K8sObject, objects_of
from podlint.parse import MAX_FILE_BYTES, ParseResult, parse_bytes, parse_text
from podlint.podspec import PodSpecView
from podlint.report import Summary
from podlint.sources import Source, SourceError
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
    max_file_bytes: int = MAX_FILE_BYTES
    debug: bool = False


@dataclass(slots=True)
class FileResult:
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    objects: int = 0
    read_failed: bool = False
    internal_error: bool = False


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

    def severity_of(self, rule_id: str) -> Severity:
        if rule_id in self.options.severities:
            return self.options.severities[rule_id]
        rule = self.catalogue.get(rule_id)
        return rule.severity if rule else Severity.ERROR

    def lint_bytes(self, raw: bytes, file: str) -> FileResult:
        return self._read(lambda: parse_bytes(raw, file, self.options.max_file_bytes), file)

    def lint_text(self, text: str, file: str) -> FileResult:
        return self._read(lambda: parse_text(text, file), file)

    def _read(self, parse: Callable[[], ParseResult], file: str) -> FileResult:
        try:
            parsed = parse()
        except Exception as exc:  # a bug in reading costs this file only
            result = FileResult(internal_error=True)
            result.findings.append(Finding("internal-error", self.severity_of("internal-error"),
                                           self._bug("reading this file", exc), file, Span.point(1, 1)))
            return result
        return self._run(parsed)

    def _bug(self, what: str, exc: Exception) -> str:
        detail = traceback.format_exc() if self.options.debug else f"{type(exc).__name__}: {exc}"
        hint = "" if self.options.debug else "; run with --debug for the traceback"
        return f"podlint failed {what} ({detail}); please report it with the manifest{hint}"

    def _run(self, parsed: ParseResult) -> FileResult:
        result = FileResult(documents=len(parsed.documents))
        for finding in parsed.findings:
            if finding.rule in self.options.disabled:
                continue
            finding.severity = self.severity_of(finding.rule)
            result.findings.append(finding)
            if finding.rule in FAILED_READING:
                result.read_failed = True
        for document in parsed.documents:
            try:
                for obj in objects_of(document):
                    result.objects += 1
                    result.findings.extend(self.lint_object(obj, result))
            except Exception as exc:  # outside any one rule: this document is lost, not the run
                result.internal_error = True
                result.findings.append(Finding("internal-error", self.severity_of("internal-error"),
                                               self._bug(f"on document {document.index + 1}", exc),
                                               document.file, document.start))
        return result

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
            findings.append(self.finding(
                obj, Problem((), self._bug(f"in rule {rule_id} on document {obj.document.index + 1}", exc)),
                "internal-error"))
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


def lint_sources(items: Iterable[Source | SourceError], linter: Linter) -> RunResult:
    findings: list[Finding] = []
    summary = Summary()
    run = RunResult(findings, summary)
    for item in items:
        summary.files += 1
        if isinstance(item, SourceError):
            if "read-error" not in linter.options.disabled:
                findings.append(Finding("read-error", linter.severity_of("read-error"), item.message,
                                        item.name, Span.point(1, 1)))
            run.read_failed = True
            continue
        try:
            raw = item.read(linter.options.max_file_bytes)
        except OSError as exc:
            findings.append(Finding("read-error", linter.severity_of("read-error"),
                                    f"cannot read: {exc.strerror or exc}", item.name, Span.point(1, 1)))
            run.read_failed = True
            continue
        result = linter.lint_bytes(raw, item.name)
        summary.documents += result.documents
        summary.objects += result.objects
        findings.extend(result.findings)
        run.read_failed |= result.read_failed
        run.internal_error |= result.internal_error
    findings.sort(key=Finding.sort_key)
    summary.count(findings)
    return run
