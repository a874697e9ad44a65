"""Custom rules (`custom-rules:`): JSON Schema and CEL forms firing and not firing, on fixtures and on
real manifests of the corpus, behaving like built-in rules, and broken rules as usage errors."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from lsprotocol import types
from typer.testing import CliRunner

from podlint.app.cli import app
from podlint.app.config import ConfigError, settle
from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.findings import Finding, Severity
from podlint.policies.cel import CelEnvironment, field_chains
from podlint.sources.files import expand
from tests.conftest import CORPUS_SAMPLE, ROOT, TESTS, expectations
from tests.test_cli import podlint
from tests.test_lsp import Client, client, lsp, open_document  # noqa: F401 - `client` is the editor fixture

EXAMPLE_CONFIG = ROOT / "examples" / "policies" / "podlint.yaml"
TEAM_FIXTURES = sorted((TESTS / "policies" / "team").glob("*.yaml"))
GRAFANA = CORPUS_SAMPLE / "kube-prometheus" / "manifests" / "grafana-deployment.yaml"
NODE_POOLS = CORPUS_SAMPLE / "gke-samples" / "management" / "migrating-node-pool" / "node-pools-deployment.yaml"

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
          resources:
            limits: {cpu: 100m, memory: 64Mi}
"""


def linter_for(tmp_path: Path, config: str) -> Linter:
    path = tmp_path / ".podlint.yaml"
    path.write_text(config)
    return Linter(settle(path).options)


def lint(tmp_path: Path, config: str, manifest: str) -> list[Finding]:
    return linter_for(tmp_path, config).lint_text(manifest, "m.yaml").findings


@functools.cache
def example_linter() -> Linter:
    return Linter(settle(EXAMPLE_CONFIG).options)


def custom(linter: Linter, findings: list[Finding]) -> set[tuple[str, int, int]]:
    return {(f.rule, f.span.line, f.span.column) for f in findings if linter.catalogue[f.rule].category == "custom"}


@pytest.mark.parametrize("path", TEAM_FIXTURES, ids=lambda p: p.name)
def test_example_team_rules_match_the_fixture_markers(path: Path) -> None:
    linter = example_linter()
    text = path.read_text()
    findings = linter.lint_text(text, path.name).findings
    assert custom(linter, findings) == expectations(text), "\n".join(
        f"{f.span.line}:{f.span.column} {f.rule} {f.message}" for f in findings)
    assert path.name.startswith("pass") == (not expectations(text))


def test_example_rules_give_the_team_messages() -> None:
    text = (TESTS / "policies" / "team" / "fail-prod-web.yaml").read_text()
    findings = example_linter().lint_text(text, "x.yaml").findings
    messages = {f.rule: f.message for f in findings}
    assert messages["allowed-registry"] == "image nginx is not from registry.example.com or mirror.gcr.io"
    assert messages["memory-limit-cap"] == "memory limit 8Gi is above the 4Gi cap"
    assert messages["prod-replicas"] == "a prod Deployment needs replicas >= 2 (set it explicitly)"
    severities = {f.rule: f.severity for f in findings}
    assert severities["no-latest-tag"] is Severity.WARNING  # the example config lowers it from error


CORPUS_RULES = """
custom-rules:
  - id: approved-registry
    severity: error
    message: images come from the team's Artifact Registry
    each: container
    expression: container.image.startsWith('us-docker.pkg.dev/google-samples/')
  - id: part-of-label
    message: workloads say which system they are part of
    match: {kind: Deployment}
    schema:
      required: [metadata]
      properties:
        metadata:
          required: [labels]
          properties:
            labels: {required: [app.kubernetes.io/part-of]}
"""


def test_cel_and_schema_rules_on_real_manifests(tmp_path: Path) -> None:
    linter = linter_for(tmp_path, CORPUS_RULES)
    node_pools = linter.lint_bytes(NODE_POOLS.read_bytes(), "node-pools.yaml").findings
    grafana = linter.lint_bytes(GRAFANA.read_bytes(), "grafana.yaml").findings
    # node-pools: its image is from the approved registry; it has no labels at all.
    assert custom(linter, node_pools) == {("part-of-label", 19, 1)}
    assert [f.message for f in node_pools if f.rule == "part-of-label"] == [
        "workloads say which system they are part of: 'labels' is a required property"]
    # grafana: labelled, but its image comes from Docker Hub (pointed at by what the rule reads).
    assert custom(linter, grafana) == {("approved-registry", 33, 16)}
    assert [f.path for f in grafana if f.rule == "approved-registry"] == ["spec.template.spec.containers[0].image"]


def test_each_container_covers_init_containers_and_sidecars(tmp_path: Path) -> None:
    config = """
custom-rules:
  - id: pinned-pull-policy
    each: container
    path: imagePullPolicy
    message: set imagePullPolicy explicitly
    schema: {required: [imagePullPolicy]}
"""
    manifest = DEPLOYMENT.replace("      containers:\n", """      initContainers:
        - name: setup
          image: busybox:1.36
          imagePullPolicy: IfNotPresent
          command: [sh, -c, "true"]
        - name: sidecar
          image: envoy:1.31.0
          restartPolicy: Always
      containers:
""")
    found = {(f.span.line, f.path) for f in lint(tmp_path, config, manifest) if f.rule == "pinned-pull-policy"}
    assert found == {(18, "spec.template.spec.initContainers[1].imagePullPolicy"),
                     (22, "spec.template.spec.containers[0].imagePullPolicy")}


def test_match_selects_by_kind_namespace_labels_and_api_version(tmp_path: Path) -> None:
    config = """
custom-rules:
  - id: web-tier-replicas
    match:
      apiVersion: apps/v1
      kind: Deployment
      namespace: [prod, staging]
      labels: {matchExpressions: [{key: tier, operator: In, values: [web, edge]}]}
    expression: object.spec.replicas >= 2
"""
    base = DEPLOYMENT.replace("spec:\n  selector", "spec:\n  replicas: 1\n  selector", 1)

    def placed(namespace: str, labels: str, text: str = base) -> str:
        return text.replace("  labels: {app: web}\nspec", f"  namespace: {namespace}\n  labels: {labels}\nspec", 1)

    cases = {
        "matched": placed("prod", "{app: web, tier: web}"),
        "other namespace": placed("dev", "{tier: web}"),
        "other tier": placed("prod", "{tier: db}"),
        "other kind": placed("prod", "{tier: web}", base.replace("kind: Deployment", "kind: ReplicaSet")),
    }
    fired = {name for name, text in cases.items()
             if any(f.rule == "web-tier-replicas" for f in lint(tmp_path, config, text))}
    assert fired == {"matched"}


def test_cel_finding_points_at_the_field_the_expression_reads(tmp_path: Path) -> None:
    config = "custom-rules:\n  - {id: min-replicas, match: {kind: Deployment}, expression: object.spec.replicas >= 2}\n"
    text = DEPLOYMENT.replace("spec:\n  selector", "spec:\n  replicas: 1\n  selector", 1)
    [finding] = [f for f in lint(tmp_path, config, text) if f.rule == "min-replicas"]
    assert (finding.span.line, finding.span.column, finding.path) == (7, 13, "spec.replicas")
    assert finding.message == "failed expression: object.spec.replicas >= 2"  # VAP's default message


def test_evaluation_error_fails_the_rule_under_fail_and_not_under_ignore(tmp_path: Path) -> None:
    rule = ("  - {id: min-replicas, match: {kind: Deployment}, message: two replicas, "
            "expression: object.spec.replicas >= 2")
    [finding] = lint(tmp_path, f"custom-rules:\n{rule}}}\n", DEPLOYMENT)  # no replicas: `no such key`
    assert finding.rule == "min-replicas"
    assert finding.message == ("two replicas: the expression failed to evaluate (no such key: replicas); "
                               "an evaluation error counts as a failed validation (failurePolicy Fail)")
    assert (finding.span.line, finding.path) == (6, "spec")  # the deepest part of what it reads that exists
    assert lint(tmp_path, f"custom-rules:\n{rule}, failurePolicy: Ignore}}\n", DEPLOYMENT) == []


def test_non_boolean_result_is_an_evaluation_error(tmp_path: Path) -> None:
    [finding] = lint(tmp_path, "custom-rules:\n  - {id: name-rule, expression: object.metadata.name}\n", DEPLOYMENT)
    assert "the expression gave str, not a bool" in finding.message


def test_message_expression_falls_back_to_message(tmp_path: Path) -> None:
    config = """
custom-rules:
  - id: no-web
    each: container
    expression: container.name != 'web'
    messageExpression: "'container ' + container.name + ' serves port ' + string(container.ports[0].containerPort)"
    message: no container may be called web
"""
    [finding] = lint(tmp_path, config, DEPLOYMENT)
    assert finding.message == "no container may be called web"


def test_custom_rules_are_configured_and_suppressed_like_built_in_ones(tmp_path: Path) -> None:
    rule = "custom-rules:\n  - {id: web-name, each: container, expression: \"container.name != 'web'\", path: name}\n"
    assert [f.severity for f in lint(tmp_path, rule, DEPLOYMENT)] == [Severity.WARNING]  # the default severity
    assert [f.severity for f in lint(tmp_path, rule + "rules:\n  web-name: error\n", DEPLOYMENT)] == [Severity.ERROR]
    assert lint(tmp_path, rule + "rules:\n  web-name: off\n", DEPLOYMENT) == []
    linter = linter_for(tmp_path, rule + "overrides:\n  - files: ['legacy/*']\n    rules: {web-name: off}\n")
    assert linter.lint_text(DEPLOYMENT, "legacy/m.yaml").findings == []
    assert len(linter.lint_text(DEPLOYMENT, "new/m.yaml").findings) == 1
    commented = DEPLOYMENT.replace("- name: web", "- name: web  # podlint: disable=web-name -- legacy name")
    assert lint(tmp_path, rule, commented) == []
    annotated = DEPLOYMENT.replace("  labels: {app: web}\nspec", "  annotations: {podlint/ignore: web-name}\nspec", 1)
    assert lint(tmp_path, rule, annotated) == []


def test_custom_rules_are_in_the_catalogue_of_the_run(tmp_path: Path) -> None:
    linter = example_linter()
    rule = linter.catalogue["allowed-registry"]
    assert rule.category == "custom" and rule.severity is Severity.ERROR
    assert rule.summary == "Images come only from the registries the team mirrors and scans."
    assert rule.help_uri == (EXAMPLE_CONFIG.parent / "team-rules.yaml").resolve().as_uri()
    assert "image-latest-tag" in linter.catalogue  # the built-in rules are all still there
    runner = CliRunner()
    listing = runner.invoke(app, ["rules", "-c", str(EXAMPLE_CONFIG)]).stdout.splitlines()
    assert any(line.startswith("allowed-registry ") and " error " in line for line in listing)
    explained = runner.invoke(app, ["explain", "-c", str(EXAMPLE_CONFIG), "owner-label"])
    assert explained.exit_code == 0
    assert "Alerts, cost reports and on-call routing" in explained.stdout


def test_rule_crash_is_isolated_as_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    linter = linter_for(tmp_path, "custom-rules:\n  - {id: any-rule, expression: 'true'}\n")

    def broken(self: CelEnvironment, obj: object, **scope: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(CelEnvironment, "bind", broken)
    result = linter.lint_text(DEPLOYMENT, "m.yaml")
    assert [f.rule for f in result.findings] == ["internal-error"]
    assert "rule any-rule failed" in result.findings[0].message and result.internal_error


def test_pyproject_custom_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.podlint]\n[[tool.podlint.custom-rules]]\nid = "web-name"\nseverity = "error"\n'
        'each = "container"\nexpression = "container.name != \'web\'"\n')
    (tmp_path / "m.yaml").write_text(DEPLOYMENT)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint", "-f", "json", "m.yaml"])
    assert [(f["rule"], f["line"]) for f in json.loads(result.stdout)["findings"]] == [("web-name", 14)]


def test_rules_from_a_folder_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text("id: web-name\nexpression: \"object.metadata.name != 'web'\"\n")
    (tmp_path / "rules" / "b.yml").write_text("- {id: has-labels, schema: {required: [metadata]}}\n")
    linter = linter_for(tmp_path, "custom-rules: [rules]\n")
    assert {"web-name", "has-labels"} <= set(linter.catalogue)
    assert [f.rule for f in linter.lint_text(DEPLOYMENT, "m.yaml").findings] == ["web-name"]


# (rules, line and text the error must point at, what it must say)
BROKEN = [
    ("  - {id: x, schema: {type: strin}}", 2, "type",
     "custom rule 'x': invalid JSON Schema: 'strin' is not valid under"),
    ("  - {id: x, schema: {properties: {name: {pattern: '('}}}}", 2, "pattern",
     "custom rule 'x': invalid JSON Schema: '(' is not a 'regex'"),
    ("  - {id: x, expression: 'object.spec.replicas <='}", 2, "expression",
     "custom rule 'x': expression does not compile: 1:24: Syntax error: mismatched input '<EOF>'"),
    ("  - {id: x, expression: \"object.metadata.name == 'a' &&\"}", 2, "expression",
     "custom rule 'x': expression does not compile: 1:31: Syntax error: mismatched input '<EOF>'"),
    ("  - {id: x, expression: \"'%s-x'.format([object.metadata.name]) == 'a'\"}", 2, "expression",
     "custom rule 'x': expression calls format(), which podlint's CEL environment does not provide"),
    ("  - {id: x, expression: 'object.?spec.?replicas.orValue(1) > 1'}", 2, "expression",
     "custom rule 'x': expression does not compile: the CEL syntax '.?' is not supported"),
    ("  - {id: x, each: container, expression: \"container.imagee.startsWith('a')\"}", 2, "expression",
     "custom rule 'x': imagee: 'imagee' is not a field of a container (did you mean 'image'?)"),
    ("  - {id: x, match: {kind: Deployment}, path: spec.template.spec.containerz, schema: {}}", 2, "path",
     "custom rule 'x': spec.template.spec.containerz: 'containerz' is not a field of the pod spec of a Deployment "
     "(did you mean 'containers'?)"),
    ("  - {id: x, schema: {properties: {metadata: {properties: {lables: {}}}}}}", 2, "lables",
     "custom rule 'x': schema names metadata.lables: 'lables' is not a field of metadata (ObjectMeta) "
     "(did you mean 'labels'?)"),
    ("  - {id: image-latest-tag, expression: 'true'}", 2, "id",
     "custom rule 'image-latest-tag': the id is already taken by a built-in rule or another custom rule"),
    ("  - {id: x, expression: 'true'}\n  - {id: x, expression: 'true'}", 3, "id",
     "custom rule 'x': the id is already taken"),
    ("  - {id: x, expresion: 'true'}", 2, "expresion",
     "custom rule 'x': unknown key 'expresion' (did you mean 'expression'?)"),
    ("  - {id: x, expression: 'true', schema: {}}", 2, "{",
     "custom rule 'x': give exactly one of schema (JSON Schema) or expression (CEL)"),
    ("  - {id: x, expression: 'container.name == \"a\"'}", 2, "expression",
     "custom rule 'x': expression uses `container`, which needs `each: container`"),
    ("  - {id: Bad_Id, expression: 'true'}", 2, "id", "a custom rule needs an id of lower-case words joined by dashes"),
    ("  - {id: x, severity: fatal, expression: 'true'}", 2, "severity",
     "custom rule 'x': severity must be one of error, warning, info"),
    ("  - {id: x, match: {labels: {matchExpressions: [{key: a, operator: Has}]}}, expression: 'true'}", 2, "operator",
     "custom rule 'x': operator must be one of In, NotIn, Exists, DoesNotExist"),
    ("  - missing-rules.yaml", 2, "missing", "no such file or folder of custom rules"),
]


@pytest.mark.parametrize(("rules", "line", "at", "expected"), BROKEN, ids=[e[:40] for *_, e in BROKEN])
def test_broken_rule_is_a_usage_error_naming_rule_and_problem(tmp_path: Path, rules: str, line: int, at: str,
                                                              expected: str) -> None:
    path = tmp_path / ".podlint.yaml"
    text = f"custom-rules:\n{rules}\n"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        settle(path)
    column = text.splitlines()[line - 1].index(at) + 1
    assert str(error.value).startswith(f"{path}:{line}:{column}: {expected}")


def test_broken_rule_stops_the_run_before_any_file_is_linted(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".podlint.yaml").write_text("custom-rules:\n  - {id: x, expression: 'object.spec.replicas <='}\n")
    (tmp_path / "m.yaml").write_text(DEPLOYMENT.replace("nginx:1.27.3", "nginx"))  # a finding, were it linted
    result = podlint("lint", "m.yaml", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("podlint: error: ")
    assert "custom rule 'x': expression does not compile" in result.stderr


def test_run_notes_and_sources(tmp_path: Path) -> None:
    """A whole run with custom rules: the findings come through lint_sources like any other."""
    (tmp_path / "m.yaml").write_text(DEPLOYMENT)
    linter = linter_for(tmp_path, "custom-rules:\n  - {id: web-name, expression: \"object.metadata.name != 'web'\"}\n")
    run = lint_sources(expand([str(tmp_path / "m.yaml")]), linter)
    assert [f.rule for f in run.findings] == ["web-name"] and run.exit_code(Severity.WARNING) == 1


@pytest.mark.parametrize(("expression", "value"), [
    ("quantity('1Gi') == quantity('1024Mi')", True),
    ("quantity('500m').isLessThan(quantity('1'))", True),
    ("quantity('2Gi').compareTo(quantity('1G'))", 1),
    ("quantity('1.5').isInteger()", False),
    ("quantity('1k').add(24).asInteger()", 1024),
    ("quantity('1').sub(quantity('1500m')).sign()", -1),
    ("isQuantity('12Mi') && !isQuantity('12 apples')", True),
    ("'registry.example.com/app:1.2'.find('[0-9.]+$')", "1.2"),
    ("'a1b22c333'.findAll('[0-9]+', 2)", ["1", "22"]),
    ("[1, 2, 2, 5].isSorted() && ![3, 1].isSorted()", True),
    ("['a', 'b', 'a'].lastIndexOf('a') == 2 && ['a'].indexOf('z') == -1 && 'hello'.indexOf('l') == 2", True),
    ("'Web-App'.lowerAscii().split('-').join('_')", "web_app"),
])
def test_kubernetes_cel_library(expression: str, value: object) -> None:
    environment = CelEnvironment()
    environment.bind({})
    outcome = environment.evaluate(environment.compile(expression))
    assert outcome.error is None and outcome.value == value


def test_invalid_quantity_is_an_evaluation_error() -> None:
    environment = CelEnvironment()
    environment.bind({})
    outcome = environment.evaluate(environment.compile("quantity('lots') == quantity('1')"))
    assert outcome.error == "quantity: invalid quantity: 'lots'"


def test_field_chains_skip_strings_and_method_calls() -> None:
    source = "'object.spec.x' != object.metadata.name.lowerAscii() && object.metadata.labels['a.b/c'] == 'y'"
    assert field_chains(source, "object") == [("metadata", "name"), ("metadata", "labels", "a.b/c")]


def test_template_placeholders_are_not_judged(tmp_path: Path) -> None:
    config = "custom-rules:\n  - {id: registry, each: container, expression: \"container.image.startsWith('r.io/')\"}\n"
    assert len(lint(tmp_path, config, DEPLOYMENT)) == 1
    assert lint(tmp_path, config, DEPLOYMENT.replace("nginx:1.27.3", "'{{ .Values.image }}'")) == []
    schema = "custom-rules:\n  - {id: registry, each: container, schema: {properties: {image: {pattern: '^r.io/'}}}}\n"
    assert len(lint(tmp_path, schema, DEPLOYMENT)) == 1
    assert lint(tmp_path, schema, DEPLOYMENT.replace("nginx:1.27.3", "'{{ .Values.image }}'")) == []


def test_sarif_describes_custom_rules(tmp_path: Path) -> None:
    from podlint.report import Report, Summary, formatter

    linter = example_linter()
    findings = linter.lint_text((TESTS / "policies" / "team" / "fail-owner.yaml").read_text(), "x.yaml").findings
    sarif = json.loads(formatter("sarif")(Report(findings, Summary(), 1, catalogue=linter.catalogue), False))
    [run] = sarif["runs"]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    owner = rules["owner-label"]
    assert owner["shortDescription"]["text"] == "Every workload names the team that owns it in an `owner` label."
    assert owner["helpUri"] == (EXAMPLE_CONFIG.parent / "team-rules.yaml").resolve().as_uri()
    assert "demo-policy.example.com" in rules and "image-latest-tag" in rules
    assert {result["ruleId"] for result in run["results"]} >= {"owner-label"}


@lsp
async def test_editor_diagnostics_and_hover_for_custom_rules(client: Client) -> None:  # noqa: F811 - the fixture
    project = client.root / "team"
    (project / ".git").mkdir(parents=True)
    (project / ".podlint.yaml").write_text(
        "custom-rules:\n  - id: web-name\n    severity: error\n    why: names are routed by the gateway\n"
        "    each: container\n    path: name\n    expression: \"container.name != 'web'\"\n")
    uri, published = await open_document(client, "team/deploy.yaml", DEPLOYMENT)
    [diagnostic] = published.diagnostics
    assert (diagnostic.code, diagnostic.range.start.line) == ("web-name", 13)
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), diagnostic.range.start))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "**web-name** (error)" in hover.contents.value and "names are routed by the gateway" in hover.contents.value


@pytest.mark.parametrize(("text", "path"), [
    ("spec.template.spec.containers[0].image", ("spec", "template", "spec", "containers", 0, "image")),
    ("metadata.labels['app.kubernetes.io/name']", ("metadata", "labels", "app.kubernetes.io/name")),
    (["metadata", "annotations", "a.b/c"], ("metadata", "annotations", "a.b/c")),
])
def test_path_forms(text: object, path: tuple[object, ...]) -> None:
    from podlint.policies.base import Located
    from podlint.policies.custom import parse_path

    assert parse_path(text, Located("x"), ("path",)) == path


def test_path_that_cannot_be_read_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / ".podlint.yaml"
    path.write_text("custom-rules:\n  - {id: x, path: 'spec..replicas', expression: 'true'}\n")
    with pytest.raises(ConfigError) as error:
        settle(path)
    assert str(error.value) == f"{path}:2:13: custom rule 'x': cannot read field path 'spec..replicas' at '..replicas'"
