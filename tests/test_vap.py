"""ValidatingAdmissionPolicy offline (`--policy`, `policies:`): the documentation's example rejects
what the API server would, bindings and match rules select as in a cluster, and policies that
cannot be evaluated offline are reported as skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podlint.app.cli import app
from podlint.app.config import ConfigError, settle
from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.findings import Finding, Severity
from podlint.model.objects import objects_of
from podlint.policies.defaults import defaulted
from podlint.policies.resources import resource_of
from podlint.reading.parse import parse_text
from podlint.sources.files import expand
from tests.conftest import CORPUS_SAMPLE, ROOT
from tests.test_cli import podlint
from tests.test_custom_rules import DEPLOYMENT as WITHOUT_REPLICAS

ADMISSION = ROOT / "examples" / "policies" / "admission"
DEMO = ADMISSION / "replica-limit.yaml"  # the Kubernetes documentation's example, policy and binding
NODE_POOLS = CORPUS_SAMPLE / "gke-samples" / "management" / "migrating-node-pool" / "node-pools-deployment.yaml"
GRAFANA = CORPUS_SAMPLE / "kube-prometheus" / "manifests" / "grafana-deployment.yaml"
DENIED = ("ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' "
          "denied request: failed expression: object.spec.replicas <= 5")

DEPLOYMENT = WITHOUT_REPLICAS.replace("spec:\n  selector", "spec:\n  replicas: 3\n  selector", 1)


def policy(validations: str, *, extra: str = "", resources: str = '["deployments"]', groups: str = '["apps"]') -> str:
    return f"""apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: test-policy
spec:
{extra}  matchConstraints:
    resourceRules:
      - apiGroups: {groups}
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: {resources}
  validations:
{validations}
"""


def binding(actions: str = "[Deny]", match: str = "", name: str = "test-binding") -> str:
    return f"""---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: {name}
spec:
  policyName: test-policy
  validationActions: {actions}
{match}"""


def linter_with(tmp_path: Path, *policy_texts: str) -> Linter:
    paths = []
    for index, text in enumerate(policy_texts):
        path = tmp_path / f"policy-{index}.yaml"
        path.write_text(text)
        paths.append(path)
    return Linter(settle(start=tmp_path, policies=paths).options)


def findings(linter: Linter, manifest: str) -> list[Finding]:
    return [f for f in linter.lint_text(manifest, "m.yaml").findings
            if linter.catalogue[f.rule].category == "admission-policy"]


@pytest.fixture(scope="module")
def demo() -> Linter:
    return Linter(settle(start=ROOT, policies=[DEMO]).options)


def test_documentation_example_rejects_a_deployment_with_six_replicas(demo: Linter) -> None:
    [finding] = findings(demo, NODE_POOLS.read_text())  # a real manifest: replicas: 6
    assert finding.message == DENIED
    assert (finding.rule, finding.severity) == ("demo-policy.example.com", Severity.ERROR)
    assert (finding.span.line, finding.span.column, finding.path) == (22, 3, "spec.replicas")


@pytest.mark.parametrize(("change", "rejected"), [
    (("replicas: 3", "replicas: 5"), False),  # the limit itself is allowed
    (("replicas: 3", "replicas: 50"), True),
    (("  replicas: 3\n", ""), False),  # defaulted to 1 before admission, as the API server does
    (("kind: Deployment", "kind: StatefulSet"), False),  # the policy matches deployments only
    (("apiVersion: apps/v1", "apiVersion: example.com/v1"), False),  # another group's Deployment
])
def test_documentation_example_decides_as_the_api_server(demo: Linter, change: tuple[str, str], rejected: bool) -> None:
    manifest = DEPLOYMENT.replace(*change)
    assert bool(findings(demo, manifest)) is rejected


def test_documentation_example_accepts_a_real_small_deployment(demo: Linter) -> None:
    assert findings(demo, GRAFANA.read_text()) == []  # replicas: 1


def test_cli_policy_flag_exit_code_and_json(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(DEPLOYMENT.replace("replicas: 3", "replicas: 7"))
    result = podlint("lint", "--policy", str(DEMO), "-f", "json", str(manifest))
    assert result.returncode == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["line"], finding["message"]) == ("demo-policy.example.com", 7, DENIED)


def test_evaluation_error_rejects_under_fail_and_passes_under_ignore(tmp_path: Path) -> None:
    validation = "    - expression: object.spec.template.spec.hostNetwork == false\n"
    [finding] = findings(linter_with(tmp_path, policy(validation)), DEPLOYMENT)  # hostNetwork has no default
    assert finding.message == (
        "ValidatingAdmissionPolicy 'test-policy' denied request: expression 'object.spec.template.spec.hostNetwork "
        "== false' resulted in error: no such key: hostNetwork (an evaluation error fails the validation under "
        "failurePolicy Fail)")
    ignore = policy(validation, extra="  failurePolicy: Ignore\n")
    assert findings(linter_with(tmp_path, ignore), DEPLOYMENT) == []


@pytest.mark.parametrize(("actions", "severity", "wording"), [
    ("[Deny]", Severity.ERROR, "ValidatingAdmissionPolicy 'test-policy' with binding 'test-binding' denied request"),
    ("[Warn]", Severity.WARNING, "Validation failed for ValidatingAdmissionPolicy 'test-policy' with binding"),
    ("[Audit]", Severity.INFO, "Validation failed for ValidatingAdmissionPolicy 'test-policy' with binding"),
    ("[Warn, Audit]", Severity.WARNING, "Validation failed for"),
])
def test_validation_actions_set_the_severity(tmp_path: Path, actions: str, severity: Severity, wording: str) -> None:
    linter = linter_with(tmp_path, policy("    - expression: object.spec.replicas < 2\n") + binding(actions))
    [finding] = findings(linter, DEPLOYMENT)
    assert finding.severity is severity and finding.message.startswith(wording)


def test_binding_object_selector_and_resource_rules_narrow_the_policy(tmp_path: Path) -> None:
    selector = "  matchResources:\n    objectSelector: {matchLabels: {tier: web}}\n"
    linter = linter_with(tmp_path, policy("    - expression: object.spec.replicas < 2\n") + binding(match=selector))
    assert findings(linter, DEPLOYMENT) == []
    labelled = DEPLOYMENT.replace("  labels: {app: web}\nspec", "  labels: {app: web, tier: web}\nspec", 1)
    assert len(findings(linter, labelled)) == 1
    excluded = ("  matchResources:\n    excludeResourceRules:\n      - {apiGroups: [apps], apiVersions: ['*'], "
                "operations: ['*'], resources: [deployments], resourceNames: [web]}\n")
    linter = linter_with(tmp_path, policy("    - expression: object.spec.replicas < 2\n") + binding(match=excluded))
    assert findings(linter, DEPLOYMENT) == []
    assert len(findings(linter, DEPLOYMENT.replace("name: web\n  labels", "name: api\n  labels"))) == 1


def test_resource_rules_operations_scope_and_wildcards(tmp_path: Path) -> None:
    validation = "    - expression: \"object.metadata.name != 'web'\"\n"
    pods_only = linter_with(tmp_path, policy(validation, resources='["pods"]', groups='[""]'))
    assert findings(pods_only, DEPLOYMENT) == []
    every = linter_with(tmp_path, policy(validation, resources='["*"]', groups='["*"]'))
    assert len(findings(every, DEPLOYMENT)) == 1
    delete_only = linter_with(tmp_path, policy(validation).replace('["CREATE", "UPDATE"]', '["DELETE"]'))
    assert findings(delete_only, DEPLOYMENT) == []  # a manifest is checked as a CREATE
    scoped = policy(validation).replace('resources: ["deployments"]',
                                        'resources: ["deployments"]\n        scope: Cluster')
    cluster_scope = linter_with(tmp_path, scoped)
    assert findings(cluster_scope, DEPLOYMENT) == []


def test_match_conditions_variables_message_expression_and_reason(tmp_path: Path) -> None:
    text = policy("""    - expression: variables.replicas <= 2
      messageExpression: "'at most 2 replicas for ' + object.metadata.name + ', not ' + string(variables.replicas)"
      reason: Forbidden
""", extra="""  matchConditions:
    - name: not-exempt
      expression: "!has(object.metadata.annotations) || !('exempt' in object.metadata.annotations)"
  variables:
    - name: replicas
      expression: object.spec.replicas
""")
    linter = linter_with(tmp_path, text)
    [finding] = findings(linter, DEPLOYMENT)
    assert finding.message == ("ValidatingAdmissionPolicy 'test-policy' denied request: at most 2 replicas for web, "
                               "not 3 (reason: Forbidden)")
    exempt = DEPLOYMENT.replace("  labels: {app: web}\n", "  labels: {app: web}\n  annotations: {exempt: 'yes'}\n", 1)
    assert findings(linter, exempt) == []


def test_failing_variable_is_named_in_the_finding(tmp_path: Path) -> None:
    text = policy("    - expression: variables.network == false\n", extra="""  variables:
    - name: network
      expression: object.spec.template.spec.hostNetwork
""")
    [finding] = findings(linter_with(tmp_path, text), DEPLOYMENT)
    assert "resulted in error: variable 'network' resulted in error: no such key: hostNetwork" in finding.message


def test_match_condition_error_under_fail(tmp_path: Path) -> None:
    text = policy("    - expression: 'true'\n", extra="""  matchConditions:
    - name: network
      expression: object.spec.template.spec.hostNetwork
""")
    [finding] = findings(linter_with(tmp_path, text), DEPLOYMENT)
    assert "matchCondition 'network' resulted in error: no such key: hostNetwork" in finding.message


def test_namespace_selector_is_assumed_to_match_except_on_namespaces(tmp_path: Path) -> None:
    namespaces = "  matchResources:\n    namespaceSelector: {matchLabels: {environment: test}}\n"
    text = policy("    - expression: \"object.metadata.name != 'web'\"\n", resources='["*"]', groups='["*"]')
    linter = linter_with(tmp_path, text + binding(match=namespaces))
    assert len(findings(linter, DEPLOYMENT)) == 1  # the namespace's labels are unknown offline
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels: {environment: prod}\n"
    assert findings(linter, namespace) == []  # a Namespace is matched on its own labels
    assert len(findings(linter, namespace.replace("prod", "test"))) == 1


def test_policy_without_a_loaded_binding_is_evaluated_as_deny(tmp_path: Path) -> None:
    linter = linter_with(tmp_path, policy("    - expression: object.spec.replicas < 2\n"))
    [finding] = findings(linter, DEPLOYMENT)
    assert finding.severity is Severity.ERROR
    assert finding.message == ("ValidatingAdmissionPolicy 'test-policy' denied request: failed expression: "
                               "object.spec.replicas < 2")


def skipped_notes(linter: Linter) -> list[Finding]:
    return [f for f in linter.notes() if f.rule == "admission-policy-skipped"]


def test_param_kind_policy_is_reported_as_skipped(tmp_path: Path) -> None:
    linter = Linter(settle(start=tmp_path, policies=[ADMISSION / "replica-limit-params.yaml"]).options)
    [note] = skipped_notes(linter)
    assert note.file.endswith("replica-limit-params.yaml") and (note.span.line, note.span.column) == (9, 3)
    assert note.severity is Severity.INFO and note.path == "spec.paramKind"
    assert "is not evaluated: it takes parameters (spec.paramKind)" in note.message
    assert findings(linter, DEPLOYMENT.replace("replicas: 3", "replicas: 500")) == []
    run = lint_sources(expand([str(NODE_POOLS)]), linter)  # a run reports the note once, with the rest
    assert [f.rule for f in run.findings].count("admission-policy-skipped") == 1


@pytest.mark.parametrize(("expression", "reason"), [
    ("authorizer.group('apps').resource('deployments').check('create').allowed()", "it uses authorizer"),
    ("namespaceObject.metadata.labels.env == 'prod'", "it uses namespaceObject"),
    ("object.?spec.?replicas.orValue(1) <= 5", "the CEL syntax '.?' is not supported"),
    ("'%s-x'.format([object.metadata.name]) == 'a-x'", "it calls format(), which podlint's CEL"),
])
def test_policies_needing_the_cluster_are_skipped_not_silently(tmp_path: Path, expression: str, reason: str) -> None:
    linter = linter_with(tmp_path, policy(f'    - expression: "{expression}"\n'))
    [note] = skipped_notes(linter)
    assert reason in note.message and note.path == "spec.validations[0].expression"
    assert findings(linter, DEPLOYMENT) == []


@pytest.mark.parametrize(("text", "expected"), [
    (policy("    - expression: object.spec.replicas <=\n"),
     "policy-0.yaml:13:7: ValidatingAdmissionPolicy 'test-policy': spec.validations[0].expression does not compile"),
    (policy("    - expresion: object.spec.replicas <= 5\n"),
     "policy-0.yaml:13:7: ValidatingAdmissionPolicy 'test-policy': unknown field 'expresion' in spec.validations[0]"),
    (policy("    - expression: 'true'\n", extra="  failurePolicy: Never\n"),
     "policy-0.yaml:6:3: ValidatingAdmissionPolicy 'test-policy': failurePolicy must be Fail or Ignore"),
    (policy("    - expression: 'true'\n") + binding("[Deny, Warn]"),
     "policy-0.yaml:22:3: ValidatingAdmissionPolicyBinding 'test-binding': validationActions must list"),
    (policy("    - expression: 'true'\n", groups="[]"),
     "policy-0.yaml:8:9: ValidatingAdmissionPolicy 'test-policy': apiGroups must be a non-empty list"),
    (policy("    - expression: 'true'\n").replace("test-policy", "image-latest-tag"),
     "policy-0.yaml:4:3: ValidatingAdmissionPolicy 'image-latest-tag': the name is already a rule id"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "--policy: no ValidatingAdmissionPolicy in"),
])
def test_broken_policy_is_a_usage_error(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        linter_with(tmp_path, text)
    assert expected in str(error.value)


def test_missing_policy_path_stops_the_run_before_linting(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(DEPLOYMENT)
    result = podlint("lint", "--policy", str(tmp_path / "nope"), str(tmp_path / "m.yaml"))
    assert result.returncode == 2 and result.stdout == ""
    assert "--policy:" in result.stderr and "no such file or directory" in result.stderr


def test_policies_from_the_config_are_rules_of_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "admission").mkdir()
    (tmp_path / "admission" / "demo.yaml").write_text(DEMO.read_text())
    (tmp_path / "m.yaml").write_text(DEPLOYMENT.replace("replicas: 3", "replicas: 9"))
    (tmp_path / ".podlint.yaml").write_text("policies: [admission]\nrules:\n  demo-policy.example.com: warning\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["lint", "-f", "json", "m.yaml"])
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["severity"]) == ("demo-policy.example.com", "warning")
    suppressed = DEPLOYMENT.replace("replicas: 3", "replicas: 9  # podlint: disable=demo-policy.example.com -- PROJ-1")
    (tmp_path / "m.yaml").write_text(suppressed)
    assert json.loads(runner.invoke(app, ["lint", "-f", "json", "m.yaml"]).stdout)["findings"] == []
    listing = runner.invoke(app, ["rules"]).stdout
    assert any(line.startswith("demo-policy.example.com ") for line in listing.splitlines())


@pytest.mark.parametrize(("kind", "resource"), [
    ("Deployment", "deployments"), ("Ingress", "ingresses"), ("NetworkPolicy", "networkpolicies"),
    ("Endpoints", "endpoints"), ("StorageClass", "storageclasses"), ("Gateway", "gateways"),
])
def test_kinds_map_to_resources(kind: str, resource: str) -> None:
    assert resource_of(kind) == resource


def test_defaults_are_applied_as_the_api_server_does() -> None:
    text = DEPLOYMENT.replace("  replicas: 3\n", "").replace(
        "          image: nginx:1.27.3\n", "          image: nginx\n          ports: [{containerPort: 80}]\n")
    [obj] = objects_of(parse_text(text, "m.yaml").documents[0])
    data = defaulted(obj)
    assert data["spec"]["replicas"] == 1 and data["spec"]["strategy"]["type"] == "RollingUpdate"
    pod = data["spec"]["template"]["spec"]
    assert (pod["restartPolicy"], pod["dnsPolicy"], pod["terminationGracePeriodSeconds"]) == ("Always",
                                                                                             "ClusterFirst", 30)
    container = pod["containers"][0]
    assert container["imagePullPolicy"] == "Always" and container["ports"][0]["protocol"] == "TCP"
    assert "replicas" not in obj.data["spec"]  # the manifest itself is left as written


def test_template_placeholders_are_not_judged(demo: Linter) -> None:
    # A value left for envsubst: unknown until rendered, where the API server would see a number.
    assert findings(demo, DEPLOYMENT.replace("replicas: 3", "replicas: ${REPLICAS:-1}")) == []
    assert len(findings(demo, DEPLOYMENT.replace("replicas: 3", "replicas: '7'"))) == 1  # a real wrong type


def test_policies_key_takes_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / ".podlint.yaml").write_text("policies: {dir: admission}\n")
    with pytest.raises(ConfigError) as error:
        settle(tmp_path / ".podlint.yaml")
    assert str(error.value) == (f"{tmp_path / '.podlint.yaml'}:1:11: expected a list of files or folders of "
                                "ValidatingAdmissionPolicies")
