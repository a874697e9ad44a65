"""Team rules from the configuration (`custom-rules`): a JSON Schema or a CEL expression per rule.

```yaml
custom-rules:
  - id: allowed-registry            # lower-case words and dashes; not a built-in id
    severity: error                 # error | warning | info (default: warning)
    message: images come from registry.example.com
    match: {kind: [Deployment, StatefulSet], namespace: prod, labels: {matchLabels: {tier: web}}}
    each: container                 # evaluate per container (app, init, sidecar, ephemeral)
    expression: container.image.startsWith('registry.example.com/')   # CEL, VAP semantics
    # or: schema: {required: [image], properties: {image: {pattern: '^registry\\.example\\.com/'}}}
    path: image                     # where findings point (default: what the rule reads)
  - rules/team.yaml                 # a file (or folder) of such rules, relative to the config
```

Everything is checked when loaded (ids, keys, schema, CEL syntax and functions, field names
where Kubernetes fixes them); a mistake is a usage error naming the rule, file, line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podlint.checks import Context, Problem
from podlint.findings import FieldPath, Severity, format_path
from podlint.model.objects import K8sObject, lookup
from podlint.model.podspec import PodSpecView, is_placeholder
from podlint.patterns import lazy
from podlint.policies import fields, schema_rules
from podlint.policies.base import Located, Policies, PolicyError, PolicyRule, as_list
from podlint.policies.cel import (
    CelCompileError,
    CelCostError,
    CelEnvironment,
    Expression,
    Outcome,
    field_chains,
    position,
    reads_placeholder,
)
from podlint.policies.selectors import LabelSelector, read_selector
from podlint.reading.parse import Anchor, parse_bytes
from podlint.rules.catalogue import PROFILES, Rule

RULE_KEYS = ("id", "severity", "message", "messageExpression", "summary", "why", "fix", "bad", "good",
             "references", "profile", "match", "each", "path", "schema", "expression", "failurePolicy")
MATCH_KEYS = ("apiVersion", "kind", "namespace", "labels")
RULE_ID = lazy(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RULE_SUFFIXES = (".yaml", ".yml")
_PATH_PART = lazy(r"\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]")


@dataclass(frozen=True, slots=True)
class Match:
    """Which objects a rule applies to; an omitted criterion matches every object."""

    api_versions: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    namespaces: frozenset[str] | None = None
    labels: LabelSelector = field(default_factory=LabelSelector)

    def matches(self, obj: K8sObject) -> bool:
        return ((self.api_versions is None or obj.api_version in self.api_versions)
                and (self.kinds is None or obj.kind in self.kinds)
                and (self.namespaces is None or obj.namespace in self.namespaces)
                and self.labels.matches(obj.metadata.get("labels")))


@dataclass(slots=True)
class CustomRule:
    id: str
    message: str
    match: Match
    each_container: bool
    path: FieldPath | None
    schema: Any | None = None  # a jsonschema validator
    expression: Expression | None = None
    message_expression: Expression | None = None
    fail_on_error: bool = True
    environment: CelEnvironment | None = None

    def check(self, obj: K8sObject, context: Context) -> Iterator[Problem]:
        if not self.match.matches(obj):
            return
        if not self.each_container:
            yield from self._evaluate(obj, obj.data, (), "object")
            return
        pod = PodSpecView.of(obj)
        for container in pod.containers() if pod is not None else ():
            yield from self._evaluate(obj, container.data, container.path, "container")

    def _evaluate(self, obj: K8sObject, data: Any, base: FieldPath, root: str) -> Iterator[Problem]:
        if self.schema is not None:
            errors = sorted(self.schema.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
            if self.path is not None:  # the rule names where to point: one finding there
                errors = errors[:1]
            for error in errors:
                if is_placeholder(error.instance):
                    continue  # a template's value is unknown until rendered (unrendered-template reports it)
                where = self.path if self.path is not None else tuple(error.absolute_path)
                message = f"{self.message}: {error.message}" if self.message else error.message
                yield Problem(base + where, message, _anchor(data, where))
            return
        assert self.expression is not None and self.environment is not None
        environment = self.environment
        if root == "container":
            environment.bind(obj.data, container=data)
        else:
            environment.bind(obj.data)
        outcome = environment.evaluate(self.expression)
        if outcome.error is None and outcome.value is True:
            return
        if reads_placeholder(self.expression.source, root, data):
            return  # a template's value is unknown until rendered (unrendered-template reports it)
        if outcome.error is None and not isinstance(outcome.value, bool):
            outcome = Outcome(error=f"the expression gave {type(outcome.value).__name__}, not a bool")
        if outcome.error is not None and not self.fail_on_error and not outcome.exhausted:
            return  # failurePolicy Ignore, as an admission policy would (a stopped evaluation is always reported)
        where = self.path if self.path is not None else position(self.expression.source, root, data)
        if outcome.exhausted:
            message = (f"{self.message or 'custom rule ' + self.id}: the expression was stopped on this object: "
                       f"{outcome.error}")
        elif outcome.error is not None:
            message = (f"{self.message or 'custom rule ' + self.id}: the expression failed to evaluate "
                       f"({outcome.error}); an evaluation error counts as a failed validation (failurePolicy Fail)")
        else:
            message = self._message()
        yield Problem(base + where, message, _anchor(data, where))

    def _message(self) -> str:
        """messageExpression wins when it gives a usable line, then message, then the expression itself."""
        if self.message_expression is not None and self.environment is not None:
            result = self.environment.evaluate(self.message_expression)
            if isinstance(result.value, str) and result.value.strip() and "\n" not in result.value:
                return result.value.strip()
        if self.message:
            return self.message
        assert self.expression is not None
        return f"failed expression: {self.expression.source}"


def _anchor(data: Any, path: FieldPath) -> Anchor:
    """Point at a scalar's value, at a mapping's or list's key."""
    value = lookup(data, path) if path else data
    return "key" if value is None or isinstance(value, dict | list) else "value"


def parse_path(value: Any, fail: Located, key: FieldPath, name: str = "custom rule") -> FieldPath:
    """`spec.containers[0].image`, `metadata.labels['app.kubernetes.io/name']`, or a YAML list of parts."""
    if isinstance(value, list) and all(isinstance(part, str | int) and not isinstance(part, bool) for part in value):
        return tuple(value)
    if not isinstance(value, str) or not value.strip():
        raise fail.error(key, f"{name}: path is a field path like spec.template.spec.containers[0].image, "
                              "or a list of keys")
    parts: list[str | int] = []
    offset = 0
    text = value.strip()
    while offset < len(text):
        match = _PATH_PART.match(text, offset)
        if match is None or (match.group(1) and offset and text[offset] != "."):
            raise fail.error(key, f"{name}: cannot read field path {value!r} at {text[offset:]!r}")
        field_name, index, single, double = match.groups()
        parts.append(int(index) if index is not None else (field_name or single or double or ""))
        offset = match.end()
    return tuple(parts)


class RuleReader:
    """Reads `custom-rules` entries (inline or from files) into PolicyRules, or fails with a usage error."""

    def __init__(self, policies: Policies) -> None:
        self.policies = policies

    def read_list(self, value: Any, where: Located, base_dir: Path) -> None:
        """Add the rules to the run's policies, one by one (so that a repeated id is caught)."""
        if not isinstance(value, list):
            raise where.error((), "custom-rules is a list of rules (mappings) and files or folders of rules")
        for index, item in enumerate(value):
            if isinstance(item, str):
                self.read_path(base_dir / item, where.at(index))
            else:
                self.policies.rules.append(self.read_rule(item, where.at(index), str(where.name)))

    def read_path(self, path: Path, where: Located) -> None:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise where.error((), f"no such file or folder of custom rules: {path}")
        for file in files:
            try:
                parsed = parse_bytes(file.read_bytes(), str(file))
            except OSError as exc:
                raise where.error((), f"cannot read {file}: {exc.strerror or exc}") from None
            if parsed.findings:
                first = parsed.findings[0]
                raise PolicyError(f"{file}:{first.span.line}:{first.span.column}: {first.message}")
            for document in parsed.documents:
                located = Located(str(file), document)
                items = document.data if isinstance(document.data, list) else [document.data]
                for index, item in enumerate(items):
                    if item is None:
                        continue
                    item_where = located.at(index) if isinstance(document.data, list) else located
                    self.policies.rules.append(self.read_rule(item, item_where, str(file)))

    def read_rule(self, data: Any, where: Located, origin: str) -> PolicyRule:
        if not isinstance(data, dict):
            raise where.error((), "a custom rule is a mapping with id, severity, message, and schema or expression")
        rule_id = data.get("id")
        if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
            raise where.error(("id",) if "id" in data else (),
                              f"a custom rule needs an id of lower-case words joined by dashes, not {rule_id!r}")
        name = f"custom rule {rule_id!r}"
        if rule_id in self.policies.taken():
            raise where.error(("id",), f"{name}: the id is already taken by a built-in rule or another custom rule")
        for key in data:
            if key not in RULE_KEYS:
                import difflib

                close = difflib.get_close_matches(str(key), RULE_KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f"; expected one of: {', '.join(RULE_KEYS)}"
                raise where.error((key,), f"{name}: unknown key {key!r}{hint}")
        text = {key: self._text(data, key, where, name) for key in ("message", "summary", "why", "fix", "bad", "good")}
        severity = self._choice(data, "severity", ("error", "warning", "info"), "warning", where, name)
        profile = self._choice(data, "profile", PROFILES, "default", where, name)
        failure = self._choice(data, "failurePolicy", ("Fail", "Ignore"), "Fail", where, name)
        each = data.get("each")
        if each not in (None, "container"):
            raise where.error(("each",), f"{name}: each must be 'container' (or left out for the whole object)")
        match = self._match(data.get("match"), where.at("match"), name)
        path = parse_path(data["path"], where, ("path",), name) if "path" in data else None
        if ("schema" in data) == ("expression" in data):
            raise where.error((), f"{name}: give exactly one of schema (JSON Schema) or expression (CEL)")
        custom = CustomRule(rule_id, text["message"], match, each == "container", path, fail_on_error=failure == "Fail")
        self._check_fields(path, custom, where, ("path",), name)
        if "schema" in data:
            if "messageExpression" in data:
                raise where.error(("messageExpression",), f"{name}: messageExpression goes with expression (CEL)")
            custom.schema = self._schema(data["schema"], custom, where, name)
        else:
            environment = self.policies.environment()
            custom.environment = environment
            custom.expression = self._cel(data["expression"], "expression", environment, custom, where, name)
            if "messageExpression" in data:
                custom.message_expression = self._cel(data["messageExpression"], "messageExpression", environment,
                                                      custom, where, name)
        references = data.get("references") or []
        if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
            raise where.error(("references",), f"{name}: references is a list of links")
        summary = text["summary"] or text["message"] or f"Custom rule from {origin}."
        rule = Rule(
            id=rule_id, severity=Severity.parse(severity), summary=summary,
            why=text["why"] or f"A rule of this team's, defined in {origin}.",
            fix=text["fix"] or (text["message"] or "Change the object so that the rule holds."),
            category="custom", profile=profile, bad=text["bad"], good=text["good"], references=tuple(references),
            url=references[0] if references else Path(origin).resolve().as_uri(),
        )
        return PolicyRule(rule, custom.check)

    @staticmethod
    def _text(data: dict[str, Any], key: str, where: Located, name: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise where.error((key,), f"{name}: {key} must be text")
        return value.strip()

    @staticmethod
    def _choice(data: dict[str, Any], key: str, choices: tuple[str, ...], default: str, where: Located,
                name: str) -> str:
        value = data.get(key, default)
        if value not in choices:
            raise where.error((key,), f"{name}: {key} must be one of {', '.join(choices)}, not {value!r}")
        return str(value)

    @staticmethod
    def _match(value: Any, where: Located, name: str) -> Match:
        if value is None:
            return Match()
        if not isinstance(value, dict):
            raise where.error((), f"{name}: match is a mapping of apiVersion, kind, namespace and labels")
        for key in value:
            if key not in MATCH_KEYS:
                raise where.error((key,), f"{name}: unknown match key {key!r}; "
                                          f"expected one of: {', '.join(MATCH_KEYS)}")

        def names(key: str) -> frozenset[str] | None:
            items = as_list(value.get(key))
            if key in value and (not items or not all(isinstance(i, str) and i for i in items)):
                raise where.error((key,), f"{name}: match.{key} is a name or a list of names")
            return frozenset(items) if key in value and "*" not in items else None

        return Match(names("apiVersion"), names("kind"), names("namespace"),
                     read_selector(value.get("labels"), ("labels",), lambda p, m: where.error(p, f"{name}: {m}")))

    @staticmethod
    def _check_fields(path: FieldPath | None, rule: CustomRule, where: Located, key: FieldPath, name: str) -> None:
        """A field Kubernetes does not have can never match: refuse the rule rather than let it sleep."""
        if path is None:
            return
        try:
            if rule.each_container:
                fields.check_container_path(path)
            else:
                fields.check_object_path(path, rule.match.kinds)
        except fields.UnknownField as exc:
            raise where.error(key, f"{name}: {format_path(path)}: {exc}") from None

    def _schema(self, schema: Any, rule: CustomRule, where: Located, name: str) -> Any:
        import jsonschema
        from jsonschema.validators import validator_for

        if not isinstance(schema, dict):
            raise where.error(("schema",), f"{name}: schema must be a JSON Schema (a mapping)")
        cls = validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise where.error(("schema", *exc.path), f"{name}: invalid JSON Schema: {exc.message}") from None
        for schema_path, field_path in _schema_fields(schema):
            try:
                self._check_fields(field_path, rule, where, ("schema", *schema_path), name)
            except PolicyError as exc:
                raise PolicyError(str(exc).replace(f"{name}: ", f"{name}: schema names ", 1)) from None
        try:
            schema_rules.refuse_unsafe(schema)
        except schema_rules.SchemaRefused as exc:
            raise where.error(("schema", *exc.path), f"{name}: {exc.message}") from None
        return schema_rules.validator(schema, cls)

    def _cel(self, source: Any, key: str, environment: CelEnvironment, rule: CustomRule, where: Located,
             name: str) -> Expression:
        try:
            expression = environment.compile(source)
        except CelCostError as exc:
            raise where.error((key,), f"{name}: {key}: {exc}") from None
        except CelCompileError as exc:
            raise where.error((key,), f"{name}: {key} does not compile: {exc}") from None
        unknown = environment.unknown_functions(expression)
        if unknown:
            raise where.error((key,), f"{name}: {key} calls {', '.join(f'{n}()' for n in unknown)}, which podlint's "
                                      "CEL environment does not provide (see README: supported CEL libraries)")
        root = "container" if rule.each_container else "object"
        if root == "object" and "container" in expression.variables:
            raise where.error((key,), f"{name}: {key} uses `container`, which needs `each: container`")
        for chain in field_chains(expression.source, root):
            self._check_fields(chain, rule, where, (key,), name)
        return expression


def _schema_fields(schema: Any, schema_path: FieldPath = (), field_path: FieldPath = ()
                   ) -> Iterator[tuple[FieldPath, FieldPath]]:
    """(where in the schema, which field path) for every property a schema names or requires."""
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items() if isinstance(schema.get("properties"), dict) else ():
        yield (*schema_path, "properties", name), (*field_path, name)
        yield from _schema_fields(sub, (*schema_path, "properties", name), (*field_path, name))
    for index, name in enumerate(schema.get("required") or []) if isinstance(schema.get("required"), list) else ():
        if isinstance(name, str):
            yield (*schema_path, "required", index), (*field_path, name)
    if isinstance(schema.get("items"), dict):
        yield from _schema_fields(schema["items"], (*schema_path, "items"), (*field_path, 0))
    for key in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(key) or []) if isinstance(schema.get(key), list) else ():
            yield from _schema_fields(sub, (*schema_path, key, index), field_path)
    for key in ("not", "if", "then", "else"):
        yield from _schema_fields(schema.get(key), (*schema_path, key), field_path)
