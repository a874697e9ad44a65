"""ValidatingAdmissionPolicy, offline: a cluster's own policies checked against manifests before deploy.

Each manifest object is treated as a CREATE request (`request.operation == "CREATE"`,
`oldObject == null`) of the object after the API server's defaulting (`defaults.py`).
What is evaluated as the API server does:
- `matchConstraints` and a binding's `matchResources`: `resourceRules` / `excludeResourceRules`
  (apiGroups, apiVersions, resources, operations, resourceNames, scope; kinds map to resources by
  a small table and a plural guess), `objectSelector` on the object's labels, `matchPolicy`
  (Equivalent: any version of the group's resource; Exact: that version only);
- `matchConditions`, `variables`, `validations` (expression, message, messageExpression, reason),
  `failurePolicy` (an evaluation error fails the validation under Fail and is ignored under Ignore);
- bindings' `validationActions`: Deny -> error, Warn -> warning, Audit -> info (the strongest of a
  policy's loaded bindings is its rule's severity). A policy with no binding among the loaded files
  is evaluated as if bound with Deny.
What cannot be known offline, and how it is handled:
- `namespaceSelector`: the namespace's labels are unknown, so it is assumed to match (except on a
  Namespace object, which is matched on its own labels);
- `paramKind` / `paramRef`, and expressions using `authorizer` or `namespaceObject`: the policy is
  reported as skipped (an info finding `admission-policy-skipped` on the policy), never silently;
- `auditAnnotations` are not evaluated (they annotate audit events and never reject).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podlint.checks import Context, Problem
from podlint.findings import FieldPath, Finding, Severity, format_path
from podlint.model.objects import K8sObject, objects_of
from podlint.patterns import lazy
from podlint.policies.base import Located, Policies, PolicyError, PolicyRule
from podlint.policies.cel import (
    CelCompileError,
    CelCostError,
    CelEnvironment,
    CelUnsupported,
    Expression,
    Outcome,
    position,
    reads_placeholder,
)
from podlint.policies.defaults import Defaulter
from podlint.policies.resources import CLUSTER_SCOPED, group_version, resource_of
from podlint.policies.selectors import LabelSelector, read_selector
from podlint.reading.parse import Document, parse_bytes
from podlint.rules.catalogue import Rule
from podlint.sources.files import SourceError, expand

_IDENTIFIER = lazy(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUALIFIED_NAME = lazy(r"^(?:[a-z0-9.-]+/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$")
GROUP = "admissionregistration.k8s.io"
POLICY = "ValidatingAdmissionPolicy"
BINDING = "ValidatingAdmissionPolicyBinding"
SKIPPED_RULE = "admission-policy-skipped"
ACTIONS = {"Deny": Severity.ERROR, "Warn": Severity.WARNING, "Audit": Severity.INFO}
REASONS = ("Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge")
OFFLINE_UNKNOWN = {"authorizer": "the request's authorizer", "namespaceObject": "the namespace object"}

SPEC_KEYS = ("paramKind", "matchConstraints", "validations", "failurePolicy", "auditAnnotations", "matchConditions",
             "variables")
MATCH_KEYS = ("namespaceSelector", "objectSelector", "resourceRules", "excludeResourceRules", "matchPolicy")
RULE_KEYS = ("apiGroups", "apiVersions", "resources", "operations", "resourceNames", "scope")
VALIDATION_KEYS = ("expression", "message", "messageExpression", "reason")
BINDING_KEYS = ("policyName", "paramRef", "matchResources", "validationActions")

@dataclass(frozen=True, slots=True)
class ResourceRule:
    groups: frozenset[str]
    versions: frozenset[str]
    resources: frozenset[str]
    operations: frozenset[str]
    names: frozenset[str]
    scope: str

    def matches(self, obj: K8sObject, exact_version: bool) -> bool:
        group, version = group_version(obj.api_version)
        cluster = obj.kind in CLUSTER_SCOPED
        return (("*" in self.groups or group in self.groups)
                and ("*" in self.versions or version in self.versions or not exact_version)
                and bool({"*", "*/*", resource_of(obj.kind)} & self.resources)
                and bool({"*", "CREATE"} & self.operations)
                and (not self.names or obj.name in self.names)
                and (self.scope == "*" or self.scope == ("Cluster" if cluster else "Namespaced")))


@dataclass(frozen=True, slots=True)
class MatchResources:
    rules: tuple[ResourceRule, ...] | None  # None: every resource (a binding without resourceRules)
    excludes: tuple[ResourceRule, ...] = ()
    objects: LabelSelector = field(default_factory=LabelSelector)
    namespaces: LabelSelector = field(default_factory=LabelSelector)
    exact: bool = False

    def matches(self, obj: K8sObject) -> bool:
        if self.rules is not None and not any(rule.matches(obj, self.exact) for rule in self.rules):
            return False
        if any(rule.matches(obj, self.exact) for rule in self.excludes):
            return False
        if obj.kind == "Namespace" and not self.namespaces.matches(obj.metadata.get("labels")):
            return False  # a Namespace is matched on its own labels; other namespaces are unknown offline
        return self.objects.matches(obj.metadata.get("labels"))


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    actions: tuple[str, ...]
    match: MatchResources | None

    @property
    def severity(self) -> Severity:
        return max(ACTIONS[action] for action in self.actions)


@dataclass(frozen=True, slots=True)
class Named:
    name: str
    expression: Expression


@dataclass(frozen=True, slots=True)
class Validation:
    index: int
    expression: Expression
    message: str
    message_expression: Expression | None
    reason: str | None


@dataclass(slots=True)
class Policy:
    name: str
    match: MatchResources
    validations: list[Validation]
    variables: list[Named]
    conditions: list[Named]
    fail: bool
    environment: CelEnvironment
    defaulter: Defaulter
    bindings: list[Binding] = field(default_factory=list)
    skipped: bool = False

    def check(self, obj: K8sObject, context: Context) -> Iterator[Problem]:
        if self.skipped or not self.match.matches(obj):
            return
        bindings = [b for b in self.bindings if b.match is None or b.match.matches(obj)]
        if self.bindings and not bindings:
            return
        binding = max(bindings, key=lambda b: b.severity) if bindings else None
        environment = self.environment
        values: dict[str, Any] = {}
        admitted, request = self.defaulter(obj)
        environment.bind(admitted, request=request, variables=values)
        failed: dict[str, str] = {}
        for variable in self.variables:  # in order: a variable may use the ones before it
            outcome = environment.evaluate(variable.expression)
            if outcome.error is None:
                values[variable.name] = outcome.value
                environment.set("variables", values)
            else:
                failed[variable.name] = outcome.error
        for condition in self.conditions:
            outcome = environment.evaluate(condition.expression)
            if outcome.error is not None:
                if self.fail or outcome.exhausted:
                    note = "" if outcome.exhausted else _FAIL_NOTE
                    yield Problem((), self._denied(binding, f"matchCondition '{condition.name}' resulted in error: "
                                                            f"{_explain(outcome, failed)}{note}"))
                return
            if outcome.value is not True:
                return
        for validation in self.validations:
            outcome = environment.evaluate(validation.expression)
            if outcome.error is None and outcome.value is True:
                continue
            if reads_placeholder(validation.expression.source, "object", obj.data):
                continue  # a template's value is unknown until rendered (unrendered-template reports it)
            if outcome.error is None and not isinstance(outcome.value, bool):
                outcome = Outcome(error=f"the expression gave {type(outcome.value).__name__}, not a bool")
            if outcome.error is not None:
                if not self.fail and not outcome.exhausted:  # (a stopped evaluation is always reported)
                    continue
                message = (f"expression '{validation.expression.source}' resulted in error: "
                           f"{_explain(outcome, failed)}{'' if outcome.exhausted else _FAIL_NOTE}")
            else:
                message = self._message(validation)
            if validation.reason:
                message += f" (reason: {validation.reason})"
            yield Problem(position(validation.expression.source, "object", obj.data), self._denied(binding, message))

    def _message(self, validation: Validation) -> str:
        if validation.message_expression is not None:
            result = self.environment.evaluate(validation.message_expression)
            if isinstance(result.value, str) and result.value.strip() and "\n" not in result.value:
                return result.value.strip()
        return validation.message or f"failed expression: {validation.expression.source}"

    def _denied(self, binding: Binding | None, message: str) -> str:
        """The API server's wording: denied for Deny, a failed validation for Warn and Audit."""
        if binding is None:
            return f"ValidatingAdmissionPolicy '{self.name}' denied request: {message}"
        if "Deny" in binding.actions:
            return f"ValidatingAdmissionPolicy '{self.name}' with binding '{binding.name}' denied request: {message}"
        return f"Validation failed for ValidatingAdmissionPolicy '{self.name}' with binding '{binding.name}': {message}"


_FAIL_NOTE = " (an evaluation error fails the validation under failurePolicy Fail)"


def _explain(outcome: Outcome, failed: dict[str, str]) -> str:
    """An error, naming the variable whose own error caused it."""
    error = outcome.error or ""
    missing = error.removeprefix("no such key: ")
    if error.startswith("no such key: ") and missing in failed:
        return f"variable '{missing}' resulted in error: {failed[missing]}"
    return error


class _Skip(Exception):
    def __init__(self, path: FieldPath, reason: str) -> None:
        super().__init__(reason)
        self.path = path


@dataclass(slots=True)
class _Found:
    obj: K8sObject
    where: Located


class PolicyLoader:
    """Reads policy files and folders into rules of the run (or fails with a usage error)."""

    def __init__(self, policies: Policies) -> None:
        self.policies = policies
        self.defaulter = Defaulter()

    def load(self, paths: list[Path], origin: str) -> None:
        found_policies: list[_Found] = []
        found_bindings: list[_Found] = []
        for item in expand([str(path) for path in paths]):
            if isinstance(item, SourceError):
                raise PolicyError(f"{origin}: {item.name}: {item.message}")
            try:
                raw = item.read()
            except OSError as exc:
                raise PolicyError(f"{origin}: {item.name}: cannot read: {exc.strerror or exc}") from None
            parsed = parse_bytes(raw, item.name)
            if parsed.findings:
                first = parsed.findings[0]
                raise PolicyError(f"{item.name}:{first.span.line}:{first.span.column}: {first.message}")
            for document in parsed.documents:
                for obj in objects_of(document):
                    if obj.group != GROUP:
                        continue
                    where = Located(item.name, document, obj.base)
                    if obj.kind == POLICY:
                        found_policies.append(_Found(obj, where))
                    elif obj.kind == BINDING:
                        found_bindings.append(_Found(obj, where))
        if not found_policies:
            raise PolicyError(f"{origin}: no {POLICY} in {', '.join(map(str, paths))}")
        bindings: dict[str, list[Binding]] = {}
        for found in found_bindings:
            policy_name, binding = self._binding(found)
            bindings.setdefault(policy_name, []).append(binding)
        for found in found_policies:
            self._policy(found, bindings)

    def _policy(self, found: _Found, bindings: dict[str, list[Binding]]) -> None:
        obj, where = found.obj, found.where
        name = obj.name
        if not name:
            raise where.error(("metadata",), f"a {POLICY} needs metadata.name")
        what = f"{POLICY} {name!r}"
        if name in self.policies.taken():
            raise where.error(("metadata", "name"), f"{what}: the name is already a rule id (built-in, custom rule "
                                                    "or another policy)")
        spec = obj.data.get("spec")
        if not isinstance(spec, dict):
            raise where.error(("spec",) if "spec" in obj.data else (), f"{what}: spec is required")
        _known_keys(spec, SPEC_KEYS, where, ("spec",), what)
        failure = spec.get("failurePolicy", "Fail")
        if failure not in ("Fail", "Ignore"):
            raise where.error(("spec", "failurePolicy"), f"{what}: failurePolicy must be Fail or Ignore")
        if not spec.get("validations") and not spec.get("auditAnnotations"):
            raise where.error(("spec",), f"{what}: needs validations (or auditAnnotations)")
        constraints = spec.get("matchConstraints")
        if not isinstance(constraints, dict) or not constraints.get("resourceRules"):
            raise where.error(("spec", "matchConstraints") if constraints is not None else ("spec",),
                              f"{what}: matchConstraints.resourceRules is required")
        environment = self.policies.environment()
        policy = Policy(
            name=name, match=_match_resources(constraints, where, ("spec", "matchConstraints"), what, required=True),
            validations=[], variables=[], conditions=[], fail=failure == "Fail", environment=environment,
            defaulter=self.defaulter,
            bindings=bindings.get(name, []),
        )
        skip: _Skip | None = None
        if spec.get("paramKind") is not None:
            skip = _Skip(("spec", "paramKind"), "it takes parameters (spec.paramKind), which are cluster objects "
                                                "podlint cannot read offline")
        compiler = _Compiler(environment, where, what)
        for key, target in (("variables", policy.variables), ("matchConditions", policy.conditions)):
            for index, item in enumerate(_list(spec.get(key), where, ("spec", key), what)):
                path = ("spec", key, index)
                if not isinstance(item, dict):
                    raise where.error(path, f"{what}: each of {key} is a mapping with name and expression")
                _known_keys(item, ("name", "expression"), where, path, what)
                item_name = item.get("name")
                pattern = _IDENTIFIER if key == "variables" else _QUALIFIED_NAME
                if not isinstance(item_name, str) or not pattern.match(item_name):
                    kind = "a CEL identifier" if key == "variables" else "a qualified name like not-opted-out"
                    raise where.error((*path, "name") if "name" in item else path,
                                      f"{what}: {key}[{index}] needs a name ({kind})")
                target.append(Named(item_name, compiler.compile(item.get("expression"), (*path, "expression"))))
        for index, item in enumerate(_list(spec.get("validations"), where, ("spec", "validations"), what)):
            path = ("spec", "validations", index)
            if not isinstance(item, dict):
                raise where.error(path, f"{what}: each validation is a mapping with an expression")
            _known_keys(item, VALIDATION_KEYS, where, path, what)
            message = item.get("message") or ""
            if not isinstance(message, str) or "\n" in message.strip():
                raise where.error((*path, "message"), f"{what}: a validation message is one line of text")
            reason = item.get("reason")
            if reason is not None and reason not in REASONS:
                raise where.error((*path, "reason"), f"{what}: reason must be one of {', '.join(REASONS)}")
            message_expression = (compiler.compile(item["messageExpression"], (*path, "messageExpression"))
                                  if "messageExpression" in item else None)
            policy.validations.append(Validation(index, compiler.compile(item.get("expression"), (*path, "expression")),
                                                 message.strip(), message_expression, reason))
        skip = skip or compiler.skip
        if skip is not None:
            policy.skipped = True
            self._note(found, skip, what)
        severity = max((binding.severity for binding in policy.bindings), default=Severity.ERROR)
        checks = "\n".join(f"- {v.expression.source}" + (f": {v.message}" if v.message else "")
                           for v in policy.validations)
        rule = Rule(
            id=name, severity=severity,
            summary=f"The cluster's {POLICY} {name} (from {where.name}).",
            why=f"The API server evaluates this policy on every matching request and "
                f"{'rejects' if severity is Severity.ERROR else 'reports'} objects that fail a validation:\n{checks}",
            fix="Change the object so that every validation holds, or change the policy or its bindings.",
            category="admission-policy", url=Path(where.name).resolve().as_uri(),
        )
        self.policies.rules.append(PolicyRule(rule, policy.check))

    def _note(self, found: _Found, skip: _Skip, what: str) -> None:
        where = found.where
        document: Document | None = where.document
        assert document is not None
        self.policies.notes.append(Finding(
            rule=SKIPPED_RULE, severity=Severity.INFO, message=f"{what} is not evaluated: {skip}",
            file=where.name, span=document.span(where.base + skip.path), path=format_path(where.base + skip.path),
            kind=POLICY, name=found.obj.name, namespace=found.obj.namespace))

    def _binding(self, found: _Found) -> tuple[str, Binding]:
        obj, where = found.obj, found.where
        what = f"{BINDING} {obj.name!r}"
        spec = obj.data.get("spec")
        if not isinstance(spec, dict):
            raise where.error(("spec",) if "spec" in obj.data else (), f"{what}: spec is required")
        _known_keys(spec, BINDING_KEYS, where, ("spec",), what)
        policy_name = spec.get("policyName")
        if not isinstance(policy_name, str) or not policy_name:
            raise where.error(("spec",), f"{what}: spec.policyName is required")
        actions = spec.get("validationActions")
        if (not isinstance(actions, list) or not actions or any(a not in ACTIONS for a in actions)
                or len(set(actions)) != len(actions) or {"Deny", "Warn"} <= set(actions)):
            raise where.error(("spec", "validationActions") if "validationActions" in spec else ("spec",),
                              f"{what}: validationActions must list Deny, Warn or Audit, each once, not Deny with Warn")
        match = spec.get("matchResources")
        resources = (_match_resources(match, where, ("spec", "matchResources"), what, required=False)
                     if match is not None else None)
        return policy_name, Binding(obj.name, tuple(actions), resources)


class _Compiler:
    """Compiles a policy's expressions; what cannot run offline marks the policy skipped, not broken."""

    def __init__(self, environment: CelEnvironment, where: Located, what: str) -> None:
        self.environment = environment
        self.where = where
        self.what = what
        self.skip: _Skip | None = None

    def compile(self, source: Any, path: FieldPath) -> Expression:
        try:
            expression = self.environment.compile(source)
        except CelUnsupported as exc:
            self.skip = self.skip or _Skip(path, str(exc))
            return self.environment.compile("true")
        except CelCostError as exc:
            raise self.where.error(path, f"{self.what}: {format_path(path)}: {exc}") from None
        except CelCompileError as exc:
            raise self.where.error(path, f"{self.what}: {format_path(path)} does not compile: {exc}") from None
        for variable, meaning in OFFLINE_UNKNOWN.items():
            if variable in expression.variables:
                self.skip = self.skip or _Skip(path, f"it uses {variable} ({meaning}), unknown offline")
        unknown = self.environment.unknown_functions(expression)
        if unknown:
            self.skip = self.skip or _Skip(path, f"it calls {', '.join(f'{n}()' for n in unknown)}, which podlint's "
                                                 "CEL environment does not provide")
        return expression


def _known_keys(data: dict[str, Any], keys: tuple[str, ...], where: Located, path: FieldPath, what: str) -> None:
    for key in data:
        if key not in keys:
            raise where.error((*path, key), f"{what}: unknown field {key!r} in {format_path(path) or 'the object'}; "
                                            f"expected one of: {', '.join(keys)}")


def _list(value: Any, where: Located, path: FieldPath, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.error(path, f"{what}: {format_path(path)} must be a list")
    return value


def _match_resources(value: Any, where: Located, path: FieldPath, what: str, required: bool) -> MatchResources:
    if not isinstance(value, dict):
        raise where.error(path, f"{what}: {format_path(path)} must be a mapping")
    _known_keys(value, MATCH_KEYS, where, path, what)
    policy = value.get("matchPolicy", "Equivalent")
    if policy not in ("Equivalent", "Exact"):
        raise where.error((*path, "matchPolicy"), f"{what}: matchPolicy must be Equivalent or Exact")

    def rules(key: str) -> tuple[ResourceRule, ...]:
        return tuple(_resource_rule(item, where, (*path, key, index), what)
                     for index, item in enumerate(_list(value.get(key), where, (*path, key), what)))

    def selector(key: str) -> LabelSelector:
        return read_selector(value.get(key), (*path, key), lambda p, m: where.error(p, f"{what}: {m}"))

    included = rules("resourceRules")
    return MatchResources(included if included or required else None, rules("excludeResourceRules"),
                          selector("objectSelector"), selector("namespaceSelector"), policy == "Exact")


def _resource_rule(item: Any, where: Located, path: FieldPath, what: str) -> ResourceRule:
    if not isinstance(item, dict):
        raise where.error(path, f"{what}: a resource rule maps apiGroups, apiVersions, resources and operations")
    _known_keys(item, RULE_KEYS, where, path, what)

    def names(key: str, required: bool = True) -> frozenset[str]:
        values = item.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values) or (required and not values):
            raise where.error((*path, key) if key in item else path, f"{what}: {key} must be a non-empty list of names")
        return frozenset(values)

    scope = item.get("scope", "*")
    if scope not in ("*", "Cluster", "Namespaced"):
        raise where.error((*path, "scope"), f"{what}: scope must be *, Cluster or Namespaced")
    return ResourceRule(names("apiGroups"), names("apiVersions"), names("resources"), names("operations"),
                        names("resourceNames", required=False), scope)
