"""A CRD's validation rules (`x-kubernetes-validations`, CEL), evaluated offline as the API server does on create.

From the structural schema of a CRD version (a CRD in the run, a `--schema-dir` file or the
bundled catalogue), the rules are gathered into a tree that follows the schema (properties,
items, additionalProperties, allOf) and keeps only the branches that hold rules. A custom
resource is then walked along that tree; each rule sees its node's value as `self`, as the API
server gives it to CEL (`apiextensions-apiserver`, `pkg/apiserver/schema/cel/validation.go`):

- defaults applied and non-nullable `null` fields pruned first, as decoding does;
- `date-time`/`date` strings as timestamps, `duration` strings as durations, `byte` as bytes,
  `number` fields as doubles (the schema's formats type the CEL values);
- rules are not evaluated on a null value; transition rules (they read `oldSelf`) are not
  evaluated on create, nor here, and are counted; a rule with `optionalOldSelf` sees
  `oldSelf` as an empty optional, as on create;
- a failure is worded as the API server words it: `<path>: Invalid value: "<type>": <message>`
  (`Forbidden`, `Required value`, `Duplicate value` by `reason`), where the message is the
  `messageExpression`'s result, else `message`, else `failed rule: <rule>`, and the path is
  the node's (`<nil>` for the object itself) with the rule's `fieldPath` appended;
- an evaluation error is a failure too (`no such key: x evaluating rule: <rule>`).

Rules podlint's CEL engine cannot run (the optional `.?` syntax, functions it lacks) are skipped
and counted, never reported as the author's mistake.

Cost: the API server stops a rule whose cost exceeds the per-call limit. podlint estimates an
upper bound before evaluating (the expression's size times the largest collection in `self` to
the power of the nesting of its comprehensions) and reports a rule over budget with the API
server's message instead of running it: a hostile list cannot make a rule run for minutes.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from podlint.findings import FieldPath
from podlint.schemas.crd import subtrees

if TYPE_CHECKING:
    from podlint.policies.cel import CelEnvironment, Expression

# k8s.io/apiserver/pkg/apis/cel: PerCallLimit (one rule) and RuntimeCELCostBudget (one object).
PER_CALL_LIMIT = 1_000_000
OBJECT_BUDGET = 10_000_000
# The estimate is an upper bound: allow it some slack over the real limit before refusing a rule.
ESTIMATE_LIMIT = OBJECT_BUDGET
MAX_MESSAGE_BYTES = 5 * 1024  # celconfig.MaxEvaluatedMessageExpressionSizeBytes


@dataclass(slots=True, eq=False)  # compared by identity
class Rule:
    source: str
    message: str
    message_expression: str
    field_path: str
    reason: str
    optional_old_self: bool
    compiled: Expression | None = None
    message_compiled: Expression | None = None
    skip: str = ""  # why podlint does not evaluate it ("" until compiled: it does)
    ready: bool = False

    def error_string(self) -> str:
        """ruleErrorString: the message if any, else the rule."""
        return self.message.strip() or self.source.strip()

    def message_or_default(self) -> str:
        return self.message.strip() if self.message else f"failed rule: {self.source.strip()}"


@dataclass(slots=True, eq=False)
class Node:
    """The rules at one schema node, and the nodes below it that hold rules."""

    type: str  # the schema's type, which the API server's message names ("object", "string", ...)
    rules: list[Rule] = field(default_factory=list)
    properties: dict[str, Node] = field(default_factory=dict)
    items: Node | None = None
    additional: Node | None = None


def rule_tree(schema: Any) -> Node | None:
    """The rules of a structural schema (or of a JSON schema of the same shape); None without any."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    node = Node(kind if isinstance(kind, str) else "")
    for holder in (schema, *[option for option in schema.get("allOf") or [] if isinstance(option, dict)]):
        for entry in holder.get("x-kubernetes-validations") or []:
            if isinstance(entry, dict) and isinstance(entry.get("rule"), str) and entry["rule"].strip():
                node.rules.append(Rule(entry["rule"], _text(entry.get("message")),
                                       _text(entry.get("messageExpression")), _text(entry.get("fieldPath")),
                                       _text(entry.get("reason")), entry.get("optionalOldSelf") is True))
    node.properties, node.items, node.additional = subtrees(schema, rule_tree)
    if node.rules or node.properties or node.items or node.additional:
        return node
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class RuleFailure:
    path: FieldPath  # where the finding points (the deepest part of it that exists)
    message: str


@dataclass(slots=True)
class Outcome:
    failures: list[RuleFailure] = field(default_factory=list)
    skipped: int = 0  # rule evaluations not run offline (transition rules, CEL podlint cannot run)


def evaluate(tree: Node, schema: dict[str, Any], data: Any) -> Outcome:
    """Every rule of `tree` on a custom resource's data (defaulted: see `prepare`)."""
    outcome = Outcome()
    prepared = prepare(data, schema, typed=True)
    budget = [OBJECT_BUDGET]
    for node, value, path, where in _walk(tree, prepared, (), "<nil>"):
        for rule in node.rules:
            if budget[0] < 0:
                return outcome
            _run(rule, node, value, path, where, outcome, budget)
    return outcome


def _walk(node: Node, value: Any, path: FieldPath, where: str) -> Iterator[tuple[Node, Any, FieldPath, str]]:
    """(node, value, field path, the API server's spelling of it) for every non-null value with rules."""
    if value is None:
        return
    if node.rules:
        yield node, value, path, where
    prefix = "" if where == "<nil>" else where
    if isinstance(value, dict):
        for name, child in node.properties.items():
            if name in value:
                yield from _walk(child, value[name], (*path, name), f"{prefix}.{name}" if prefix else name)
        if node.additional is not None:
            for key, item in value.items():
                if key not in node.properties:
                    yield from _walk(node.additional, item, (*path, key), f"{prefix or ''}[{key}]")
    elif isinstance(value, list) and node.items is not None:
        for index, item in enumerate(value):
            yield from _walk(node.items, item, (*path, index), f"{prefix}[{index}]")


def _run(rule: Rule, node: Node, value: Any, path: FieldPath, where: str, outcome: Outcome,
         budget: list[int]) -> None:
    env = environment()
    if not rule.ready:
        _compile(rule, env)
    if rule.skip or rule.compiled is None:
        outcome.skipped += 1
        return
    from podlint.policies.cel import reads_placeholder

    if reads_placeholder(rule.source, "self", value):
        return  # a value a template engine fills in later
    cost = estimated_cost(rule.source, value)
    if cost > ESTIMATE_LIMIT:
        outcome.failures.append(RuleFailure(path, _invalid(where, node.type, (
            "'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to "
            f"call cost exceeds limit for rule: {rule.error_string()}"))))
        budget[0] = -1
        return
    budget[0] -= cost
    env.set("self", value)
    if "oldSelf" in rule.compiled.variables:
        from cel import OptionalValue

        env.set("oldSelf", OptionalValue.none())
    result = env.evaluate(rule.compiled)
    if result.error is not None:
        error = result.error
        if error.startswith("no such overload"):
            detail = (f"'{error}': call arguments did not match a supported operator, function or macro "
                      f"signature for rule: {rule.error_string()}")
        else:
            detail = f"{error} evaluating rule: {rule.error_string()}"
        outcome.failures.append(RuleFailure(path, _invalid(where, node.type, detail)))
        return
    if result.value is True:
        return
    target, spelt = path, where
    if rule.field_path:
        parts = parse_field_path(rule.field_path)
        if parts is not None:
            target = (*path, *parts)
            spelt = _join(where, rule.field_path)
    detail = _message(rule, env) or rule.message_or_default()
    outcome.failures.append(RuleFailure(_existing(target, value, len(path)), _for_reason(rule.reason, spelt,
                                                                                      node.type, detail)))


def _compile(rule: Rule, env: CelEnvironment) -> None:
    from podlint.policies.cel import CelCompileError

    rule.ready = True
    try:
        rule.compiled = env.compile(rule.source)
    except CelCompileError as exc:
        rule.skip = f"does not compile in podlint's CEL engine ({exc})"
        return
    if "oldSelf" in rule.compiled.variables and not rule.optional_old_self:
        rule.skip = "transition rule (oldSelf): not evaluated on create"
        return
    unknown = _unknown_functions(rule.compiled, env)
    refused = sorted(rule.compiled.functions & _REFUSED) if "lists" in rule.compiled.variables else []
    if unknown or refused:
        rule.skip = f"calls {', '.join(unknown or refused)}"
        return
    if rule.message_expression:
        try:
            rule.message_compiled = env.compile(rule.message_expression)
        except CelCompileError:
            rule.message_compiled = None  # the API server falls back to the message


# Optional values (`oldSelf.hasValue()`, `optional.of(x)`), which the engine provides natively.
_OPTIONAL_METHODS = frozenset({"hasValue", "value", "orValue", "or"})
_OPTIONAL_FUNCTIONS = frozenset({"of", "none", "ofNonZeroValue"})
# Not in the API server's CEL environment, and a way to build huge lists (`lists.range(10000000)`).
_REFUSED = frozenset({"range"})


def _unknown_functions(compiled: Expression, env: CelEnvironment) -> list[str]:
    """The functions a rule calls that the environment lacks. `format.named(x)` is reported as `named`
    with a variable `format`: a name is known when one of the rule's variables is its namespace."""
    namespaces = compiled.variables - {"self", "oldSelf"}
    return [name for name in env.unknown_functions(compiled)
            if name not in _OPTIONAL_METHODS
            and not (name in _OPTIONAL_FUNCTIONS and "optional" in namespaces)
            and not any(f"{space}.{name}" in env.functions for space in namespaces)]


def _message(rule: Rule, env: CelEnvironment) -> str:
    """messageExpression's result when it is a usable message, else "" (the API server then uses `message`)."""
    if rule.message_compiled is None:
        return ""
    result = env.evaluate(rule.message_compiled)
    if result.error is not None or not isinstance(result.value, str):
        return ""
    text = result.value.strip()
    if not text or "\n" in text or len(text.encode()) > MAX_MESSAGE_BYTES:
        return ""
    return text


def _invalid(where: str, type_name: str, detail: str) -> str:
    return f'{where}: Invalid value: "{type_name}": {detail}'


def _for_reason(reason: str, where: str, type_name: str, detail: str) -> str:
    """fieldErrorForReason: the reason picks the error type."""
    if reason == "FieldValueForbidden":
        return f"{where}: Forbidden: {detail}"
    if reason == "FieldValueRequired":
        return f"{where}: Required value: {detail}"
    if reason == "FieldValueDuplicate":
        return f'{where}: Duplicate value: "{type_name}"'
    return _invalid(where, type_name, detail)


def _join(where: str, field_path: str) -> str:
    """The rule's fieldPath appended to the node's path (each part as a field, `.name`)."""
    parts = parse_field_path(field_path) or ()
    text = "" if where == "<nil>" else where
    for part in parts:
        text = f"{text}.{part}" if text else part
    return text or "<nil>"


_FIELD_PATH = re.compile(r"\.([^.\[\]']+)|\[\s*'((?:\\.|[^'\\])*)'\s*\]")


def parse_field_path(text: str) -> tuple[str, ...] | None:
    """`.spec.rules['a.b']` -> ("spec", "rules", "a.b"); None when malformed (the API server refuses it)."""
    parts: list[str] = []
    position = 0
    while position < len(text):
        match = _FIELD_PATH.match(text, position)
        if match is None:
            return None
        parts.append(match.group(1) if match.group(1) is not None else re.sub(r"\\(.)", r"\1", match.group(2)))
        position = match.end()
    return tuple(parts)


def _existing(path: FieldPath, value: Any, base: int) -> FieldPath:
    """The longest prefix of `path` that exists (a fieldPath may name a field that is missing)."""
    found = list(path[:base])
    for part in path[base:]:
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            break
        found.append(part)
    return tuple(found)


# --- the values the API server gives CEL --------------------------------------------------------

def prepare(value: Any, schema: Any, typed: bool = False) -> Any:
    """A copy of `value` with defaults applied and non-nullable nulls pruned, as the API server
    decodes a custom resource before it validates it; `typed`: with formats typed for CEL."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        found = schema.get("properties")
        properties: dict[str, Any] = found if isinstance(found, dict) else {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            if item is None and isinstance(sub, dict) and sub.get("nullable") is not True:
                if "default" in sub:
                    out[key] = prepare(copy.deepcopy(sub["default"]), sub, typed)
                continue  # pruned
            out[key] = prepare(item, sub, typed)
        for key, sub in properties.items():
            if key not in out and key not in value and isinstance(sub, dict) and "default" in sub:
                out[key] = prepare(copy.deepcopy(sub["default"]), sub, typed)
        return out
    if isinstance(value, list):
        items = schema.get("items")
        return [prepare(item, items, typed) for item in value]
    return _typed(value, schema) if typed else value


def has_defaults(schema: Any) -> bool:
    """Whether a schema defaults anything (else validation can read the object as it is)."""
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if "default" in node:
                return True
            pending.extend(value for key, value in node.items() if key not in ("enum", "x-kubernetes-validations"))
        elif isinstance(node, list):
            pending.extend(node)
    return False


def _typed(value: Any, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind != "string" or not isinstance(value, str):
        return value
    form = schema.get("format")
    if form in ("date-time", "date"):
        return _timestamp(value) or value
    if form == "duration":
        found = parse_duration(value)
        return value if found is None else found
    if form == "byte":
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
    return value


def _timestamp(text: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> datetime.timedelta | None:
    """A Go duration (`1h30m`, `250ms`, `-5s`), as time.ParseDuration reads it."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return datetime.timedelta(0)
    position, seconds = 0, 0.0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None:
            return None
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not body:
        return None
    return datetime.timedelta(seconds=-seconds if text.startswith("-") else seconds)


# --- cost ---------------------------------------------------------------------------------------

_LOOP = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter|sort|distinct)\s*\(|"
                   r"\b(?:sets\.contains|sets\.intersects|sets\.equivalent|isSorted)\s*\(")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|\S")


def estimated_cost(source: str, value: Any) -> int:
    """An upper bound of a rule's cost on `value`: tokens x (largest collection + 1) ^ loop nesting."""
    depth = _loop_depth(source)
    tokens = len(_TOKEN.findall(source))
    if depth == 0:
        return tokens + _largest(value)  # a function over a list or string is linear in it
    return int(tokens * (_largest(value) + 1) ** depth)


@functools.lru_cache(maxsize=4096)
def _loop_depth(source: str) -> int:
    """How deeply comprehensions (and functions that loop over a list) nest in the expression."""
    stack: list[bool] = []  # per open parenthesis: whether it opened a loop
    depth = deepest = 0
    position = 0
    text = re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", source)
    while position < len(text):
        match = _LOOP.match(text, position)
        if match is not None:
            stack.append(True)
            depth += 1
            deepest = max(deepest, depth)
            position = match.end()
            continue
        char = text[position]
        if char in "([":
            stack.append(False)
        elif char in ")]" and stack and stack.pop():
            depth -= 1
        position += 1
    return deepest


def _largest(value: Any) -> int:
    """The size of the largest list, map or string in a value (iteratively: values may be deep)."""
    largest = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            largest = max(largest, len(item))
            pending.extend(item.values())
        elif isinstance(item, list):
            largest = max(largest, len(item))
            pending.extend(item)
        elif isinstance(item, str | bytes):
            largest = max(largest, len(item) // 10)  # the API server charges string functions by 10 bytes
    return largest


@functools.cache
def environment() -> CelEnvironment:
    """One CEL environment per process: the same functions as custom rules and admission policies."""
    from podlint.policies.cel import CelEnvironment

    return CelEnvironment()
