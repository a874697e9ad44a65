"""Budgets against hostile rules and manifests: quantities, regexes, CEL cost, $ref, config paths, the watchdog.

Each case must end within a few seconds with a finding or a clear error naming the rule, and
leave the other findings of the run as they were.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from podlint.app.config import ConfigError, settle
from podlint.app.run import lint_sources
from podlint.checks import OBJECT_CHECKS, Context, Problem
from podlint.engine import Linter, Options
from podlint.findings import Finding
from podlint.model.objects import K8sObject
from podlint.model.quantity import NUMERIC, OUT_OF_RANGE, SUFFIX, SYNTAX, read_quantity
from podlint.policies import cel_cost
from podlint.policies.cel_syntax import parse
from podlint.sources.files import expand
from podlint.watchdog import WATCHDOG
from tests.conftest import ROOT
from tests.manifests import BAD, crd

HOSTILE_LABEL = "a" * 40 + "!"  # against ^(a+)+$: exponential for a backtracking engine
SIX_NESTED = "".join(f"object.data.l{i}.all(x{i}, " for i in range(6)) + "true" + ")" * 6


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def config_linter(tmp_path: Path, config: str) -> Linter:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / ".podlint.yaml"
    path.write_text(config)
    return Linter(settle(path).options)


def rules_of(findings: list[Finding]) -> list[tuple[str, int]]:
    return sorted((f.rule, f.span.line) for f in findings)


def config_map(**data: Any) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "x", "labels": {"owner": HOSTILE_LABEL}}, "data": data})


# --- quantities ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("500m", Fraction(1, 2)), ("1Gi", Fraction(2**30)), ("1e3", Fraction(1000)), ("0.5n", Fraction(1, 10**9)),
    (".", Fraction(0)), ("-", Fraction(0)), ("+.", Fraction(0)),  # the scanner's own zeros
    ("1e-99999999", Fraction(1, 10**9)),  # a non-zero amount rounds up to 1n
    ("1e4294967296", Fraction(1)),  # the exponent is cut to an int32 (2^32 -> 0)
    ("9223372036854775807", Fraction(2**63 - 1)), ("7.9Ei", Fraction(79 * 2**60, 10)),
    ("1e99999999", OUT_OF_RANGE), ("8Ei", OUT_OF_RANGE), ("1" * 100_000, OUT_OF_RANGE), ("1" * 4000, OUT_OF_RANGE),
    ("1e99999999999999999999", SUFFIX), ("512Gu", SUFFIX), ("1e", SUFFIX),
    ("1GB", SYNTAX), ("1.5.5", SYNTAX), ("", SYNTAX),
    (2**64 - 1, OUT_OF_RANGE), (1e300, OUT_OF_RANGE), (1.5, Fraction(3, 2)),
])
def test_quantities_are_read_as_the_api_server_reads_them(text: object, expected: object) -> None:
    amount, seconds = timed(lambda: read_quantity(text))
    assert amount == expected
    assert seconds < 0.05
    assert amount != NUMERIC or expected == NUMERIC


def test_huge_numbers_anywhere_end_at_once(tmp_path: Path) -> None:
    big = "1" * 100_000
    manifest = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {big}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: {big}
      containers:
      - name: web
        image: nginx:1.27
        ports: [{{containerPort: {big}}}]
        resources: {{limits: {{cpu: "{'9' * 4000}", memory: 1e99999999}}}}
        livenessProbe: {{exec: {{command: [x]}}, periodSeconds: {big}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: c}}
spec:
  schedule: "{big} * * * *"
  jobTemplate: {{spec: {{template: {{spec: {{restartPolicy: Never, containers: [{{name: c, image: busybox:1}}]}}}}}}}}
"""
    result, seconds = timed(lambda: Linter().lint_text(manifest, "big.yaml"))
    assert seconds < 3, f"{seconds:.2f} s"
    assert not [f for f in result.findings if f.rule == "internal-error"]
    assert ("invalid-quantity", 15) in rules_of(result.findings)
    assert ("invalid-cron-schedule", 22) in rules_of(result.findings)
    assert max(len(f.message) for f in result.findings) < 1000  # no value is printed whole


# --- regexes -------------------------------------------------------------------------------------------------


def test_backtracking_patterns_run_in_linear_time(tmp_path: Path) -> None:
    linter = config_linter(tmp_path, """custom-rules:
  - id: owner-find
    expression: "object.metadata.labels.owner.find('^(a+)+$') == ''"
  - id: owner-find-all
    expression: "object.metadata.labels.owner.findAll('(a|aa)+$').size() == 0"
  - id: owner-matches
    expression: "!object.metadata.labels.owner.matches('^(a+)+$')"
  - id: owner-schema
    schema: {properties: {metadata: {properties: {labels: {properties: {owner: {pattern: "^(a+)+$"}},
                                                           patternProperties: {"^(o+)+w": {pattern: "^(a|a)+$"}}}}}}}
""")
    result, seconds = timed(lambda: linter.lint_text(config_map(), "cm.json"))
    assert seconds < 2, f"{seconds:.2f} s"
    custom = sorted(f.rule for f in result.findings if f.rule.startswith("owner-"))
    assert custom == ["owner-schema", "owner-schema"]  # the CEL rules hold (nothing matches); the schema fails twice


@pytest.mark.parametrize(("rule", "detail"), [
    ("expression: \"object.metadata.name.matches('(a)\\\\\\\\1')\"", "backreferences are not supported"),
    ("expression: \"object.metadata.name.find('(?=a)') == ''\"", "is not a pattern RE2"),
    ("schema: {properties: {metadata: {properties: {name: {pattern: '(a)\\1'}}}}}", "is not a pattern RE2"),
    ("schema: {patternProperties: {'(?<=a)b': {}}}", "is not a pattern RE2"),
])
def test_a_pattern_the_engine_cannot_take_is_refused_with_the_rule_id(tmp_path: Path, rule: str, detail: str) -> None:
    with pytest.raises(ConfigError) as error:
        config_linter(tmp_path, f"custom-rules:\n  - id: bad-pattern\n    {rule}\n")
    assert "custom rule 'bad-pattern'" in str(error.value)
    assert detail in str(error.value)


CRD_THING = crd("Thing", '{owner: {type: string, pattern: "%s"}}') + """---
apiVersion: example.com/v1
kind: Thing
metadata: {name: t}
spec: {owner: "%s"}
"""


def test_crd_schema_patterns_are_linear_and_lookarounds_refused(tmp_path: Path) -> None:
    result, seconds = timed(lambda: Linter().lint_text(CRD_THING % ("^(a+)+$", HOSTILE_LABEL), "crd.yaml"))
    assert seconds < 2
    assert [(f.rule, f.path) for f in result.findings] == [("schema", "spec.owner")]
    refused = Linter().lint_text(CRD_THING % ("^(?=a)a+$", "aaa"), "crd.yaml").findings
    assert [(f.rule, f.path) for f in refused] == [("schema", "kind")]
    assert "not checked" in refused[0].message


# --- $ref ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://example.com/s.json", "http://127.0.0.1:9/s.json", "file:///etc/passwd",
                                    "other.json"])
def test_a_custom_rule_ref_outside_its_schema_is_refused(tmp_path: Path, target: str) -> None:
    with pytest.raises(ConfigError) as error:
        config_linter(tmp_path, "custom-rules:\n  - id: remote\n"
                                f"    schema: {{properties: {{a: {{$ref: '{target}'}}}}}}\n")
    assert "custom rule 'remote': $ref" in str(error.value)
    assert "fetches nothing from the network" in str(error.value)


def test_schema_dir_refs_stay_inside_the_schema_dirs(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "_defs.json").write_text(json.dumps({"definitions": {"owner": {"type": "string", "maxLength": 3}}}))
    (tmp_path / "secret.json").write_text(json.dumps({"type": "string"}))
    cases = {"local": "_defs.json#/definitions/owner", "web": "https://example.com/owner.json",
             "escape": "../secret.json", "file": (tmp_path / "secret.json").as_uri()}
    for kind, ref in cases.items():
        (schemas / f"{kind}_v1.json").write_text(json.dumps(
            {"type": "object", "properties": {"spec": {"properties": {"owner": {"$ref": ref}}}}}))
    linter = Linter(Options(schema_dirs=(schemas,)))
    found = {}
    for kind in cases:
        manifest = (f"apiVersion: example.com/v1\nkind: {kind.capitalize()}\nmetadata: {{name: a}}\n"
                    "spec: {owner: toolong}\n")
        found[kind] = [(f.rule, f.message) for f in linter.lint_text(manifest, f"{kind}.yaml").findings]
    assert [rule for rule, _ in found["local"]] == ["schema"] and "toolong" in found["local"][0][1]
    assert "podlint fetches nothing from the network" in found["web"][0][1]
    assert "outside the --schema-dir folders" in found["escape"][0][1]
    assert "outside the --schema-dir folders" in found["file"][0][1]


# --- CEL cost ------------------------------------------------------------------------------------------------


def test_six_nested_comprehensions_are_refused_when_loaded(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        config_linter(tmp_path, f'custom-rules:\n  - id: six-nested\n    expression: "{SIX_NESTED}"\n')
    message = str(error.value)
    assert message.startswith(f"{tmp_path / '.podlint.yaml'}:3:5: custom rule 'six-nested': expression: ")
    assert "estimated rule cost exceeds budget by factor of" in message


def test_a_policy_over_the_static_budget_is_refused_with_its_name(tmp_path: Path) -> None:
    from tests.test_vap import linter_with, policy

    with pytest.raises(ConfigError) as error:
        linter_with(tmp_path, policy(f'    - expression: "{SIX_NESTED}"'))
    assert "ValidatingAdmissionPolicy 'test-policy': spec.validations[0].expression: estimated rule cost" in str(
        error.value)


def test_an_evaluation_over_its_budget_is_a_finding_and_the_run_goes_on(tmp_path: Path) -> None:
    three = ("object.data.items.all(a, object.data.items.all(b, object.data.items.all(c, "
             "size(a) + size(b) >= size(c) - 9)))")  # passes the load-time estimate (lists of 50)
    linter = config_linter(tmp_path, f'custom-rules:\n  - id: three-nested\n    expression: "{three}"\n'
                                     "  - id: has-data\n    expression: has(object.data)\n")
    big = config_map(items=[str(i) for i in range(400)])  # 64 million iterations
    result, seconds = timed(lambda: linter.lint_text(big + "\n", "big.json"))
    assert seconds < 3, f"{seconds:.2f} s"
    stopped = [f for f in result.findings if f.rule == "three-nested"]
    assert [f.message for f in stopped] == [
        "custom rule three-nested: the expression was stopped on this object: operation cancelled: actual cost limit "
        "exceeded (podlint's per-evaluation budget of 1,000,000, as the API server's)"]
    small = linter.lint_text(config_map(items=["a", "b"]), "small.json").findings
    assert [f.rule for f in small if f.rule in ("three-nested", "has-data")] == []


def test_library_functions_charge_the_budget(tmp_path: Path) -> None:
    linter = config_linter(tmp_path, """custom-rules:
  - id: distinct-strings
    expression: "object.data.items.map(x, string(x)).distinct().size() > 0"
  - id: distinct
    expression: "object.data.items.distinct().size() > 0"
""")
    result, seconds = timed(lambda: linter.lint_text(config_map(items=list(range(5_000))), "cm.json"))
    assert seconds < 3, f"{seconds:.2f} s"
    assert sorted(f.rule for f in result.findings if "stopped" in f.message) == ["distinct", "distinct-strings"]


def test_a_stuck_policy_evaluation_is_reported_on_the_object(tmp_path: Path) -> None:
    from tests.test_vap import linter_with, policy

    three = ("object.spec.template.spec.containers.all(a, object.spec.template.spec.containers.all(b, "
             "object.spec.template.spec.containers.all(c, a.name != '' || b.name != c.name)))")
    linter = linter_with(tmp_path, policy(f'    - expression: "{three}"', extra="  failurePolicy: Ignore\n"))
    containers = [{"name": f"c{i}", "image": "nginx:1.27"} for i in range(300)]
    deployment = json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                             "spec": {"selector": {"matchLabels": {"app": "web"}},
                                      "template": {"metadata": {"labels": {"app": "web"}},
                                                   "spec": {"containers": containers}}}})
    result, seconds = timed(lambda: linter.lint_text(deployment, "d.json"))
    assert seconds < 3
    messages = [f.message for f in result.findings if f.rule == "test-policy"]
    assert len(messages) == 1 and "operation cancelled: actual cost limit exceeded" in messages[0]


@pytest.mark.parametrize("expression", [
    "object.spec.replicas <= 5",
    "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/'))",
    "object.spec.template.spec.containers.all(c, c.volumeMounts.all(m, "
    "object.spec.template.spec.volumes.exists(v, v.name == m.name)))",
    "object.metadata.labels.all(k, k.matches('^[a-z]+$')) && size(object.metadata.labels) < 10",
])
def test_ordinary_rules_are_well_within_the_budget(expression: str) -> None:
    assert cel_cost.estimate(parse(expression)) < cel_cost.STATIC_LIMIT / 2


def test_instrumenting_keeps_the_meaning() -> None:
    import cel

    for source, expected in [("[1, 2, 3].all(x, x > 0)", True), ("[1, 2, 3].exists_one(x, x == 2)", True),
                             ("[1, 2, 3].map(x, x * 2)", [2, 4, 6]), ("[1, 2, 3].map(x, x > 1, x * 10)", [20, 30]),
                             ("[1, 2, 3].filter(x, (x % 2) == 1).size()", 2),
                             ("[[1], [2, 3]].all(l, l.exists(x, x > 0)) ? 'yes' : 'no'", "yes")]:
        meter = cel_cost.Meter()
        rewritten = cel_cost.instrument(source, parse(source))
        assert cel_cost.TICK in rewritten
        assert cel.evaluate(rewritten, cel.Context(functions={cel_cost.TICK: meter.tick})) == expected
        assert meter.spent > 0


# --- configuration paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", ["custom-rules: [../outside-rules]", "policies: [/etc]",
                                    "schema-dirs: [../outside-schemas]", "policies: ../outside-rules"])
def test_config_paths_that_leave_the_repository_are_refused(tmp_path: Path, config: str) -> None:
    repository = tmp_path / "repo"
    repository.mkdir()
    for name in ("outside-rules", "outside-schemas"):
        (tmp_path / name).mkdir()
    with pytest.raises(ConfigError) as error:
        config_linter(repository, config + "\n")
    assert "leaves the repository" in str(error.value)


# --- the watchdog --------------------------------------------------------------------------------------------


def test_a_rule_that_never_ends_is_stopped_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    def forever(obj: K8sObject, context: Context) -> list[Problem]:
        while obj.name == "stuck":
            pass
        return []

    monkeypatch.setitem(OBJECT_CHECKS, "invalid-label", forever)
    monkeypatch.setattr("podlint.watchdog.PERIOD", 0.1)
    monkeypatch.setattr("podlint.watchdog.STEP_SECONDS", 0.5)
    (tmp_path / "a.yaml").write_text(BAD.replace("name: web", "name: stuck"))
    (tmp_path / "b.yaml").write_text(BAD)
    run, seconds = timed(lambda: lint_sources(expand([str(tmp_path)]), Linter()))
    assert seconds < 3
    stopped = [f for f in run.findings if f.rule == "internal-error"]
    assert [(f.file.rsplit("/", 1)[-1], f.message) for f in stopped] == [(
        "a.yaml", "rule invalid-label was stopped on document 1, Pod/stuck: it ran past 0.5 s (podlint's time "
        "limit for one rule on one object); the other rules are still reported")]
    assert sorted(f.file.rsplit("/", 1)[-1] for f in run.findings if f.rule == "image-latest-tag") == [
        "a.yaml", "b.yaml"]
    assert run.exit_code(None) == 2
    assert not WATCHDOG.armed


def test_a_plain_lint_imports_neither_re2_nor_cel(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(BAD)
    code = ("import sys, runpy; sys.argv = ['podlint', 'lint', sys.argv[1]]\n"
            "try:\n    runpy.run_module('podlint', run_name='__main__')\nexcept SystemExit:\n    pass\n")
    probe = ("import atexit, os, sys\n"
             "def report():\n    os.write(2, (','.join(m for m in ('re2', 'cel', 'jsonschema') if m in sys.modules)"
             " + '|').encode())\n"
             "atexit.register(report)\n")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", probe + code, str(tmp_path / "pod.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "import time:" in line}
    assert not {"re2", "cel", "podlint.policies.regex", "podlint.policies.cel_cost"} & imported
