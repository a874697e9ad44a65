"""The pipeline for one file: parse -> objects -> checks -> findings (with severities)."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podlint.catalogue import Rule, load_catalogue
from podlint.checks import OBJECT_CHECKS, POD_CHECKS, Context, Problem
from podlint.findings import Finding, Severity, Span, format_path
from podlint.objects import K8sObject, objects_of
from podlint.parse import ParseResult, parse_bytes, parse_text
from podlint.podspec import PodSpecView
from podlint.report import Summary
from podlint.schema import SCHEMA_RULES, SchemaValidator
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
    schema_dirs: tuple[Path, ...] = ()  # JSON schemas of custom resources ({kind}_{version}.json)
    debug: bool = False


@dataclass(slots=True)
class FileResult:
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    objects: int = 0
    read_failed: bool = False
    internal_error: bool = False
    custom_skipped: int = 0  # custom resources with no schema to check them against


@dataclass(slots=True)
class _Deferred:
    """A custom resource kept until the end of the run, when every CRD of the run is known."""

    obj: K8sObject
    flagged: set[str]  # paths other rules already reported


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
        self.schema: SchemaValidator | None = None
        if not SCHEMA_RULES.issubset(disabled):
            self.schema = SchemaValidator(self.options.kubernetes_version, self.options.schema_dirs)
        # Custom resources waiting for a CRD later in the run; None outside `begin_run`/`end_run`.
        self._deferred: list[_Deferred] | None = None

    def severity_of(self, rule_id: str) -> Severity:
        if rule_id in self.options.severities:
            return self.options.severities[rule_id]
        rule = self.catalogue.get(rule_id)
        return rule.severity if rule else Severity.ERROR

    def lint_bytes(self, raw: bytes, file: str) -> FileResult:
        return self._run(parse_bytes(raw, file))

    def lint_text(self, text: str, file: str) -> FileResult:
        return self._run(parse_text(text, file))

    def _run(self, parsed: ParseResult) -> FileResult:
        result = FileResult(documents=len(parsed.documents))
        for finding in parsed.findings:
            if finding.rule in self.options.disabled:
                continue
            finding.severity = self.severity_of(finding.rule)
            result.findings.append(finding)
            if finding.rule in FAILED_READING:
                result.read_failed = True
        objects = [obj for document in parsed.documents for obj in objects_of(document)]
        if self.schema is not None:
            for obj in objects:  # a CRD anywhere in the file serves the custom resources before it
                self.schema.learn(obj)
        unreadable = [f.span for f in result.findings if f.rule in FAILED_READING]
        for obj in objects:
            result.objects += 1
            found = self.lint_object(obj, result)
            if unreadable:  # a value that was not read as written: its schema finding is only a consequence
                found = [f for f in found if f.rule not in SCHEMA_RULES or not _within(f.span, unreadable)]
            result.findings.extend(found)
        return result

    def lint_object(self, obj: K8sObject, result: FileResult) -> Iterable[Finding]:
        findings: list[Finding] = []
        for rule_id, object_fn in self.object_checks:
            self._collect(rule_id, obj, object_fn, obj, findings, result)
        pod = PodSpecView.of(obj)
        if pod is not None:
            for rule_id, pod_fn in self.pod_checks:
                self._collect(rule_id, obj, pod_fn, pod, findings, result)
        if self.schema is not None:
            flagged = {finding.path for finding in findings}
            if not self._validate(obj, flagged, findings, result):
                if self._deferred is not None:
                    self._deferred.append(_Deferred(obj, flagged))
                else:
                    result.custom_skipped += 1
        return findings

    def _validate(self, obj: K8sObject, flagged: set[str], findings: list[Finding], result: FileResult) -> bool:
        """Schema findings for `obj`, except where a specific rule already reported the same field.

        False when `obj` is a custom resource with no schema known yet.
        """
        assert self.schema is not None
        try:
            found = self.schema.check(obj)
        except Exception as exc:  # like a rule: a validator bug must not cost the run
            result.internal_error = True
            detail = traceback.format_exc() if self.options.debug else f"{type(exc).__name__}: {exc}"
            findings.append(self.finding(obj, Problem((), f"schema validation failed on this object ({detail}); "
                                                      "please report it with the manifest"), "internal-error"))
            return True
        if found is None:
            return False
        for rule_id, problem in found:
            if rule_id in self.options.disabled or format_path(obj.base + problem.path) in flagged:
                continue
            findings.append(self.finding(obj, problem, rule_id))
        return True

    def begin_run(self) -> None:
        """Keep custom resources without a schema until `end_run`: a later file may hold their CRD."""
        self._deferred = []

    def end_run(self) -> FileResult:
        """Validate the kept custom resources against the CRDs of the whole run; count the rest."""
        result = FileResult()
        deferred, self._deferred = self._deferred or [], None
        for item in deferred:
            if not self._validate(item.obj, item.flagged, result.findings, result):
                result.custom_skipped += 1
        return result

    def _collect(self, rule_id: str, obj: K8sObject, check: Callable[[Any, Context], Iterable[Problem]],
                 view: Any, findings: list[Finding], result: FileResult) -> None:
        try:
            problems = list(check(view, self.context))
        except Exception as exc:  # a bug in one rule must not cost the rest of the run
            result.internal_error = True
            detail = traceback.format_exc() if self.options.debug else f"{type(exc).__name__}: {exc}"
            findings.append(self.finding(
                obj, Problem((), f"rule {rule_id} failed on this object ({detail}); "
                             "please report it with the manifest"), "internal-error"))
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


def _within(span: Span, regions: list[Span]) -> bool:
    """Whether a finding stands on the lines of a region (a key's finding stands beside its value)."""
    return any(r.line <= span.line <= r.end_line for r in regions)


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
    linter.begin_run()
    for item in items:
        summary.files += 1
        if isinstance(item, SourceError):
            if "read-error" not in linter.options.disabled:
                findings.append(Finding("read-error", linter.severity_of("read-error"), item.message,
                                        item.name, Span.point(1, 1)))
            run.read_failed = True
            continue
        try:
            raw = item.read()
        except OSError as exc:
            findings.append(Finding("read-error", linter.severity_of("read-error"),
                                    f"cannot read: {exc.strerror or exc}", item.name, Span.point(1, 1)))
            run.read_failed = True
            continue
        result = linter.lint_bytes(raw, item.name)
        summary.documents += result.documents
        summary.objects += result.objects
        summary.custom_skipped += result.custom_skipped
        findings.extend(result.findings)
        run.read_failed |= result.read_failed
        run.internal_error |= result.internal_error
    late = linter.end_run()
    summary.custom_skipped += late.custom_skipped
    findings.extend(late.findings)
    run.internal_error |= late.internal_error
    findings.sort(key=Finding.sort_key)
    summary.count(findings)
    return run
