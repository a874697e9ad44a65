"""SARIF as code scanning reads it: valid against the official schema, the same findings as JSON,
rule metadata from the catalogue, repository-relative URIs and fingerprints that survive edits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from podlint.app.config import settle
from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.findings import Edit, Finding, Fix, Severity, Span
from podlint.report import Report, Summary, formatter
from podlint.rules.catalogue import load_catalogue
from podlint.sources.files import expand
from tests.conftest import CORPUS, ROOT, TESTS

# The official schema, vendored (tests/data/SOURCE.md): a clone needs no ../shared.
SCHEMA = json.loads((TESTS / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
LEVELS = {"error": "error", "warning": "warning", "info": "note"}

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
        - name: sidecar
          image: envoy:1.30
          resources:
            limits: {cpu: 100m, memory: 64Mi}
"""
LIST = """apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: one}
    spec:
      containers:
        - {name: a, image: "redis:7", resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: 2}}}
"""
BROKEN = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n"
TEMPLATE = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n"


def validate(log: Any) -> None:
    """Against the official schema, with its `uri` and `uri-reference` formats checked."""
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, error.path))}: {error.message}" for error in validator.iter_errors(log)]
    assert errors == []


def podlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podlint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60)


def git_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def sarif_of(paths: list[str], root: Path, exit_code: int = 1) -> dict[str, Any]:
    run = lint_sources(expand(paths), Linter())
    report = Report(run.findings, run.summary, exit_code, root=root)
    log: dict[str, Any] = json.loads(formatter("sarif")(report, False))
    return log


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A repository with manifests in a subfolder: good, bad, broken, a List, a template, a spaced name."""
    root = git_repo(tmp_path / "repo")
    k8s = root / "deploy" / "k8s"
    k8s.mkdir(parents=True)
    (k8s / "web.yaml").write_text(DEPLOYMENT)
    (k8s / "list.yaml").write_text(LIST)
    (k8s / "broken.yaml").write_text(BROKEN)
    (k8s / "chart template.yaml").write_text(TEMPLATE)
    (root / "tools").mkdir()
    return root


def test_valid_against_the_official_schema_and_the_same_findings_as_json(repo: Path) -> None:
    # Run from a subfolder of the repository, naming the files relatively: URIs must still be
    # relative to the repository root, as code scanning expects.
    result = podlint("lint", "-f", "json=../out.json", "-f", "sarif=../out.sarif", "../deploy", cwd=repo / "tools")
    assert result.returncode == 2, result.stderr  # the broken file
    log = json.loads((repo / "out.sarif").read_text())
    validate(log)
    [run] = log["runs"]
    findings = json.loads((repo / "out.json").read_text())["findings"]
    assert {f["rule"] for f in findings} >= {"parse-error", "image-latest-tag", "missing-resource-limits",
                                             "requests-exceed-limits", "unrendered-template"}

    def from_json(f: dict[str, Any]) -> tuple[Any, ...]:
        return (f["rule"], LEVELS[f["severity"]], f["message"], (repo / "tools" / f["file"]).resolve(),
                f["line"], f["column"], f["end_line"], f["end_column"], f["kind"], f["name"], f["namespace"],
                f["path"])

    def from_sarif(r: dict[str, Any]) -> tuple[Any, ...]:
        physical = r["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        props = r.get("properties", {})
        return (r["ruleId"], r["level"], r["message"]["text"], repo / unquote(physical["artifactLocation"]["uri"]),
                region["startLine"], region["startColumn"], region["endLine"], region["endColumn"],
                props.get("kind", ""), props.get("name", ""), props.get("namespace", ""), props.get("path", ""))

    assert [from_sarif(r) for r in run["results"]] == [from_json(f) for f in findings]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"deploy/k8s/web.yaml", "deploy/k8s/list.yaml", "deploy/k8s/broken.yaml",
                    "deploy/k8s/chart%20template.yaml"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 2,
                                   "exitCodeDescription": "an input could not be read or parsed, or a rule failed"}]


def test_rules_come_from_the_catalogue_and_results_point_at_them(repo: Path) -> None:
    log = sarif_of([str(repo / "deploy")], repo)
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("podlint", __import__("podlint").__version__)
    assert driver["informationUri"].startswith("https://")
    catalogue = load_catalogue()
    assert [rule["id"] for rule in driver["rules"]] == list(catalogue)
    for descriptor in driver["rules"]:
        rule = catalogue[descriptor["id"]]
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.why
        assert rule.fix in descriptor["help"]["text"] and rule.fix in descriptor["help"]["markdown"]
        assert descriptor["helpUri"] == rule.help_uri
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule.severity.label]
        assert descriptor["name"][0].isupper() and "-" not in descriptor["name"]
    for result in log["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_fingerprints_do_not_move_with_lines_above(tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT + "---\n" + DEPLOYMENT.replace("name: web\n  namespace", "name: api\n  namespace"))

    def fingerprinted() -> dict[str, tuple[str, int]]:
        results = sarif_of([str(manifest)], tmp_path)["runs"][0]["results"]
        return {r["partialFingerprints"]["podlint/v1"]: (r["ruleId"], r["locations"][0]["physicalLocation"]
                                                         ["region"]["startLine"]) for r in results}

    before = fingerprinted()
    assert len(before) == 4  # two findings in each of two objects, each its own fingerprint
    unrelated = "# deploy with care\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n---\n"
    manifest.write_text(unrelated + manifest.read_text())
    after = fingerprinted()
    assert after.keys() == before.keys()
    assert all(after[key][1] == before[key][1] + 6 for key in before)  # the findings did move

    manifest.write_text(manifest.read_text().replace("image: nginx\n", "image: httpd\n", 1))
    changed = fingerprinted()
    assert len(changed.keys() & before.keys()) == 3  # a different finding is a different alert


def test_identical_objects_get_distinct_fingerprints(tmp_path: Path) -> None:
    (tmp_path / "twice.yaml").write_text(DEPLOYMENT + "---\n" + DEPLOYMENT)
    results = sarif_of([str(tmp_path / "twice.yaml")], tmp_path)["runs"][0]["results"]
    prints = [r["partialFingerprints"]["podlint/v1"] for r in results]
    assert len(prints) == 4 and len(set(prints)) == 4
    assert {p.rsplit(":", 1)[1] for p in prints} == {"1", "2"}


def test_files_outside_the_root_and_stdin_get_valid_uris(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "web.yaml").write_text(DEPLOYMENT)
    root = git_repo(tmp_path / "repo")
    result = podlint("lint", "-f", "sarif", str(elsewhere / "web.yaml"), cwd=root)
    log = json.loads(result.stdout)
    validate(log)
    locations = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0]
                 ["physicalLocation"]["artifactLocation"].get("uriBaseId") for r in log["runs"][0]["results"]}
    assert locations == {(elsewhere / "web.yaml").as_uri(): None}
    piped = subprocess.run([sys.executable, "-m", "podlint", "lint", "-f", "sarif", "-"], input=DEPLOYMENT,
                           capture_output=True, text=True, cwd=root, timeout=60)
    log = json.loads(piped.stdout)
    validate(log)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]} == {"%3Cstdin%3E"}


def test_the_invocation_records_the_exit_code(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(DEPLOYMENT)
    for fail_on, code in (("warning", 1), ("never", 0)):
        result = podlint("lint", "-f", "sarif", "--fail-on", fail_on, "web.yaml", cwd=tmp_path)
        assert result.returncode == code
        [invocation] = json.loads(result.stdout)["runs"][0]["invocations"]
        assert (invocation["exitCode"], invocation["executionSuccessful"]) == (code, True)


def test_a_crashed_rule_is_an_unsuccessful_execution() -> None:
    crash = Finding("internal-error", Severity.ERROR, "rule x failed", "a.yaml", Span.point(1, 1))
    log = json.loads(formatter("sarif")(Report([crash], Summary(), 2, root=ROOT), False))
    validate(log)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_a_rule_missing_from_the_catalogue_is_still_described() -> None:
    stray = Finding("not-catalogued", Severity.WARNING, "odd", "a.yaml", Span.point(1, 1))
    log = json.loads(formatter("sarif")(Report([stray], Summary(), 1, root=ROOT), False))
    validate(log)
    result = log["runs"][0]["results"][0]
    assert log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "not-catalogued"


def test_fixes_become_sarif_replacements() -> None:
    edit = Edit(start=(6, 14), end=(6, 19), text="nginx:1.27.3")
    finding = Finding("image-latest-tag", Severity.WARNING, "no tag", "web.yaml", Span(7, 15, 7, 20),
                      fixable=True, fix=Fix("pin the tag", (edit,)))
    log = json.loads(formatter("sarif")(Report([finding], Summary(), 1, root=ROOT), False))
    validate(log)
    [fix] = log["runs"][0]["results"][0]["fixes"]
    assert fix["description"]["text"] == "pin the tag"
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "web.yaml", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [{"deletedRegion": {"startLine": 7, "startColumn": 15, "endLine": 7,
                                                         "endColumn": 20},
                                       "insertedContent": {"text": "nginx:1.27.3"}}]


# The SARIF objects podlint writes, by their place in the log: sarif-om's class for each, and
# the classes of the objects below it ([cls]: an array of them; {cls}: a map of them).
def _model() -> dict[type, dict[str, Any]]:
    import sarif_om as om

    return {
        om.SarifLog: {"runs": [om.Run]},
        om.Run: {"tool": om.Tool, "invocations": [om.Invocation], "originalUriBaseIds": {om.ArtifactLocation},
                 "results": [om.Result]},
        om.Tool: {"driver": om.ToolComponent},
        om.ToolComponent: {"rules": [om.ReportingDescriptor]},
        om.ReportingDescriptor: {"shortDescription": om.MultiformatMessageString,
                                 "fullDescription": om.MultiformatMessageString,
                                 "help": om.MultiformatMessageString,
                                 "defaultConfiguration": om.ReportingConfiguration},
        om.Result: {"message": om.Message, "locations": [om.Location], "fixes": [om.Fix]},
        om.Location: {"physicalLocation": om.PhysicalLocation, "logicalLocations": [om.LogicalLocation]},
        om.PhysicalLocation: {"artifactLocation": om.ArtifactLocation, "region": om.Region},
        om.Fix: {"description": om.Message, "artifactChanges": [om.ArtifactChange]},
        om.ArtifactChange: {"artifactLocation": om.ArtifactLocation, "replacements": [om.Replacement]},
        om.Replacement: {"deletedRegion": om.Region, "insertedContent": om.ArtifactContent},
    }


def follows_the_object_model(value: dict[str, Any], cls: type, model: dict[type, dict[str, Any]],
                             where: str = "log") -> list[str]:
    """Problems with a SARIF object against sarif-om's class for it: unknown properties, required
    ones missing, and defaults written out (all but `level`, which readers should not have to know)."""
    import attr

    fields = {field.metadata["schema_property_name"]: field for field in attr.fields(cls)}
    problems = [f"{where}: {cls.__name__} has no property {key!r}" for key in value if key not in fields]
    problems += [f"{where}: {cls.__name__} needs {key!r}" for key, field in fields.items()
                 if field.default is attr.NOTHING and key not in value]
    for key, item in value.items():
        field = fields.get(key)
        if field is not None and key != "level":
            factory = getattr(field.default, "factory", None)  # an attr.Factory default, e.g. a list
            default = factory() if callable(factory) else field.default
            if item == default:
                problems.append(f"{where}.{key}: the default {default!r} is written out")
        child = model.get(cls, {}).get(key)
        if isinstance(child, list):
            for number, element in enumerate(item):
                problems += follows_the_object_model(element, child[0], model, f"{where}.{key}[{number}]")
        elif isinstance(child, set):
            [element_cls] = child
            for name, element in item.items():
                problems += follows_the_object_model(element, element_cls, model, f"{where}.{key}.{name}")
        elif child is not None:
            problems += follows_the_object_model(item, child, model, f"{where}.{key}")
    return problems


def test_every_object_follows_sarif_oms_model(repo: Path) -> None:
    import sarif_om as om

    edit = Edit(start=(6, 14), end=(6, 19), text="nginx:1.27.3")
    fixable = Finding("image-latest-tag", Severity.WARNING, "no tag", "web.yaml", Span(7, 15, 7, 20),
                      kind="Deployment", name="web", namespace="shop", path="spec", fixable=True,
                      fix=Fix("pin the tag", (edit,)))
    logs = [sarif_of([str(repo)], repo), json.loads(formatter("sarif")(Report([fixable], Summary(), 1, root=ROOT),
                                                                          False))]
    for log in logs:
        assert follows_the_object_model(log, om.SarifLog, _model()) == []
    assert any("fixes" in result for result in logs[1]["runs"][0]["results"])  # the model check saw a fix
    # The check itself: it notices a misnamed property, a missing one and a default written out.
    broken = {"runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "ruleIndx": 1, "locations": [{"physicalLocation": {"region": {
            "byteOffset": -1}}}]}]}]}
    assert follows_the_object_model(broken, om.SarifLog, _model()) == [
        "log: SarifLog needs 'version'",
        "log.runs[0].results[0]: Result has no property 'ruleIndx'",
        "log.runs[0].results[0].locations[0].physicalLocation.region.byteOffset: the default -1 is written out",
    ]


def test_text_output_does_not_import_sarif_om(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(DEPLOYMENT)
    probe = ("import sys\nfrom podlint.app.cli import app\ntry:\n    app(['lint', '-q', 'web.yaml'])\n"
             "except SystemExit:\n    pass\nprint('sarif_om' in sys.modules, 'podlint.report.sarif' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.stdout.splitlines()[-1] == "False False", result.stderr


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")
def test_the_corpus_gives_valid_sarif() -> None:
    log = sarif_of([str(CORPUS)], CORPUS)
    validate(log)
    assert len(log["runs"][0]["results"]) > 100


def test_fingerprints_keep_their_recipe() -> None:
    """SHA-256 of what the finding is about, whichever module computes it: code scanning matches
    alerts between runs by these, so a change of recipe would reopen every alert."""
    import hashlib

    from podlint.report.fingerprints import fingerprints

    finding = Finding("image-latest-tag", Severity.WARNING, "image 'nginx' has no tag", "k8s/web.yaml",
                      Span.point(3, 4), path="spec.containers[0].image", kind="Pod", name="web", namespace="prod")
    identity = "\0".join(("image-latest-tag", "k8s/web.yaml", "Pod", "prod", "web", "spec.containers[0].image",
                          "image 'nginx' has no tag"))
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    assert fingerprints([finding, finding], ["k8s/web.yaml", "k8s/web.yaml"]) == [f"{digest}:1", f"{digest}:2"]


# Code scanning: security severities, tags, categories, GitHub's limits --------------------------------

# The scale the catalogue documents (README, Rules): a privileged container is the worst case.
SECURITY_SCALE = {"privileged-container": "9.0", "host-namespaces": "8.0", "added-capabilities": "7.5",
                  "host-path-volume": "7.5", "privilege-escalation": "6.0", "run-as-root": "5.5",
                  "writable-root-filesystem": "3.0", "cluster-admin-binding": "8.5", "rbac-secrets-read": "7.5",
                  "rbac-wildcard": "7.5", "rbac-pod-exec": "7.0", "secret-in-env": "7.0", "unsafe-proc-mount": "7.0",
                  "host-port": "5.0", "missing-seccomp-profile": "5.0", "no-network-policy": "5.0",
                  "capabilities-not-dropped": "4.5", "automount-service-account-token": "4.0",
                  "node-port-service": "4.0", "low-user-id": "3.5"}


def test_security_rules_carry_a_security_severity_and_the_others_a_problem_severity(repo: Path) -> None:
    rules = {rule["id"]: rule for rule in sarif_of([str(repo / "deploy")], repo)["runs"][0]["tool"]["driver"]["rules"]}
    scored = {rule_id: rule["properties"]["security-severity"] for rule_id, rule in rules.items()
              if "security-severity" in rule["properties"]}
    assert scored == SECURITY_SCALE
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert all(f"`{rule_id}` {score}" in readme for rule_id, score in SECURITY_SCALE.items())  # the scale documented
    for rule_id, rule in rules.items():
        properties = rule["properties"]
        if rule_id in SECURITY_SCALE:
            assert "security" in properties["tags"] and 0.0 < float(properties["security-severity"]) <= 10.0
            assert any(tag.startswith("external/cwe/cwe-") for tag in properties["tags"])
            assert "problem.severity" not in properties
        else:
            assert "security" not in properties["tags"]
            assert properties["problem.severity"] in ("error", "warning", "recommendation")
    assert "reliability" in rules["selector-mismatch"]["properties"]["tags"]
    assert "external/cwe/cwe-770" in rules["missing-resource-limits"]["properties"]["tags"]


def test_the_category_becomes_automation_details(repo: Path) -> None:
    (repo / ".podlint.yaml").write_text("sarif-category: k8s/prod\n")
    podlint("lint", "-f", "sarif=out.sarif", "deploy", cwd=repo)
    log = json.loads((repo / "out.sarif").read_text())
    validate(log)
    assert log["runs"][0]["automationDetails"] == {"id": "k8s/prod/"}  # all of it is the category
    podlint("lint", "-f", "sarif=out.sarif", "--sarif-category", "podlint", "deploy", cwd=repo)
    assert json.loads((repo / "out.sarif").read_text())["runs"][0]["automationDetails"] == {"id": "podlint/"}
    (repo / ".podlint.yaml").unlink()
    podlint("lint", "-f", "sarif=out.sarif", "deploy", cwd=repo)
    assert "automationDetails" not in json.loads((repo / "out.sarif").read_text())["runs"][0]  # upload-sarif's own


def check_github_limits(log: dict[str, Any]) -> list[str]:
    """What GitHub code scanning documents as its limits ("SARIF support for code scanning")."""
    problems = []
    if len(log["runs"]) > 20:
        problems.append("more than 20 runs")
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        if len(run["results"]) > 25_000 or len(rules) > 25_000:
            problems.append("more than 25,000 results or rules in a run")
        for rule in rules:
            if len(rule["properties"].get("tags", [])) > 10:
                problems.append(f"{rule['id']}: more than 10 tags")
            if len(rule.get("name", "")) > 255:
                problems.append(f"{rule['id']}: name over 255 characters")
            for key in ("shortDescription", "fullDescription"):
                if len(rule[key]["text"]) > 1024:
                    problems.append(f"{rule['id']}: {key} over 1024 characters")
            score = rule["properties"].get("security-severity")
            if score is not None and not (isinstance(score, str) and 0.0 < float(score) <= 10.0):
                problems.append(f"{rule['id']}: security-severity {score!r}")
        for result in run["results"]:
            if len(result["locations"]) > 10 or len(result.get("relatedLocations", [])) > 1000:
                problems.append("too many locations in a result")
    return problems


def test_within_githubs_documented_limits(tmp_path: Path) -> None:
    (tmp_path / ".podlint.yaml").write_text(
        "custom-rules:\n  - id: long-docs\n    message: m\n    expression: 'true'\n"
        f"    summary: {'s' * 2000}\n    why: {'w' * 5000}\n")
    linter = Linter(settle(tmp_path / ".podlint.yaml").options)
    findings = [Finding("image-latest-tag" if index % 3 else "privileged-container",
                        Severity.WARNING if index % 3 else Severity.ERROR, f"finding {index}", "a.yaml",
                        Span.point(index + 1, 1)) for index in range(25_010)]
    log = json.loads(formatter("sarif")(Report(findings, Summary(), 1, root=tmp_path, catalogue=linter.catalogue),
                                        False))
    assert check_github_limits(log) == []
    [run] = log["runs"]
    assert len(run["results"]) == 25_000
    # The most severe are kept: every error, then warnings; the notification says how many went.
    assert sum(result["level"] == "error" for result in run["results"]) == sum(
        f.severity is Severity.ERROR for f in findings)
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("10 of 25010 results left out")
    long_docs = next(rule for rule in run["tool"]["driver"]["rules"] if rule["id"] == "long-docs")
    assert long_docs["shortDescription"]["text"].endswith("…")
    # The check itself notices what it is for.
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"] = [str(n) for n in range(11)]
    broken["runs"][0]["tool"]["driver"]["rules"][1]["properties"]["security-severity"] = 9.0
    assert len(check_github_limits(broken)) == 2


def test_hostile_findings_give_valid_escaped_sarif() -> None:
    evil = "evil\n::error::x\x1b]52;c;Zm9v\x07\u202e\x85"
    finding = Finding("invalid-object-name", Severity.ERROR, f"bad name {evil!s}", f"dir/{evil}.yaml",
                      Span.point(1, 1), kind="Pod", name=evil, namespace=evil)
    text = formatter("sarif")(Report([finding], Summary(), 1, root=ROOT), False)
    assert all(char.isprintable() for char in text.rstrip("\n"))
    log = json.loads(text)
    validate(log)
    [result] = log["runs"][0]["results"]
    assert result["message"]["text"].isprintable() and "\\x1b]52" in result["message"]["text"]
    assert result["properties"]["name"] == evil  # data stays exact
    assert result["locations"][0]["logicalLocations"][0]["name"].isprintable()
