"""Schema validation: shipped schemas, messages, versions, custom resources, and the corpus."""

from __future__ import annotations

import functools
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from podlint.app.run import lint_sources
from podlint.engine import Linter, Options
from podlint.findings import Finding
from podlint.model.objects import K8sObject, objects_of
from podlint.reading.parse import parse_bytes, parse_text
from podlint.rules.ruleset import RuleSetting
from podlint.schemas.validator import FORMATS, SCHEMA_RULES, SchemaValidator, shipped
from podlint.schemas.versions import SUPPORTED, format_version
from podlint.sources.files import Source, expand
from tests.conftest import CORPUS, ROOT
from tests.manifests import GOOD as POD
from tests.manifests import crd

# Kinds of every built-in API group a manifest commonly holds.
COMMON_KINDS = [
    ("v1", "Pod"), ("v1", "Service"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Namespace"),
    ("v1", "PersistentVolumeClaim"), ("v1", "ServiceAccount"), ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"), ("batch/v1", "Job"), ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"), ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"), ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"), ("storage.k8s.io/v1", "StorageClass"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"), ("scheduling.k8s.io/v1", "PriorityClass"),
]


def lint(text: str, version: tuple[int, int] | None = None, **options: Any) -> list[Finding]:
    linter = Linter(Options(kubernetes_version=version or SUPPORTED[-1], **options))
    return list(linter.lint_text(text, "test.yaml").findings)


def off(*rule_ids: str) -> dict[str, RuleSetting]:
    return {rule_id: RuleSetting(enabled=False) for rule_id in rule_ids}


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, [f"{f.rule} {f.message}" for f in findings]
    return matching[0]



# --- shipped schemas ---------------------------------------------------------------------

@pytest.mark.parametrize("version", SUPPORTED, ids=format_version)
def test_every_supported_version_ships_the_common_kinds(version: tuple[int, int]) -> None:
    store = shipped()
    for api_version, kind in COMMON_KINDS:
        compiled = store.compiled(version, api_version, kind)
        assert compiled is not None, f"{kind} {api_version} missing for {format_version(version)}"
        assert compiled.validator.is_valid({"apiVersion": api_version, "kind": kind}) in (True, False)
    assert store.object_meta(version)["properties"]["labels"]


def test_every_shipped_schema_file_loads_and_compiles() -> None:
    store = shipped()
    digests = {digest for kinds in store.versions.values() for names in kinds.values() for digest in names.values()}
    assert {path.name.removesuffix(".json.gz") for path in (store.folder / "kinds").iterdir()} >= digests
    for version in SUPPORTED:
        for api_version, names in store.kinds(version).items():
            for kind in names:
                assert store.compiled(version, api_version, kind) is not None
    assert len(store._compiled) == len(digests)


def test_refs_are_resolved_at_build_time() -> None:
    store = shipped()
    pod = store.compiled(SUPPORTED[-1], "v1", "Pod")
    assert pod is not None
    assert "$ref" not in json.dumps(pod.schema)
    crd = store.compiled(SUPPORTED[-1], "apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert crd is not None and set(crd.schema["$defs"]) == {
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"}  # it is recursive


def test_shipped_data_stays_small() -> None:
    folder = shipped().folder
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    assert size < 5_000_000, f"schemas/ is {size:,} bytes"


# --- messages and positions --------------------------------------------------------------

def test_wrong_type_message_names_the_path_and_the_value() -> None:
    text = POD.replace("      resources:", "      ports:\n        - containerPort: \"8080\"\n      resources:")
    finding = only(lint(text), "schema")
    assert finding.message == 'spec.containers[0].ports[0].containerPort: expected an integer, got the string "8080"'
    assert (finding.span.line, finding.span.column) == (10, 26)
    assert finding.path == "spec.containers[0].ports[0].containerPort"


def test_yaml_11_boolean_gets_a_hint_to_quote_it() -> None:
    text = POD.replace("      resources:", "      env:\n        - {name: TLS, value: on}\n      resources:")
    finding = only(lint(text), "schema")
    assert "got the boolean true" in finding.message
    assert 'quote it: "on"' in finding.message


def test_unknown_field_suggests_the_closest_name_at_the_key() -> None:
    text = POD.replace("      image: nginx:1.27.3", "      image: nginx:1.27.3\n      imagePullPolcy: Always")
    finding = only(lint(text), "unknown-field")
    assert finding.message == "unknown field `imagePullPolcy` in spec.containers[0]; did you mean `imagePullPolicy`?"
    assert (finding.span.line, finding.span.column) == (9, 7)


def test_unknown_field_without_a_close_name_has_no_suggestion() -> None:
    text = POD.replace("      image: nginx:1.27.3", "      image: nginx:1.27.3\n      zzz: 1")
    assert "did you mean" not in only(lint(text), "unknown-field").message


def test_specific_rule_wins_over_the_schema_at_the_same_field() -> None:
    text = POD.replace("      image: nginx:1.27.3", "      image: nginx:1.27.3\n      imagePullPolicy: always")
    assert [f.rule for f in lint(text)] == ["invalid-image-pull-policy"]
    disabled = lint(text, rules=off("invalid-image-pull-policy"))
    assert "supported values" in only(disabled, "schema").message


def test_disabled_schema_rules_are_not_reported() -> None:
    text = POD.replace("      image: nginx:1.27.3", "      image: nginx:1.27.3\n      imagePullPolcy: Always")
    assert lint(text, rules=off("unknown-field")) == []
    linter = Linter(Options(rules=off(*SCHEMA_RULES)))
    assert linter.schema is None


def test_bad_input_gives_findings_not_tracebacks() -> None:
    for text in ("apiVersion: v1\nkind: Pod\nspec: []\n", "apiVersion: v1\nkind: Pod\nmetadata: 5\n",
                 "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [1, null]}}}\n"):
        findings = lint(text)
        assert findings and all(f.rule == "schema" for f in findings), findings


# --- versions ------------------------------------------------------------------------------

def test_fields_follow_the_target_version() -> None:
    text = POD.replace("spec:\n", "spec:\n  resources:\n    limits: {cpu: 1}\n", 1)
    assert lint(text, version=(1, 37)) == []
    assert only(lint(text, version=(1, 29)), "unknown-field").message.startswith("unknown field `resources` in spec")


def test_api_version_verdicts_follow_the_target_version() -> None:
    flow = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\n" \
           "spec: {priorityLevelConfiguration: {name: p}}\n"
    deprecated = only(lint(flow, version=(1, 29)), "deprecated-api-version")
    assert "no longer served from Kubernetes 1.32" in deprecated.message
    removed = only(lint(flow, version=(1, 32)), "removed-api-version")
    assert "removed in Kubernetes 1.32" in removed.message and "flowcontrol.apiserver.k8s.io/v1" in removed.message
    device = "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: gpu}\nspec: {}\n"
    assert lint(device, version=(1, 37)) == []
    assert "first served in 1.34" in only(lint(device, version=(1, 29)), "schema").message


# --- custom resources -----------------------------------------------------------------------

CRD = crd("Widget", "{size: {type: integer}}")
WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big, colour: red}\n"


def run(tmp_path: Path, files: dict[str, str], **options: Any) -> tuple[list[Finding], int]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = lint_sources(expand([str(tmp_path)]), Linter(Options(**options)))
    return result.findings, result.summary.custom_skipped


def test_crd_later_in_the_run_validates_earlier_custom_resources(tmp_path: Path) -> None:
    findings, skipped = run(tmp_path, {"a-widget.yaml": WIDGET, "b-crd.yaml": CRD})
    assert sorted(f.rule for f in findings) == ["schema", "unknown-field"]
    assert all(f.file.endswith("a-widget.yaml") for f in findings)
    assert skipped == 0


def test_custom_resources_without_a_schema_are_counted(tmp_path: Path) -> None:
    findings, skipped = run(tmp_path, {"widget.yaml": WIDGET + "---\n" + WIDGET.replace("Widget", "Gadget")})
    assert findings == []
    assert skipped == 2


def test_schema_dir_files_validate_custom_resources(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas" / "example.com"
    schemas.mkdir(parents=True)
    (schemas / "widget_v1.json").write_text(json.dumps({
        "type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}},
                                                  "additionalProperties": False}}}))
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    findings, skipped = run(manifests, {"w.yaml": WIDGET}, schema_dirs=(tmp_path / "schemas",))
    assert sorted(f.rule for f in findings) == ["schema", "unknown-field"]
    assert skipped == 0


def test_broken_schema_file_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "widget_v1.json").write_text("{not json")
    (tmp_path / "m").mkdir()
    findings, _ = run(tmp_path / "m", {"w.yaml": WIDGET}, schema_dirs=(tmp_path / "schemas",))
    assert [f.rule for f in findings] == ["schema"] and "not checked" in findings[0].message


def test_cli_schema_dir_and_summary(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WIDGET)
    command = [sys.executable, "-m", "podlint", "lint", "-f", "json", str(tmp_path / "w.yaml")]
    plain = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert json.loads(plain.stdout)["summary"]["custom_resources_skipped"] == 1
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "widget_v1.json").write_text(json.dumps({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}))
    checked = subprocess.run([*command, "--schema-dir", str(tmp_path / "schemas")], capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
    report = json.loads(checked.stdout)
    assert report["summary"]["custom_resources_skipped"] == 0
    assert [f["rule"] for f in report["findings"]] == ["schema"]
    missing = subprocess.run([*command, "--schema-dir", str(tmp_path / "nope")], capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
    assert missing.returncode == 2


# Branches of oneOf/not keep only the checks JSON Schema means the same way (no formats): a
# oneOf whose branches were loosened could match twice, and a loosened `not` refuses too much.
JUNCTORS = crd("Listener", """{
  address: {type: object, properties: {type: {type: string}, value: {type: string}},
            oneOf: [{properties: {type: {enum: [IPAddress]}, value: {anyOf: [{format: ipv4}, {format: ipv6}]}}},
                    {properties: {type: {not: {enum: [IPAddress]}}}}]},
  host: {type: string, oneOf: [{format: ipv4}, {format: hostname}]},
  name: {type: string, not: {enum: [forbidden]}},
  alias: {type: string, not: {format: ipv4}},
  mode: {type: string, oneOf: [{enum: [a, b]}, {enum: [b, c]}]}}""")


@pytest.mark.parametrize(("spec", "refused"), [
    ("{address: {type: IPAddress, value: 1.1.1.1}}", False),  # Gateway API's addresses
    ("{address: {type: Hostname, value: gw.example.com}}", False),
    ("{host: 10.0.0.1}", False),
    ("{alias: not-an-address}", False),
    ("{name: forbidden}", True),  # an exact `not` is still checked
    ("{mode: b}", True),  # and an exact oneOf: b matches both branches
    ("{mode: a}", False),
], ids=["oneOf-with-formats", "oneOf-not", "oneOf-formats-only", "not-format", "not-enum", "oneOf-twice", "oneOf-once"])
def test_junctors_of_a_crd_refuse_only_what_the_api_server_refuses(tmp_path: Path, spec: str, refused: bool) -> None:
    listener = f"apiVersion: example.com/v1\nkind: Listener\nmetadata: {{name: l}}\nspec: {spec}\n"
    findings, _ = run(tmp_path, {"crd.yaml": JUNCTORS, "listener.yaml": listener})
    assert [(f.rule, f.span.line) for f in findings] == ([("schema", 4)] if refused else [])


LISTS = crd("Service2", """{
  ports: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [port, protocol],
          items: {type: object, required: [port], properties: {port: {type: integer},
                                                               protocol: {type: string, default: TCP}}}},
  tags: {type: array, x-kubernetes-list-type: set, items: {type: string}},
  plain: {type: array, items: {type: string}},
  byName: {type: object, additionalProperties: {type: array, x-kubernetes-list-type: set, items: {type: integer}}}}""")


@pytest.mark.parametrize(("spec", "duplicate"), [
    ("{ports: [{port: 80}, {port: 80, protocol: UDP}], tags: [a, b], plain: [a, a]}", None),
    ("{ports: [{port: 80}, {port: 80, protocol: TCP}]}", "spec.ports[1]"),  # the default is the key's value
    ("{tags: [a, b, a]}", "spec.tags[2]"),
    ("{byName: {web: [1, 2], db: [3, 3]}}", "spec.byName.db[1]"),
], ids=["distinct", "map-key-defaulted", "set", "set-under-additionalProperties"])
def test_set_and_map_lists_of_a_crd_refuse_a_duplicate(tmp_path: Path, spec: str, duplicate: str | None) -> None:
    resource = f"apiVersion: example.com/v1\nkind: Service2\nmetadata: {{name: s}}\nspec: {spec}\n"
    findings, _ = run(tmp_path, {"crd.yaml": LISTS, "resource.yaml": resource})
    assert [(f.rule, f.path) for f in findings] == ([("schema", duplicate)] if duplicate else [])
    if duplicate:
        assert f"{duplicate}: Duplicate value: " in findings[0].message


def test_a_patch_may_repeat_a_set_item(tmp_path: Path) -> None:
    # A patch is a part of an object, merged with its base before the API server sees it.
    resource = "apiVersion: example.com/v1\nkind: Service2\nmetadata: {name: s}\nspec: {tags: [a, a]}\n"
    findings, _ = run(tmp_path, {"crd.yaml": LISTS, "tags-patch.yaml": resource})
    assert findings == []


def test_kustomize_patch_may_leave_required_fields_out(tmp_path: Path) -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  paused: 1\n"
    (tmp_path / "kustomization.yaml").write_text("resources: [base.yaml]\npatches:\n  - path: scale.yaml\n")
    findings, _ = run(tmp_path, {"scale.yaml": patch})
    assert [(f.rule, f.path) for f in findings] == [("schema", "spec.paused")]  # types are still checked
    as_manifest = {f.message for f in lint(patch)}  # the same object where it is not a patch
    assert "spec: missing required field `selector`" in as_manifest


# --- reference validator and the corpus -----------------------------------------------------

@functools.cache
def corpus_objects() -> list[K8sObject]:
    objects: list[K8sObject] = []
    for item in expand([str(CORPUS)]):
        if isinstance(item, Source):
            for document in parse_bytes(item.read(), item.name).documents:
                objects.extend(objects_of(document))
    return objects


FORMAT_CHECKER = jsonschema.FormatChecker()
for _name, _check in FORMATS.items():
    FORMAT_CHECKER.checks(_name)(_check)

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")


@needs_corpus
def test_jsonschema_rs_agrees_with_python_jsonschema_on_the_corpus() -> None:
    """The hot-path validator and the reference implementation accept and reject the same objects."""
    store = shipped()
    version = SUPPORTED[-1]
    references: dict[str, Any] = {}
    checked = disagreements = 0
    for obj in corpus_objects():
        compiled = store.compiled(version, obj.api_version, obj.kind)
        if compiled is None:
            continue
        digest = store.kinds(version)[obj.api_version][obj.kind]
        if digest not in references:
            with gzip.open(store.folder / "kinds" / f"{digest}.json.gz") as stream:
                schema = json.load(stream)
            references[digest] = jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
        checked += 1
        expected = references[digest].is_valid(obj.data)
        disagreements += compiled.validator.is_valid(obj.data) != expected
    assert checked > 1000
    assert disagreements == 0


@needs_corpus
def test_every_built_in_object_of_the_corpus_is_checked() -> None:
    validator = SchemaValidator(SUPPORTED[-1])
    objects = corpus_objects()
    for obj in objects:
        validator.learn(obj)
    builtin = [obj for obj in objects if obj.group in validator.builtin_groups]
    assert len(builtin) > 1000
    assert all(validator.check(obj) is not None for obj in builtin)


# Every schema and unknown-field finding on the corpus, reviewed one by one: each is a real
# problem the API server would reject (file, line, rule; why in the comment).
REVIEWED_CORPUS_FINDINGS = {
    # A placeholder replaced by sed before applying: as written, not a quantity / integer.
    ("gke-samples/ai-ml/gke-slurm/autopilot/pv-pvc.yaml", 23, "schema"),
    ("gke-samples/ai-ml/gke-slurm/autopilot/pv-pvc.yaml", 40, "schema"),
    ("gke-samples/networking/sctp/sctp-deployment.yaml", 33, "schema"),
    ("gke-samples/networking/sctp/sctp-deployment.yaml", 45, "schema"),
    ("gke-samples/networking/sctp/sctp-deployment.yaml", 46, "schema"),  # "PORT": not a valid port name either
    ("k8s-examples/_archived/volumes/fibre_channel/fc.yaml", 17, "schema"),
    # caBundle "CRT" is not base64 (the field is bytes).
    ("gke-samples/databases/redis-enterprise-operator/manifests/01-basic-cluster/webhook.yaml", 40, "schema"),
    # The sample InferenceModel does not match the CRD shipped beside it (manifests.yaml): the CRD
    # requires modelName and poolRef and has no modelSource or resources.
    *{(f"gke-samples/ai-ml/infw-gw/examples/getting-started/{name}", line, rule)
      for name in ("inference-model.yaml", "inference-model-variables.yaml")
      for line, rule in ((23, "schema"), (24, "unknown-field"), (28, "unknown-field"))},
    # Lower-case protocol "tcp": the API server accepts only SCTP, TCP, UDP.
    ("k8s-examples/_archived/volumes/aws_ebs/aws-ebs-web.yaml", 12, "schema"),
    ("k8s-examples/_archived/volumes/cinder/cinder-web.yaml", 12, "schema"),
    # Fields that the volume sources do not have (StorageClass parameters, a typo, a PV-only field).
    ("k8s-examples/_archived/volumes/rbd/rbd.yaml", 25, "unknown-field"),
    ("k8s-examples/_archived/volumes/rbd/rbd.yaml", 26, "unknown-field"),
    ("k8s-examples/_archived/volumes/scaleio/pod.yaml", 17, "unknown-field"),
    ("k8s-examples/_archived/volumes/storageos/storageos-pod.yaml", 35, "unknown-field"),
    ("k8s-examples/_archived/volumes/storageos/storageos-pv.yaml", 22, "unknown-field"),
    # Checked against the bundled CRD catalogue (no CRD in the run):
    # ManagedCertificate domains left as placeholders that sed replaces ("DOMAIN_NAME"): the
    # CRD's pattern (a lower-case DNS name) rejects them as written.
    ("gke-samples/autopilot/networking-tutorial/kubernetes-manifests.yaml", 23, "schema"),
    ("gke-samples/autopilot/networking-tutorial/kubernetes-manifests.yaml", 24, "schema"),
    ("gke-samples/batch/airflow/ingress.yaml", 35, "schema"),
    ("gke-samples/observability/elastic-stack-tutorial/ingress.yaml", 35, "schema"),
    # A RayCluster's pod template nodeSelector value 8 unquoted: a number where the pod spec
    # (map of strings) needs a string; the API server refuses it.
    ("gke-samples/ai-ml/verl-on-gke/ray-cluster-auto.yaml", 104, "schema"),
}


@needs_corpus
def test_schema_findings_on_the_corpus_are_the_reviewed_ones() -> None:
    run_result = lint_sources(expand([str(CORPUS)]), Linter())
    assert not run_result.internal_error
    found = {(str(Path(f.file).relative_to(CORPUS)), f.span.line, f.rule) for f in run_result.findings
             if f.rule in ("schema", "unknown-field")}
    assert found == REVIEWED_CORPUS_FINDINGS
    assert run_result.summary.custom_skipped > 0


def test_parse_text_scalar_text_is_the_source_spelling() -> None:
    document = parse_text("a: {b: 1.10, c: yes}\n", "x.yaml").documents[0]
    assert document.scalar_text(("a", "b")) == "1.10"
    assert document.scalar_text(("a", "c")) == "yes"
    assert document.scalar_text(("a",)) is None
    assert document.scalar_text(("a", "missing")) is None


def test_schema_dirs_from_the_configuration(tmp_path: Path) -> None:
    from podlint.app.config import ConfigError, settle

    (tmp_path / "crds").mkdir()
    (tmp_path / ".podlint.yaml").write_text("schema-dirs: [crds]\n")
    settings = settle(tmp_path / ".podlint.yaml", schema_dirs=[tmp_path])
    assert settings.options.schema_dirs == (tmp_path / "crds", tmp_path)
    (tmp_path / ".podlint.yaml").write_text("schema-dirs: [crds, missing]\n")
    with pytest.raises(ConfigError, match=r"\.podlint\.yaml:1:21: .*missing is not a folder"):
        settle(tmp_path / ".podlint.yaml")
