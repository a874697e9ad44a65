"""CEL for custom rules and admission policies: compiled once when loaded, evaluated per object.

The engine is `common-expression-language` (`import cel`, cel-rust underneath): maintained,
~0.01 ms per expression once an object is bound (binding converts the object once, ~0.15 ms
for a small Deployment, shared by every expression evaluated on it; the pure-Python
`cel-python` takes ~0.4 ms per evaluation), and it reports what each expression references,
which lets podlint refuse unknown functions before a run.

Kubernetes semantics kept here: a missing field or a type mismatch is an evaluation *error*
(not false); what an error means (a failed validation under failurePolicy Fail) is decided
by the caller, which also says so in the finding.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from podlint.findings import FieldPath
from podlint.model.objects import lookup
from podlint.model.podspec import is_placeholder
from podlint.patterns import lazy
from podlint.policies import cel_cost, cel_syntax, k8s_cel, regex

# cel-go syntax that cel-rust does not parse: refused (custom rules) or skipped (policies) when loaded.
_UNSUPPORTED_SYNTAX = lazy(r"unsupported syntax '([^']+)'")


class CelCompileError(Exception):
    """The expression does not compile; the message carries the parser's caret diagram."""


class CelUnsupported(CelCompileError):
    """Valid CEL that this engine cannot run (the optional `.?` syntax): not the author's mistake."""


class CelCostError(CelCompileError):
    """An expression whose estimated cost is over the budget, refused when loaded (as the API server refuses it)."""


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    program: Any  # cel.Program, of the instrumented source (cel_cost.instrument)
    functions: frozenset[str]
    variables: frozenset[str]
    cost: float = 0.0  # the estimate at load time (cel_cost.ASSUMED sizes)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A value, or the evaluation error in words (as Kubernetes would phrase it)."""

    value: Any = None
    error: str | None = None
    exhausted: bool = False  # the evaluation was stopped by its cost or time budget


class CelEnvironment:
    """One per run: the functions, plus the variables of the object being linted.

    Converting a Python value into CEL values is what costs (~0.3 ms per KB), so:
    - each variable is given to the context only when it changes (by identity: the values are
      held, so their ids cannot be reused): an object is converted once for every expression
      evaluated on it, a container once for every per-container rule;
    - `object` and `container` are given with only the top-level fields that the run's
      expressions read (`container.image` -> `image`), unless an expression uses the whole value;
      the spec of a 70 KB CustomResourceDefinition then costs nothing to a rule about labels.
    """

    def __init__(self) -> None:
        import cel

        # The package logs each failing Python function at WARNING; those failures are
        # reported as findings instead, so keep them off the user's terminal.
        logger = logging.getLogger("cel")
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
        self._cel = cel
        self.meter = cel_cost.Meter()
        self.functions = k8s_cel.functions(self.meter)
        self.context = cel.Context(variables={"oldObject": None, "params": None}, functions=self.functions)
        self._bound: dict[str, Any] = {}
        self._errors: dict[str, str] = {}
        # The top-level fields the expressions read, per variable; None: the whole value.
        self._fields: dict[str, set[str] | None] = {"object": set(), "container": set()}

    def bind(self, obj: Any, *, container: Any = None, request: Any = None, variables: Any = None) -> None:
        """Make `object` (and the given variables; the others are null) what the next evaluations see."""
        for name, value in (("object", obj), ("container", container), ("request", request),
                            ("variables", variables)):
            if name not in self._bound or self._bound[name] is not value:
                self._bound[name] = value
                self._give(name, self._needed(name, value))

    def set(self, name: str, value: Any) -> None:
        """Give one variable to the context now (also when the same value was changed in place)."""
        self._bound[name] = value
        self._give(name, value)

    def _needed(self, name: str, value: Any) -> Any:
        fields = self._fields.get(name)
        if fields is None or not isinstance(value, dict):
            return value
        return {key: value[key] for key in fields if key in value}

    def _give(self, name: str, value: Any) -> None:
        try:
            self.context.add_variable(name, value)
            self._errors.pop(name, None)
        except (ValueError, TypeError, OverflowError) as exc:
            self._errors[name] = f"the {name} cannot be given to CEL: {exc}"

    def _note_fields(self, source: str) -> None:
        strings = _strings(source)
        for root, fields in self._fields.items():
            if fields is None:
                continue
            chains = field_chains(source, root)
            bare = any(not _inside(match.start(), strings) for match in re.finditer(_BARE % re.escape(root), source))
            if bare or any(not chain or not isinstance(chain[0], str) for chain in chains):
                self._fields[root] = None
            else:
                fields.update(str(chain[0]) for chain in chains)

    def compile(self, source: str) -> Expression:
        if not isinstance(source, str) or not source.strip():
            raise CelCompileError("an expression must be a non-empty string")
        try:
            program = self._cel.compile(source)
        except ValueError as exc:
            text = str(exc)
            text = text[text.find("ERROR: <input>:"):] if "ERROR: <input>:" in text else text
            unsupported = _UNSUPPORTED_SYNTAX.search(text)
            if unsupported:
                raise CelUnsupported(f"the CEL syntax {unsupported.group(1)!r} is not supported by podlint's CEL "
                                     "engine (use has() to test for a field)") from None
            raise CelCompileError(text.replace("ERROR: <input>:", "").strip()) from None
        references = program.references()
        try:
            tree = cel_syntax.parse(source)
        except cel_syntax.CelSyntaxError as exc:  # CEL that cel-rust reads and podlint's parser does not
            raise CelCompileError(f"podlint cannot estimate the cost of this expression ({exc}); "
                                  "please report it with the expression") from None
        self._check_patterns(tree)
        cost = cel_cost.estimate(tree)
        if cost > cel_cost.STATIC_LIMIT:
            sizes = cel_cost.ASSUMED
            raise CelCostError(
                f"estimated rule cost exceeds budget by factor of {cost / cel_cost.STATIC_LIMIT:,.1f}x "
                f"(podlint's estimate {cost:,.0f}, with lists and maps of {sizes.items:g} entries and strings of "
                f"{sizes.chars:g} characters, over the limit of {cel_cost.STATIC_LIMIT:,}; "
                "try fewer nested comprehensions)")
        if cel_cost.has_comprehension(tree):
            program = self._cel.compile(cel_cost.instrument(source, tree))
        self._note_fields(source)
        return Expression(source, program, frozenset(references["functions"]), frozenset(references["variables"]),
                          cost)

    def _check_patterns(self, tree: cel_syntax.Node) -> None:
        """A literal pattern the regex engine cannot take is the rule's mistake: refused when loaded."""
        for function, pattern in cel_cost.literal_patterns(tree):
            if function == "matches":  # cel-rust's own `regex` crate (linear time, like RE2)
                try:
                    self._cel.evaluate("''.matches(p)", {"p": pattern})
                except Exception as exc:  # (the crate's parse error, as text)
                    detail = str(exc).split(" not a valid regex:", 1)[-1].split(". Check function", 1)[0]
                    detail = " ".join(line.strip() for line in detail.splitlines() if line.strip().startswith(
                        "error:")) or "not a valid regex"
                    raise CelCompileError(f"matches({pattern!r}): {detail.removeprefix('error: ')}") from None
            else:
                try:
                    regex.check(pattern)
                except regex.RegexError as exc:
                    raise CelCompileError(f"{function}(): {exc}") from None

    def unknown_functions(self, expression: Expression) -> list[str]:
        """Functions the expression calls that this environment does not have."""
        return sorted(name for name in expression.functions
                      if not k8s_cel.is_operator(name) and name not in k8s_cel.CORE_FUNCTIONS
                      and name not in self.functions)

    def evaluate(self, expression: Expression) -> Outcome:
        """The expression's value on the bound variables, within its cost and time budget (cel_cost.Meter)."""
        if self._errors:
            return Outcome(error=next(iter(self._errors.values())))
        meter = self.meter
        meter.reset()
        try:
            value = expression.program.execute(self.context)
        except Exception as exc:  # every failure of an expression is an evaluation error, as in Kubernetes
            if meter.exceeded is not None:
                return Outcome(error=_budget(meter), exhausted=True)
            return Outcome(error=describe(exc))
        if meter.exceeded is not None:  # an error that `||`/`&&` absorbed still ends the evaluation
            return Outcome(error=_budget(meter), exhausted=True)
        return Outcome(value=value)


def _budget(meter: cel_cost.Meter) -> str:
    if meter.exceeded == cel_cost.EXCEEDED:
        return f"{cel_cost.EXCEEDED} (podlint's per-evaluation budget of {meter.limit:,}, as the API server's)"
    return meter.exceeded or cel_cost.EXCEEDED


def describe(exc: BaseException) -> str:
    """An evaluation error in the words cel-go uses where they differ (`no such key: foo`)."""
    if isinstance(exc, KeyError):
        return f"no such key: {exc.args[0] if exc.args else ''}"
    text = str(exc)
    inner = re.search(r"Python function call failed: \w+: (.*?)\. Check function arguments", text)
    if inner:
        function = re.search(r"Function '([^']+)'", text)
        return f"{function.group(1) if function else 'function'}: {inner.group(1)}"
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    first = text.split(". ")[0].rstrip(".")  # the library appends advice after the first sentence
    return first[:1].lower() + first[1:] if first else type(exc).__name__


# `object.spec.replicas`, `container.resources['limits']`: field chains, for positions and checks.
_CHAIN = lazy(r"(?<![\w.])(%s)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*|\s*\[\s*(?:'[^'\\]*'|\"[^\"\\]*\"|\d+)\s*\])+)")
_PART = lazy(r"\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'([^'\\]*)'|\"([^\"\\]*)\"|(\d+))\s*\]")
_STRING = lazy(r"'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", re.S)


# A variable used whole (`'spec' in object`, `size(container)`), not through a field.
_BARE = r"(?<![\w.])%s(?!\s*[.\[\w])"


def _strings(source: str) -> list[tuple[int, int]]:
    return [match.span() for match in _STRING.finditer(source)]


def _inside(position: int, strings: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in strings)


def field_chains(source: str, root: str) -> list[FieldPath]:
    """The field paths an expression reads from variable `root`, method names left out.

    Matches inside string literals are ignored; a chain ends before a call
    (`object.metadata.name.matches(...)` reads `metadata.name`).
    """
    strings = _strings(source)
    pattern = re.compile(_CHAIN.pattern % re.escape(root))
    chains: list[FieldPath] = []
    for match in pattern.finditer(source):
        if _inside(match.start(), strings):
            continue
        parts: list[str | int] = []
        for part in _PART.finditer(match.group(2)):
            name, single, double, index = part.groups()
            parts.append(int(index) if index is not None else (name or single or double or ""))
        if source[match.end():].lstrip().startswith("(") and parts:
            parts.pop()  # a method call, not a field
        chains.append(tuple(parts))
    return chains


def common_prefix(paths: list[FieldPath]) -> FieldPath:
    if not paths:
        return ()
    prefix = paths[0]
    for path in paths[1:]:
        length = 0
        while length < min(len(prefix), len(path)) and prefix[length] == path[length]:
            length += 1
        prefix = prefix[:length]
    return prefix


def deepest_existing(data: Any, path: FieldPath) -> FieldPath:
    """The longest prefix of `path` present in `data` (a finding needs a real position)."""
    found: list[str | int] = []
    for part in path:
        if isinstance(data, dict) and isinstance(part, str) and part in data:  # noqa: SIM114 - mypy needs both
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            break
        found.append(part)
    return tuple(found)


def reads_placeholder(source: str, root: str, data: Any) -> bool:
    """Whether the expression reads a value left for a template engine (`${REPLICAS}`): unknown until rendered."""
    for chain in field_chains(source, root):
        found = deepest_existing(data, chain)
        if is_placeholder(lookup(data, found) if found else None):
            return True
    return False


def position(source: str, root: str, data: Any) -> FieldPath:
    """Where a finding of this expression points, relative to `root`'s data: the field it reads."""
    return deepest_existing(data, common_prefix(field_chains(source, root)))

