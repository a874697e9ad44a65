"""Property-based and fuzz tests: whatever the input, podlint answers without raising, with every
finding inside the file, the same findings every time, and machine output that parses.

Inputs: arbitrary bytes; byte-wise mutations of the corpus and of the rule fixtures; structural
mutations of the corpus (values of the wrong type, keys removed or renamed, lists where maps
were); and manifests generated from Kubernetes field names with values of any type. Examples
are derandomized (the same on every run and in CI) and bounded in number and time.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from podlint.engine import Linter
from podlint.findings import Finding
from podlint.report import FORMATS, Report, Summary, formatter
from podlint.sources.files import display_name
from tests.conftest import CORPUS, TESTS

# No `explain` phase: its line tracer made one shrink of a failing example take gigabytes and minutes.
FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2), derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LINTER = Linter()
MACHINE_FORMATS = [name for name in FORMATS if name in ("json", "sarif", "gitlab")]  # the JSON reports
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks


_JSON_BREAKS = re.compile("\r\n|[\r\n]")  # JSON's (kubectl reads a text that starts with { or [ as JSON)


def lines_of(raw: bytes) -> list[str]:
    """The file's lines: decoded as podlint decodes it (bad bytes as one character each), split at line breaks."""
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff")) and not raw.startswith(b"\xff\xfe\x00\x00")
    text = raw.decode("utf-16" if utf16 else "utf-8-sig", "replace")
    return (_JSON_BREAKS if text.lstrip(" \t\r\n").startswith(("{", "[")) else _BREAKS).split(text)


def _key(finding: Finding) -> tuple[object, ...]:
    return finding.rule, finding.span, finding.message, finding.path, finding.kind, finding.name


def check(raw: bytes, name: str = "fuzz.yaml") -> list[Finding]:
    """The properties every input must have; returns the findings for further checks."""
    result = LINTER.lint_bytes(raw, name)
    assert [_key(f) for f in LINTER.lint_bytes(raw, name).findings] == [_key(f) for f in result.findings]
    lines = lines_of(raw)
    for finding in result.findings:
        assert finding.rule != "internal-error", finding.message
        where = f"{finding.rule} at {finding.span.line}:{finding.span.column}"
        assert 1 <= finding.span.line <= len(lines), where
        assert 1 <= finding.span.column <= len(lines[finding.span.line - 1]) + 1, where
    report = Report(result.findings, Summary(files=1, documents=result.documents))
    for format_name in MACHINE_FORMATS:
        json.loads(formatter(format_name)(report, False))
    return result.findings


# --- arbitrary bytes, and bytes that are nearly YAML ---------------------------------------------------------------

TOKENS = [b"\t", b"\r", b"\r\n", b"\n", b"\x00", b"\x07", b"\x85", "\u2028".encode(), b"\xff", b"\xc3", b"\xe9",
          b"\xef\xbb\xbf", b"\xff\xfe", b":", b": ", b"- ", b"? ", b"[", b"]", b"{", b"}", b",", b'"', b"'", b"\\",
          b"&a ", b"*a", b"<<: *a", b"!!python/object/apply:os.system ", b"!Ref ", b"!!int ", b"#", b"|", b">-",
          b"---\n", b"...\n", b"--- ", b"%YAML 1.1\n", b"{{ .Values.x }}", b"  ", b"@", b"`", b"~", b"0x", b"1e999"]


@FUZZ
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=6) | st.text(max_size=8).map(str.encode),
                max_size=60))
def test_yaml_like_token_soup(tokens: list[bytes]) -> None:
    check(b"".join(tokens))


def _seed_paths() -> list[Path]:
    fixtures = sorted((TESTS / "rules").glob("*/*.yaml")) + sorted((TESTS / "hostile").glob("*.*ml"))
    corpus = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json")) if CORPUS.is_dir() else []
    return fixtures + corpus


SEEDS = _seed_paths()


@cache
def seed(index: int) -> bytes:
    return SEEDS[index].read_bytes()


@st.composite
def byte_mutations(draw: st.DrawFn) -> bytes:
    raw = bytearray(seed(draw(st.integers(0, len(SEEDS) - 1))))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(raw)))
        operation = draw(st.sampled_from(["insert", "replace", "delete", "repeat", "cut"]))
        if operation == "insert":
            raw[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=4))
        elif operation == "replace":
            raw[at:at + 1] = draw(st.sampled_from(TOKENS))
        elif operation == "delete":
            del raw[at:at + draw(st.integers(1, 40))]
        elif operation == "repeat":
            raw[at:at] = raw[at:at + draw(st.integers(1, 200))] * draw(st.integers(2, 4))
        else:
            del raw[at:]
    return bytes(raw)


@FUZZ
@given(byte_mutations())
def test_byte_mutations_of_corpus_and_fixtures(raw: bytes) -> None:
    check(raw)


def test_seeds_include_the_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the project")
    assert len(SEEDS) > 900


# --- structure: the right YAML with the wrong shapes ----------------------------------------------------------------

SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
           | st.sampled_from(["", "latest", "nginx", "nginx:latest", "100m", "1Gi", "Always", "Never", "OnFailure",
                              "sh", "-c", "sleep", "0", "-1", "1e3", "yes", "<<", "{{ x }}", "x" * 300])
           | st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4), max_leaves=12)


def _containers(data: Any, limit: int = 5_000) -> list[tuple[Any, Any]]:
    """The (container, key-or-index) pairs of a document, to pick one to mutate: at most `limit`, since a
    seed with aliases (tests/hostile's alias bomb) shares its nodes and has exponentially many paths."""
    found: list[tuple[Any, Any]] = []
    stack = [data]
    while stack and len(found) < limit:
        node = stack.pop()
        if isinstance(node, dict):
            keys: list[Any] = list(node)
        elif isinstance(node, list):
            keys = list(range(len(node)))
        else:
            continue
        for key in keys:
            found.append((node, key))
            stack.append(node[key])
    return found


@cache
def seed_documents(index: int) -> list[Any]:
    try:
        return [doc for doc in yaml.safe_load_all(seed(index)) if doc is not None]
    except Exception:  # a seed PyYAML cannot build (`!!int twelve` is a ValueError) is not a seed
        return []


@st.composite
def structural_mutations(draw: st.DrawFn) -> bytes:
    documents = copy.deepcopy(seed_documents(draw(st.integers(0, len(SEEDS) - 1))))
    if not documents:
        documents = [draw(VALUES)]
    for _ in range(draw(st.integers(1, 5))):
        places = _containers(documents)
        if not places:
            break
        node, key = draw(st.sampled_from(places))
        operation = draw(st.sampled_from(["value", "delete", "wrap", "rename", "duplicate"]))
        if operation == "value":
            node[key] = draw(VALUES)
        elif operation == "delete":
            del node[key]
        elif operation == "wrap":
            node[key] = [node[key]]
        elif operation == "rename" and isinstance(node, dict):
            node[draw(st.sampled_from([0, True, None, "", "<<", "x" * 300]) | st.text(max_size=6))] = node.pop(key)
        elif isinstance(node, list):
            node.insert(key, node[key])
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True).encode()


@FUZZ
@given(structural_mutations())
def test_structural_mutations_of_corpus(raw: bytes) -> None:
    check(raw)


# --- generated manifests: every rule's fields, any shape ------------------------------------------------------------

KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController",
         "PodTemplate", "List", "ConfigMap", "Service"]
CONTAINER_FIELDS = ["name", "image", "imagePullPolicy", "command", "args", "resources", "restartPolicy",
                    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "ports", "env"]


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually the right shape, sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, VALUES)


QUANTITIES = maybe(st.sampled_from(["100m", "1", "0.5", "1Gi", "64Mi", "1e3", "-1", "abc", "1.5.5", ""]))
RESOURCES = maybe(st.fixed_dictionaries({}, optional={
    "limits": maybe(st.fixed_dictionaries({}, optional={"cpu": QUANTITIES, "memory": QUANTITIES})),
    "requests": maybe(st.fixed_dictionaries({}, optional={"cpu": QUANTITIES, "memory": QUANTITIES}))}))
COMMANDS = maybe(st.lists(maybe(st.sampled_from(["sh", "bash", "-c", "echo hi", "sleep", "infinity", "true", "/app"])),
                          max_size=4))
CONTAINER = maybe(st.fixed_dictionaries({}, optional={
    "name": maybe(st.sampled_from(["web", "web", "sidecar", "init"])),
    "image": maybe(st.sampled_from(["nginx", "nginx:latest", "nginx:1.27.3", "redis@sha256:" + "a" * 64, ":", "@"])),
    "imagePullPolicy": maybe(st.sampled_from(["Always", "IfNotPresent", "Never", "Sometimes"])),
    "restartPolicy": maybe(st.sampled_from(["Always", "OnFailure", "Never"])),
    "command": COMMANDS, "args": COMMANDS, "resources": RESOURCES,
    "readinessProbe": maybe(st.just({"exec": {"command": ["true"]}})), "lifecycle": VALUES}))
CONTAINERS = maybe(st.lists(CONTAINER, max_size=3))
LABELS = maybe(st.dictionaries(st.sampled_from(["app", "tier"]), maybe(st.sampled_from(["web", "db"])), max_size=2))
POD_SPEC = maybe(st.fixed_dictionaries({}, optional={
    "containers": CONTAINERS, "initContainers": CONTAINERS, "ephemeralContainers": CONTAINERS,
    "restartPolicy": maybe(st.sampled_from(["Always", "OnFailure", "Never", "Sometimes"])),
    "hostNetwork": maybe(st.booleans()), "dnsPolicy": maybe(st.sampled_from(["ClusterFirst", "Default"]))}))
TEMPLATE = maybe(st.fixed_dictionaries({}, optional={"metadata": maybe(st.fixed_dictionaries({}, optional={
    "labels": LABELS})), "spec": POD_SPEC}))
WORKLOAD_SPEC = maybe(st.fixed_dictionaries({}, optional={
    "selector": maybe(st.fixed_dictionaries({}, optional={"matchLabels": LABELS, "matchExpressions": VALUES})),
    "template": TEMPLATE, "jobTemplate": maybe(st.fixed_dictionaries({}, optional={"spec": maybe(
        st.fixed_dictionaries({}, optional={"template": TEMPLATE}))}))}))


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    manifest: dict[str, Any] = {"apiVersion": draw(st.sampled_from(["v1", "apps/v1", "batch/v1", "x/y/z"])),
                                "kind": kind, "metadata": draw(maybe(st.fixed_dictionaries({"name": st.text(
                                    max_size=10)})))}
    if kind == "Pod":
        manifest["spec"] = draw(POD_SPEC)
    elif kind == "PodTemplate":
        manifest["template"] = draw(TEMPLATE)
    elif kind == "List":
        manifest["items"] = draw(maybe(st.lists(manifests(), max_size=2)))
    else:
        manifest["spec"] = draw(WORKLOAD_SPEC)
    return manifest


DUMPERS: dict[str, Callable[[list[dict[str, Any]]], str]] = {
    "yaml": lambda documents: yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True),
    # JSON escapes beyond-BMP characters as surrogate pairs; or writes C1 controls raw. Both are
    # valid JSON that a YAML reader refuses, and kubectl (which decodes them as JSON) accepts.
    "json": lambda documents: json.dumps(documents[0], indent=2),
    "json-unicode": lambda documents: json.dumps(documents[0], indent=2, ensure_ascii=False),
}


@FUZZ
@given(st.lists(manifests(), min_size=1, max_size=3), st.sampled_from(sorted(DUMPERS)))
def test_generated_manifests(documents: list[dict[str, Any]], dump: str) -> None:
    findings = check(DUMPERS[dump](documents).encode(), f"generated.{dump[:4]}")
    assert [f.message for f in findings if f.rule == "parse-error"] == []  # what an emitter writes is readable


# --- file names --------------------------------------------------------------------------------------------------


@FUZZ
@given(st.binary(min_size=1, max_size=40))
def test_any_file_name_reports_as_valid_unicode_and_json(name: bytes) -> None:
    shown = display_name(os.fsdecode(name))
    shown.encode("utf-8")  # no lone surrogates: printable and JSON-safe
    assert json.loads(json.dumps(shown, ensure_ascii=False)) == shown
    assert ("\\x" in shown) == (b"\\x" in name or not _is_utf8(name))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- budgets: generated quantities, regexes and CEL expressions, each within a time bound -------------------------

BUDGET = settings(max_examples=120, deadline=timedelta(seconds=2), derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
PER_OBJECT_SECONDS = 0.5


def _bounded(function: Callable[[], Any]) -> Any:
    import time

    start = time.perf_counter()
    value = function()
    elapsed = time.perf_counter() - start
    assert elapsed < PER_OBJECT_SECONDS, f"{elapsed:.2f} s"
    return value


QUANTITY_TEXT = st.builds(
    lambda sign, whole, fraction, suffix: sign + whole + fraction + suffix,
    st.sampled_from(["", "+", "-"]),
    st.text("0123456789", max_size=30) | st.just("9" * 5000),
    st.sampled_from(["", "."]) | st.text("0123456789", max_size=20).map(lambda d: "." + d),
    st.sampled_from(["", "m", "k", "Ki", "Mi", "Ei", "E", "n", "u", "Gu", "e", "e-", "B"])
    | st.integers(-(2**70), 2**70).map(lambda e: f"e{e}"))


@BUDGET
@given(QUANTITY_TEXT)
def test_generated_quantities_are_exact_or_refused_at_once(text: str) -> None:
    from fractions import Fraction

    from podlint.model.quantity import Invalid, read_quantity

    amount = _bounded(lambda: read_quantity(text))
    match = re.fullmatch(r"([+-]?)(\d*)(?:\.(\d*))?(?:e(-?\d+))?", text)
    if isinstance(amount, Invalid) or match is None or len(text) > 60:
        return
    sign, whole, fraction, exponent = match.groups()
    power = int(exponent or 0)
    if not -60 <= power <= 60 or not (whole or fraction is not None):  # (the reference builds the number)
        return
    mantissa = int((whole or "0") + (fraction or ""))
    if mantissa == 0:
        assert amount == 0
        return
    if power < -100:  # (the oracle would build 10^|power|): a non-zero amount this small is one nano unit
        assert amount == (-1 if sign == "-" else 1) * Fraction(1, 10**9)
        return
    exact = Fraction(mantissa, 10 ** len(fraction or "")) * Fraction(10) ** power
    nanos = -(-exact * 10**9 // 1)  # rounded up to a whole nano unit, as the API server does
    assert amount == (-1 if sign == "-" else 1) * Fraction(nanos, 10**9)


REGEX_PIECES = ["a", "b", ".", "*", "+", "?", "|", "(", ")", "[a-z]", "\\d", "\\1", "(?=a)", "(?<=a)", "{2,3}", "^",
                "$", "(?:", "[", "]", "\\", "(a+)+", "(a|aa)*"]


@BUDGET
@given(st.lists(st.sampled_from(REGEX_PIECES), max_size=12).map("".join),
       st.text("ab!", max_size=5).map(lambda tail: "a" * 30 + tail))
def test_generated_regexes_match_in_linear_time_or_are_refused(pattern: str, text: str) -> None:
    from podlint.policies import regex

    try:
        _bounded(lambda: regex.check(pattern))
    except regex.RegexError as exc:
        assert "is not a pattern RE2" in str(exc)
        return
    _bounded(lambda: (regex.search(pattern, text), list(regex.find_all(pattern, text))))


CEL_LEAVES = ["x", "1", "2u", "1.5", "'a'", "\"b\"", "true", "null", "[1, 2]", "{'k': 1}", "l", "s", "b'x'",
              "r'\\d'", "'''t'''"]


@st.composite
def cel_expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(CEL_LEAVES))
    inner = cel_expressions(depth + 1)
    form = draw(st.integers(0, 9))
    if form == 0:
        return f"({draw(inner)} {draw(st.sampled_from(['+', '-', '*', '==', '!=', '<', '&&', '||', 'in', '%']))} " \
               f"{draw(inner)})"
    if form == 1:
        return f"{draw(inner)} ? {draw(inner)} : {draw(inner)}"
    if form == 2:
        macro = draw(st.sampled_from(["all", "exists", "exists_one", "filter", "map"]))
        return f"l.{macro}(e{depth}, {draw(inner)})"
    if form == 3:
        return f"l.map(e{depth}, {draw(inner)}, {draw(inner)})"
    if form == 4:
        return f"[{draw(inner)}, {draw(inner)}]"
    if form == 5:
        return f"size({draw(inner)})"
    if form == 6:
        return f"{draw(st.sampled_from(['!', '-']))}{draw(inner)}"
    if form == 7:
        return f"{draw(inner)}[0]"
    if form == 8:
        return f"s.{draw(st.sampled_from(['startsWith', 'contains', 'matches']))}({draw(inner)})"
    return f"{{'a': {draw(inner)}}}.a"


@BUDGET
@given(cel_expressions())
def test_generated_cel_is_parsed_costed_and_evaluated_within_budget(source: str) -> None:
    import cel

    from podlint.policies import cel_cost, cel_syntax

    try:
        plain = cel.compile(source)
    except ValueError:
        return  # not CEL: the cel package refuses it, and so would a rule's loading
    tree = cel_syntax.parse(source)  # whatever cel compiles, podlint's parser reads
    assert cel_cost.estimate(tree) >= 0
    context_values = {"x": 3, "l": [1, 2, 3], "s": "abc"}
    meter = cel_cost.Meter()
    instrumented = cel.compile(cel_cost.instrument(source, tree))

    def run(program: Any, functions: dict[str, Any]) -> tuple[str, Any]:
        try:
            return "value", program.execute(cel.Context(variables=context_values, functions=functions))
        except Exception as exc:
            return "error", type(exc).__name__

    expected = _bounded(lambda: run(plain, {}))
    got = _bounded(lambda: run(instrumented, {cel_cost.TICK: meter.tick}))
    assert got[0] == expected[0]
    if expected[0] == "value":
        assert got[1] == expected[1]
