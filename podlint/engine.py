"""The pipeline: parse -> objects -> checks -> findings, with rule settings and suppressions applied."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from podlint.checks import (
    OBJECT_CHECK_KINDS,
    OBJECT_CHECKS,
    POD_CHECKS,
    RUN_CHECKS,
    Context,
    ObjectCheck,
    PodCheck,
    Problem,
)
from podlint.findings import Finding, Severity, Span, format_path, suppress
from podlint.model.inventory import _NO_POSITIONS, Inventory
from podlint.model.objects import K8sObject, objects_of
from podlint.model.podspec import PodSpecView
from podlint.policies.base import Policies
from podlint.reading.parse import MAX_FILE_BYTES, Document, ParseResult, gc_paused, parse_bytes, parse_text
from podlint.reading.patches import is_patch_file
from podlint.records import Record
from podlint.rules.catalogue import Rule, load_catalogue
from podlint.rules.ruleset import FileRules, Override, Ruleset, RuleSetting
from podlint.rules.select import NO_SELECTION, Selection
from podlint.schemas.crd import is_crd
from podlint.schemas.validator import SCHEMA_RULES, SchemaValidator, Unchecked
from podlint.schemas.versions import DEFAULT, Version
from podlint.sources.files import Source, SourceError
from podlint.watchdog import WATCHDOG, Overtime

# Reading problems that mean an input was not (fully) linted: exit code 2.
FAILED_READING = frozenset({"parse-error", "read-error", "yaml-tag"})


class Options(Record):
    profile: str
    rules: dict[str, RuleSetting]
    overrides: list[Override]
    kubernetes_version: Version
    max_file_bytes: int
    schema_dirs: tuple[Path, ...]  # JSON schemas of custom resources ({kind}_{version}.json)
    debug: bool
    policies: Policies | None  # custom rules and admission policies: more rules for this run
    # select / extend-select / ignore, as rule ids: the configuration's, and the command line's (which win)
    configured: Selection
    command_line: Selection

    __slots__ = ("command_line", "configured", "debug", "kubernetes_version", "max_file_bytes", "overrides",
                 "policies", "profile", "rules", "schema_dirs")

    def __init__(self, profile: str = "default", rules: dict[str, RuleSetting] | None = None,
                 overrides: list[Override] | None = None, kubernetes_version: Version = DEFAULT,
                 max_file_bytes: int = MAX_FILE_BYTES, schema_dirs: tuple[Path, ...] = (), debug: bool = False,
                 policies: Policies | None = None, configured: Selection = NO_SELECTION,
                 command_line: Selection = NO_SELECTION) -> None:
        self.profile = profile
        self.rules = {} if rules is None else rules
        self.overrides = [] if overrides is None else overrides
        self.kubernetes_version = kubernetes_version
        self.max_file_bytes = max_file_bytes
        self.schema_dirs = schema_dirs
        self.debug = debug
        self.policies = policies
        self.configured = configured
        self.command_line = command_line


class FileResult(Record):
    """What linting one file yields; picklable, since a worker process may send it (parallel.py)."""

    findings: list[Finding]
    documents: int
    objects: int
    read_failed: bool
    internal_error: bool
    suppressions: list[suppress.Suppression]
    custom_skipped: int  # custom resources with no schema to check them against
    rules_skipped: int  # CRD validation rules not evaluated offline (transition rules, unsupported CEL)
    name: str  # the input, as lint_file names it
    # What a file linted in a worker process brings to the run-wide stages of the main process:
    # its part of the inventory, its CRDs (data only) and its custom resources still waiting
    # for a CRD (deferred).
    from_worker: bool
    inventory: Inventory | None
    crds: list[K8sObject]
    deferred: list[_Deferred]

    __slots__ = ("crds", "custom_skipped", "deferred", "documents", "findings", "from_worker", "internal_error",
                 "inventory", "name", "objects", "read_failed", "rules_skipped", "suppressions")

    def __init__(self, findings: list[Finding] | None = None, documents: int = 0, objects: int = 0,
                 read_failed: bool = False, internal_error: bool = False,
                 suppressions: list[suppress.Suppression] | None = None, custom_skipped: int = 0,
                 rules_skipped: int = 0, name: str = "", from_worker: bool = False, inventory: Inventory | None = None,
                 crds: list[K8sObject] | None = None, deferred: list[_Deferred] | None = None) -> None:
        self.findings = [] if findings is None else findings
        self.documents = documents
        self.objects = objects
        self.read_failed = read_failed
        self.internal_error = internal_error
        self.suppressions = [] if suppressions is None else suppressions
        self.custom_skipped = custom_skipped
        self.rules_skipped = rules_skipped
        self.name = name
        self.from_worker = from_worker
        self.inventory = inventory
        self.crds = [] if crds is None else crds
        self.deferred = [] if deferred is None else deferred


class _Plan(Record):
    """What runs on each object of a file: decided once per rule set, not for every object."""

    rules: FileRules
    context: Context
    object_checks: list[tuple[str, ObjectCheck]]
    pod_checks: list[tuple[str, PodCheck]]
    schema: bool  # whether schema rules run here
    # kind -> the object checks that judge it (most kinds: not the Job and CronJob checks), on first use
    by_kind: dict[str, list[tuple[str, ObjectCheck]]]

    __slots__ = ("by_kind", "context", "object_checks", "pod_checks", "rules", "schema")

    def __init__(self, rules: FileRules, context: Context, object_checks: list[tuple[str, ObjectCheck]],
                 pod_checks: list[tuple[str, PodCheck]], schema: bool) -> None:
        self.rules = rules
        self.context = context
        self.object_checks = object_checks
        self.pod_checks = pod_checks
        self.schema = schema
        self.by_kind = {}

    def object_checks_for(self, kind: str) -> list[tuple[str, ObjectCheck]]:
        checks = self.by_kind.get(kind)
        if checks is None:
            checks = self.by_kind[kind] = [(rule_id, check) for rule_id, check in self.object_checks
                                           if kind in OBJECT_CHECK_KINDS.get(rule_id, (kind,))]
        return checks


class _Deferred(Record):
    """A custom resource kept until the end of the run, when every CRD of the run is known."""

    obj: K8sObject
    rules: FileRules
    flagged: set[str]  # paths other rules already reported

    __slots__ = ("flagged", "obj", "rules")

    def __init__(self, obj: K8sObject, rules: FileRules, flagged: set[str]) -> None:
        self.obj = obj
        self.rules = rules
        self.flagged = flagged


class Linter:
    """Runs every enabled rule over files; holds what is prepared once per run."""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        policies = self.options.policies
        self.catalogue: dict[str, Rule] = policies.catalogue() if policies is not None else load_catalogue()
        self.ruleset = Ruleset(self.catalogue, self.options.profile, self.options.rules, self.options.overrides,
                               self.options.configured, self.options.command_line)
        self.patch_skipped = frozenset(rule.id for rule in self.catalogue.values() if rule.skip_on_patches)
        runnable = self.ruleset.possibly_enabled()
        self.pod_checks = [(rule_id, fn) for rule_id, fn in sorted(POD_CHECKS.items()) if rule_id in runnable]
        # Custom rules and admission policies run as object checks after the built-in ones,
        # isolated the same way (an exception is an internal-error finding, not a crash).
        extra = policies.checks() if policies is not None else []
        self.object_checks = [(rule_id, fn) for rule_id, fn in [*sorted(OBJECT_CHECKS.items()), *extra]
                              if rule_id in runnable]
        self.run_checks = [(rule_id, fn) for rule_id, fn in sorted(RUN_CHECKS.items()) if rule_id in runnable]
        self._contexts: dict[int, Context] = {}
        self._plans: dict[tuple[int, bool], _Plan] = {}
        self.schema: SchemaValidator | None = None
        if SCHEMA_RULES & runnable:
            self.schema = SchemaValidator(self.options.kubernetes_version, self.options.schema_dirs)
        # Custom resources waiting for a CRD later in the run; None outside `begin_run`/`end_run`.
        self._deferred: list[_Deferred] | None = None

    def context(self, rules: FileRules) -> Context:
        context = self._contexts.get(id(rules))
        if context is None:
            context = self._contexts[id(rules)] = Context(self.options.kubernetes_version, rules.options)
        return context

    def severity_of(self, rule_id: str, file: str = "") -> Severity:
        return self.ruleset.for_file(file).severity(rule_id)

    def notes(self) -> list[Finding]:
        """Findings about the run's policies themselves (one skipped offline), as their file's rules say."""
        notes = []
        for note in self.options.policies.notes if self.options.policies is not None else []:
            rules = self.ruleset.for_file(note.file)
            if note.rule in rules.enabled:
                notes.append(note.copy(severity=rules.severity(note.rule)))
        return notes

    def lint_bytes(self, raw: bytes, file: str, inventory: Inventory | None = None) -> FileResult:
        # No cyclic collection until the file is linted: its node trees (no cycles) are freed
        # by reference counting then, instead of being scanned once more when reading ends.
        with gc_paused():
            result = self._run(self._parse(lambda: parse_bytes(raw, file, self.options.max_file_bytes), file),
                               file, suppress.scan(raw), inventory, raw)
        return result

    def lint_text(self, text: str, file: str) -> FileResult:
        """Lint unsaved text (the editor) as a run of its own: cross-object rules see its objects
        together, and suppressions are applied here."""
        raw = text.encode("utf-8", "replace")
        inventory = Inventory() if self.run_checks else None
        if self.schema is not None:
            self.schema.start_run()
        result = self._run(self._parse(lambda: parse_text(text, file), file), file, suppress.scan(raw), inventory, raw)
        if inventory is not None:
            cross, crashed = self.lint_run(inventory)
            result.findings.extend(cross)
            result.internal_error |= crashed
        result.findings = self.suppressed(result.findings, result.suppressions, file, result.read_failed)
        result.findings.sort(key=Finding.sort_key)
        return result

    def _parse(self, parse: Callable[[], ParseResult], file: str) -> ParseResult:
        """The file read; a bug in reading costs this file only, as an internal-error finding."""
        try:
            return parse()
        except Exception as exc:
            message = self._bug("podlint failed reading this file", exc)
            return ParseResult(findings=[Finding("internal-error", Severity.ERROR, message, file, Span.point(1, 1))])

    def _bug(self, what: str, exc: Exception) -> str:
        """The message of an internal-error finding: what failed, how, and what to do."""
        detail = self._detail(exc)
        hint = "" if self.options.debug else "; run with --debug for the traceback"
        return f"{what} ({detail}); please report it with the manifest{hint}"

    def _detail(self, exc: Exception) -> str:
        """How a step failed: the exception, or with --debug its traceback (call it while handling `exc`)."""
        if not self.options.debug:
            return f"{type(exc).__name__}: {exc}"
        import traceback  # only for an internal error under --debug: most runs never need it

        return traceback.format_exc()

    def _run(self, parsed: ParseResult, file: str, suppressions: list[suppress.Suppression],
             inventory: Inventory | None = None, raw: bytes = b"") -> FileResult:
        """A file's findings; the watchdog is armed meanwhile (a rule or a file past its time limit is a finding)."""
        WATCHDOG.new_file()
        WATCHDOG.armed = True
        try:
            return self._run_armed(parsed, file, suppressions, inventory, raw)
        finally:
            WATCHDOG.armed = False

    def _run_armed(self, parsed: ParseResult, file: str, suppressions: list[suppress.Suppression],
                   inventory: Inventory | None, raw: bytes) -> FileResult:
        rules = self.ruleset.for_file(file)
        result = FileResult(documents=len(parsed.documents), suppressions=suppressions)
        for finding in parsed.findings:
            result.internal_error |= finding.rule == "internal-error"
            if finding.rule not in rules.enabled:
                continue
            finding.severity = rules.severity(finding.rule)
            result.findings.append(finding)
            if finding.rule in FAILED_READING:
                result.read_failed = True
        # Each step on a document is isolated: a bug outside any one rule loses that document, not the run.
        objects: list[K8sObject] = []
        for document in parsed.documents:
            self._isolated(result, document, partial(_objects_into, objects, document))
        if self.schema is not None:
            for obj in objects:  # a CRD anywhere in the file serves the custom resources before it
                if is_crd(obj):
                    self._isolated(result, obj.document, partial(self.schema.learn, obj))
                    result.crds.append(_detached(obj))
        unreadable = [f.span for f in result.findings if f.rule in FAILED_READING]
        if not objects:
            return result
        plan = self.plan(rules, is_patch_file(file))
        for obj in objects:
            result.objects += 1
            try:  # (as _isolated does, without a closure for every object)
                self._lint_one(obj, plan, result, unreadable, inventory, raw)
            except Overtime as exc:  # the file's own time limit: what was found so far is reported
                result.internal_error = True
                where = f"document {obj.document.index + 1}" + (f", {obj.kind}/{obj.name}" if obj.kind else "")
                result.findings.append(Finding("internal-error", self.severity_of("internal-error", file),
                                               f"linting this file was stopped at {where}: it {exc} (podlint's time "
                                               "limit for one file); the findings before it are reported",
                                               file, obj.document.start))
                break
            except Exception as exc:
                self._failed(result, obj.document, exc)
        return result

    def _lint_one(self, obj: K8sObject, plan: _Plan, result: FileResult, unreadable: list[Span],
                   inventory: Inventory | None, raw: bytes) -> None:
        found = self.lint_object(obj, plan, result)
        if unreadable:  # a value that was not read as written: its schema finding is only a consequence
            found = [f for f in found if f.rule not in SCHEMA_RULES or not _within(f.span, unreadable)]
        result.findings.extend(found)
        if inventory is not None:
            inventory.add(obj, raw)

    def _isolated(self, result: FileResult, document: Document, step: Callable[[], object]) -> None:
        """Run one step on a document; a bug in it becomes an internal-error finding at the document."""
        try:
            step()
        except Exception as exc:
            self._failed(result, document, exc)

    def _failed(self, result: FileResult, document: Document, exc: Exception) -> None:
        """A bug in a step on a document: an internal-error finding at the document."""
        result.internal_error = True
        result.findings.append(Finding("internal-error", self.severity_of("internal-error", document.file),
                                       self._bug(f"podlint failed on document {document.index + 1}", exc),
                                       document.file, document.start))

    def lint_run(self, inventory: Inventory) -> tuple[list[Finding], bool]:
        """The cross-object checks over everything a run read; True if one of them crashed."""
        findings: list[Finding] = []
        crashed = False
        context = self.context(self.ruleset.for_file(""))
        for rule_id, check in self.run_checks:
            WATCHDOG.new_file()  # each cross-object rule has a file's time limit
            WATCHDOG.armed = True
            try:
                problems = list(check(inventory, context))
            except Overtime as exc:
                crashed = True
                findings.append(Finding("internal-error", self.severity_of("internal-error"),
                                        f"rule {rule_id} was stopped on this run: it {exc}", "<run>", Span.point(1, 1)))
                continue
            except Exception as exc:  # a bug in one rule must not cost the rest of the run
                crashed = True
                detail = self._detail(exc)
                findings.append(Finding("internal-error", self.severity_of("internal-error"),
                                        f"rule {rule_id} failed on this run ({detail}); please report it "
                                        "with the manifests", "<run>", Span.point(1, 1)))
                continue
            finally:
                WATCHDOG.armed = False
            patch_skipped = rule_id in self.patch_skipped
            for obj, problem in problems:
                rules = self.ruleset.for_file(obj.file)
                if patch_skipped and is_patch_file(obj.file):
                    continue  # (a patch leaves out what its base has, as in plan)
                if rule_id in rules.enabled and not _ignored_by_annotation(obj, rule_id):
                    findings.append(self.finding(inventory.attach(obj), problem, rule_id, rules))
        return findings, crashed

    def plan(self, rules: FileRules, patch: bool) -> _Plan:
        """The checks that run on the objects of a file with these rules (a patch skips some)."""
        plan = self._plans.get((id(rules), patch))
        if plan is None:
            enabled = rules.enabled - self.patch_skipped if patch else rules.enabled
            plan = self._plans[(id(rules), patch)] = _Plan(
                rules, self.context(rules),
                [(rule_id, check) for rule_id, check in self.object_checks if rule_id in enabled],
                [(rule_id, check) for rule_id, check in self.pod_checks if rule_id in enabled],
                self.schema is not None and bool(SCHEMA_RULES & rules.enabled))
        return plan

    def lint_object(self, obj: K8sObject, plan: _Plan, result: FileResult) -> list[Finding]:
        findings: list[Finding] = []
        rules = plan.rules
        object_checks = plan.object_checks_for(obj.kind)
        if object_checks:
            self._checked(object_checks, obj, obj, plan, findings, result)
        if plan.pod_checks:
            pod = PodSpecView.of(obj)
            if pod is not None:
                self._checked(plan.pod_checks, pod, obj, plan, findings, result)
        if plan.schema:
            flagged = {finding.path for finding in findings}
            if not self._validate(obj, rules, flagged, findings, result, final=self._deferred is None):
                if self._deferred is not None:
                    self._deferred.append(_Deferred(obj, rules, flagged))
                    return self.without_ignored(obj, findings, rules)
                result.custom_skipped += 1
        return self.without_ignored(obj, findings, rules)

    def _validate(self, obj: K8sObject, rules: FileRules, flagged: set[str], findings: list[Finding],
                  result: FileResult, final: bool = True) -> bool:
        """Schema findings for `obj`, except where a specific rule already reported the same field.

        False when `obj` is a custom resource with no schema known yet (`final`: none will be:
        the bundled catalogue may answer); its notes, if any, are still reported.
        """
        assert self.schema is not None
        skipped_before = self.schema.rules_skipped
        WATCHDOG.step += 1
        try:
            found = self.schema.check(obj, final)
        except Overtime as exc:
            if exc.whole_file:
                raise
            WATCHDOG.fired = None
            result.internal_error = True
            findings.append(self.finding(obj, Problem((), f"the schema check was stopped on this object: it {exc}"),
                                         "internal-error"))
            return True
        except Exception as exc:  # like a rule: a validator bug must not cost the run
            result.internal_error = True
            detail = self._detail(exc)
            findings.append(self.finding(obj, Problem((), f"schema validation failed on this object ({detail}); "
                                                      "please report it with the manifest"), "internal-error"))
            return True
        result.rules_skipped += self.schema.rules_skipped - skipped_before
        if found is None:
            return False
        for rule_id, problem in found:
            if rule_id in rules.enabled and format_path(obj.base + problem.path) not in flagged:
                findings.append(self.finding(obj, problem, rule_id, rules))
        return not isinstance(found, Unchecked)

    def take_deferred(self) -> list[_Deferred]:
        """The custom resources deferred so far, handed over (a worker's, to the main process)."""
        deferred, self._deferred = self._deferred or [], [] if self._deferred is not None else None
        return deferred

    def defer(self, items: list[_Deferred]) -> None:
        """Custom resources another process deferred, to validate at `end_run`."""
        if self._deferred is not None:
            self._deferred.extend(items)

    def begin_run(self) -> None:
        """Keep custom resources without a schema until `end_run`: a later file may hold their CRD."""
        self._deferred = []
        if self.schema is not None:
            self.schema.start_run()

    def end_run(self) -> FileResult:
        """Validate the kept custom resources against the CRDs of the whole run; count the rest."""
        result = FileResult()
        deferred, self._deferred = self._deferred or [], None
        for item in deferred:
            found: list[Finding] = []
            if not self._validate(item.obj, item.rules, item.flagged, found, result):
                result.custom_skipped += 1
            result.findings.extend(self.without_ignored(item.obj, found, item.rules))
        return result

    def without_ignored(self, obj: K8sObject, findings: list[Finding], rules: FileRules) -> list[Finding]:
        """Apply the object's `podlint/ignore` annotation (for rendered manifests that lose comments)."""
        annotations = obj.get(("metadata", "annotations"))
        if not isinstance(annotations, dict) or suppress.ANNOTATION not in annotations:
            return findings
        ignored = suppress.annotation_rules(annotations[suppress.ANNOTATION])
        kept = [f for f in findings if f.rule not in ignored and "all" not in ignored]
        used = {f.rule for f in findings} & ignored | ({"all"} if "all" in ignored and findings else set())
        if suppress.UNUSED_RULE in rules.enabled:
            for rule in sorted(ignored - used):
                kept.append(self.finding(obj, Problem(("metadata", "annotations", suppress.ANNOTATION),
                                                      f"{suppress.ANNOTATION} names {rule}, which reports nothing "
                                                      "on this object: remove it", anchor="value"),
                                         suppress.UNUSED_RULE, rules))
        return kept

    def suppressed(self, findings: list[Finding], suppressions: list[suppress.Suppression],
                   file: str, read_failed: bool = False) -> list[Finding]:
        kept = suppress.apply(findings, suppressions)
        rules = self.ruleset.for_file(file)
        # A file that did not parse has lost the findings its suppressions were for: none is stale.
        if suppressions and suppress.UNUSED_RULE in rules.enabled and not read_failed:
            kept.extend(suppress.unused(suppressions, file, rules.severity(suppress.UNUSED_RULE)))
        return kept

    def _checked(self, checks: list[tuple[str, Callable[[Any, Context], Iterable[Problem]]]], view: Any,
                 obj: K8sObject, plan: _Plan, findings: list[Finding], result: FileResult) -> None:
        """Run checks on one view of `obj` (the object, or its pod spec), each isolated from the others."""
        context = plan.context
        watchdog = WATCHDOG
        for rule_id, check in checks:
            watchdog.step += 1
            try:
                problems = list(check(view, context))
                if watchdog.fired is not None:  # raised in a callback that a native library swallowed
                    raise watchdog.fired
            except Overtime as exc:
                if exc.whole_file:
                    raise
                watchdog.fired = None
                result.internal_error = True
                where = f"document {obj.document.index + 1}" + (f", {obj.kind}/{obj.name}" if obj.kind else "")
                findings.append(self.finding(obj, Problem((), f"rule {rule_id} was stopped on {where}: it ran past "
                                                          f"{exc.seconds:g} s (podlint's time limit for one rule on "
                                                          "one object); the other rules are still reported"),
                                             "internal-error"))
                continue
            except Exception as exc:  # a bug in one rule must not cost the rest of the run
                result.internal_error = True
                where = f"document {obj.document.index + 1}" + (f", {obj.kind}/{obj.name}" if obj.kind else "")
                findings.append(self.finding(obj, Problem((), self._bug(f"rule {rule_id} failed on {where}", exc)),
                                             "internal-error"))
                continue
            if problems:
                findings.extend(self.finding(obj, problem, rule_id, plan.rules) for problem in problems)

    def finding(self, obj: K8sObject, problem: Problem, rule_id: str, rules: FileRules | None = None) -> Finding:
        rule = self.catalogue.get(rule_id)
        rules = rules or self.ruleset.for_file(obj.file)
        return Finding(
            rule=rule_id,
            severity=rules.severity(rule_id),
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


def _detached(obj: K8sObject) -> K8sObject:
    """An object with its data but without its positions and text (cheap to send to another process)."""
    document = obj.document
    return K8sObject(Document(document.file, document.index, document.data, _NO_POSITIONS, document.line_offset),
                     obj.base, obj.data)


def lint_file(item: Source | SourceError, linter: Linter, inventory: Inventory | None) -> FileResult:
    """One input, read and linted; a problem reading it is a finding, never an exception."""
    if isinstance(item, SourceError):
        return FileResult([Finding("read-error", linter.severity_of("read-error", item.name), item.message,
                                   item.name, Span.point(1, 1))], read_failed=True, name=item.name)
    try:
        raw = item.read(linter.options.max_file_bytes)
    except OSError as exc:
        return FileResult([Finding("read-error", linter.severity_of("read-error", item.name),
                                   f"cannot read: {exc.strerror or exc}", item.name, Span.point(1, 1))],
                          read_failed=True, name=item.name)
    result = linter.lint_bytes(raw, item.name, inventory)
    result.name = item.name
    return result


def _objects_into(objects: list[K8sObject], document: Document) -> None:
    objects.extend(objects_of(document))


def _ignored_by_annotation(obj: K8sObject, rule_id: str) -> bool:
    """Whether the object's `podlint/ignore` annotation silences a cross-object finding on it."""
    annotations = obj.get(("metadata", "annotations"))
    if not isinstance(annotations, dict):
        return False
    ignored = suppress.annotation_rules(annotations.get(suppress.ANNOTATION))
    return rule_id in ignored or "all" in ignored
