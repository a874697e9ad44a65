"""The machinery behind the issue-12 rules: catalogue coverage, the cron grammar, the name
validators, and the run-level (cross-object) checks across files and folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podlint import checks
from podlint.app.run import lint_sources
from podlint.checks import RUN_CHECKS, Context, Problem
from podlint.engine import Linter
from podlint.model.cron import ScheduleError, check_schedule
from podlint.model.inventory import Inventory
from podlint.model.objects import K8sObject
from podlint.model.validation import dns1035_label, dns_label, dns_subdomain, label_value, port_name, qualified_name
from podlint.rules.catalogue import load_catalogue
from podlint.sources.files import Source
from tests.conftest import TESTS


def test_every_registered_rule_has_a_catalogue_entry_and_fixtures() -> None:
    catalogue = load_catalogue()
    for rule_id in sorted(checks.registered_ids()):
        assert rule_id in catalogue, f"{rule_id}: no rules/{rule_id}.yaml"
        folder = TESTS / "rules" / rule_id
        assert any(folder.glob("fail*.yaml")), f"{rule_id}: no failing fixture"
        assert any(folder.glob("pass*.yaml")), f"{rule_id}: no passing fixture"


@pytest.mark.parametrize("schedule", [
    "* * * * *", "*/5 * * * *", "0 3 * * 0", "0 0 1,15 * ?", "30 2 * jan-jun MON-FRI", "5/10 0 * * 6",
    "@daily", "@midnight", "@every 90s", "@every 1h30m", "0 0 29 2 *", "0-59/15 0-23 1-31 1-12 0-6",
])
def test_schedules_the_api_server_accepts(schedule: str) -> None:
    check_schedule(schedule)


@pytest.mark.parametrize(("schedule", "error"), [
    ("0 0 * * * *", "expected exactly 5 fields, found 6: [0 0 * * * *]"),
    ("0 3 * * 7", "end of range (7) above maximum (6): 7"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("* * * foo *", 'failed to parse int from foo'),
    ("@dayly", "unrecognized descriptor: @dayly"),
    ("@every 5 minutes", "failed to parse duration @every 5 minutes"),
    ("", "empty spec string"),
])
def test_schedules_the_api_server_rejects(schedule: str, error: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        check_schedule(schedule)
    assert str(raised.value).startswith(error)


def test_name_validators_follow_the_api_server() -> None:
    assert dns_label("web-1") == [] and dns_label("a" * 63) == []
    assert dns_label("a" * 64) == ["must be no more than 63 characters"]
    assert len(dns_label("Web.1")) == 1 and dns_subdomain("web.example-1") == []
    assert dns1035_label("web") == [] and dns1035_label("1web") != [] and dns_label("1web") == []
    assert qualified_name("example.com/name_1.x") == [] and qualified_name("a/b/c") != []
    assert qualified_name("/name") == ["prefix part must be non-empty"]
    assert label_value("") == [] and label_value("v1.0_beta") == [] and label_value("-x") != []
    assert port_name("http-metrics") == [] and port_name("http--x") == ["must not contain consecutive hyphens"]
    assert "must contain at least one letter (a-z)" in port_name("8080")


def _write(folder: Path, name: str, text: str) -> Source:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return Source(str(folder / name), folder / name)


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
          resources: {limits: {cpu: 500m, memory: 256Mi}}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: %s}
  ports: [{port: 80}]
"""


def test_cross_object_checks_see_the_other_files_of_a_folder(tmp_path: Path) -> None:
    app = tmp_path / "app"
    sources = [_write(app, "deployment.yaml", DEPLOYMENT), _write(app, "service.yaml", SERVICE % "webb")]
    run = lint_sources(sources, Linter())
    assert [(f.rule, Path(f.file).name, f.span.line) for f in run.findings] == [
        ("service-selects-nothing", "service.yaml", 5)]
    fixed = [_write(app, "service.yaml", SERVICE % "web")]
    assert lint_sources([sources[0], *fixed], Linter()).findings == []


def test_cross_object_checks_do_not_judge_across_folders(tmp_path: Path) -> None:
    # Another application's workloads say nothing about what this Service selects.
    sources = [_write(tmp_path / "one", "deployment.yaml", DEPLOYMENT),
               _write(tmp_path / "two", "service.yaml", SERVICE % "other")]
    assert lint_sources(sources, Linter()).findings == []


DENY_ALL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all%s}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"""


def test_coverage_rules_look_in_the_namespace_or_the_folders_above(tmp_path: Path) -> None:
    from podlint.engine import Options
    from podlint.rules.ruleset import RuleSetting

    def unselected(*sources: Source) -> list[str]:
        linter = Linter(Options(rules={"no-network-policy": RuleSetting(enabled=True)}))
        found = lint_sources(list(sources), linter).findings
        return [Path(f.file).parent.name for f in found if f.rule == "no-network-policy"]

    web = _write(tmp_path / "repo" / "k8s" / "apps", "deployment.yaml", DEPLOYMENT)
    # A default-deny policy of the folder above, or naming the workload's namespace anywhere, applies.
    assert unselected(web, _write(tmp_path / "repo" / "k8s", "policy.yaml", DENY_ALL % "")) == []
    named = DEPLOYMENT.replace("metadata: {name: web}", "metadata: {name: web, namespace: shop}")
    shop = _write(tmp_path / "repo" / "k8s" / "shop", "deployment.yaml", named)
    assert unselected(shop, _write(tmp_path / "policies", "policy.yaml", DENY_ALL % ", namespace: shop")) == []
    # Another application's namespace-less policy, in a folder beside this one, does not.
    assert unselected(web, _write(tmp_path / "other-app", "policy.yaml", DENY_ALL % "")) == ["apps"]
    assert unselected(shop, _write(tmp_path / "policies", "policy.yaml", DENY_ALL % ", namespace: other")) == [
        "shop"]


def test_disabled_run_checks_keep_no_objects() -> None:
    from podlint.engine import Options
    from podlint.rules.ruleset import RuleSetting

    linter = Linter(Options(rules={rule_id: RuleSetting(enabled=False) for rule_id in RUN_CHECKS}))
    assert linter.run_checks == []


def test_inventory_keeps_only_what_cross_checks_read(tmp_path: Path) -> None:
    from podlint.reading.parse import parse_text

    text = DEPLOYMENT + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {a: b}\n"
    inventory = Inventory()
    for document in parse_text(text, "x.yaml").documents:
        inventory.add(K8sObject(document, (), document.data), text.encode())
    assert [obj.kind for obj in inventory.objects] == ["Deployment"]
    assert inventory.defines("ConfigMap", "", "big") and not inventory.defines("ConfigMap", "", "small")


def test_a_crashing_run_check_is_an_internal_error_not_a_lost_run(tmp_path: Path) -> None:
    def broken(inventory: Inventory, ctx: Context) -> Iterator[tuple[K8sObject, Problem]]:
        raise RuntimeError("boom")
        yield  # pragma: no cover

    rule_id = "service-selects-nothing"
    original, RUN_CHECKS[rule_id] = RUN_CHECKS[rule_id], broken
    try:
        run = lint_sources([_write(tmp_path, "d.yaml", DEPLOYMENT)], Linter())
    finally:
        RUN_CHECKS[rule_id] = original
    assert [f.rule for f in run.findings] == ["internal-error"]
    assert f"rule {rule_id} failed" in run.findings[0].message and run.exit_code(None) == 2


ODD_VALUES: list[object] = [None, 0, -1, 1.5, "", "x", "{{ x }}", [], {}, ["a"], {"a": 1}, True, [1, {"b": None}]]
# The rules of the issue-12 modules (older modules are covered by their own robustness tests).
NEW_MODULES = ("names", "labels", "ports", "volumes", "env", "probes", "lifecycle", "workloads", "jobs", "image_pulls",
               "deprecations", "quantities", "crossobject")


def _new_rule_ids() -> set[str]:
    tables = (checks.POD_CHECKS, checks.OBJECT_CHECKS, checks.RUN_CHECKS)
    return {rule_id for table in tables for rule_id, fn in table.items()
            if fn.__module__.rsplit(".", 1)[-1] in NEW_MODULES}


def test_new_rules_never_crash_on_values_of_the_wrong_type() -> None:
    """Every fixture, with fields replaced at random by values of other types: findings, never a crash."""
    import copy
    import random

    import yaml

    rng = random.Random(12)
    new_rules = _new_rule_ids()
    documents = [doc for rule_id in sorted(new_rules) for path in sorted((TESTS / "rules" / rule_id).glob("*.yaml"))
                 for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(doc, dict)]

    def paths(node: object, prefix: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
        if prefix:
            yield prefix
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in children:
            yield from paths(child, (*prefix, key))

    linter = Linter()
    for _ in range(1500):
        document = copy.deepcopy(rng.choice(documents))
        for _ in range(rng.randint(1, 3)):
            *parents, last = rng.choice(list(paths(document)))
            node: Any = document
            for part in parents:
                node = node[part]
            node[last] = copy.deepcopy(rng.choice(ODD_VALUES))
        text = yaml.dump(document, Dumper=yaml.CSafeDumper)
        findings = linter.lint_text(text, "mutated.yaml").findings  # a run of its own: cross checks too
        crashes = [f.message for f in findings if f.rule == "internal-error"
                   and any(f"rule {rule_id} failed" in f.message for rule_id in new_rules)]
        assert crashes == [], f"{crashes}\n{text}"


def test_cross_object_findings_point_into_the_fixed_file(tmp_path: Path) -> None:
    from podlint.edit.fix import FixingLinter, fix_sources

    daemonset = DEPLOYMENT.replace("kind: Deployment", "kind: DaemonSet").replace(
        "    spec:\n", "    spec:\n      hostNetwork: true\n")  # the fix inserts a dnsPolicy line here
    source = _write(tmp_path, "app.yaml", daemonset + "---\n" + SERVICE % "webb")
    fixed = fix_sources([source], FixingLinter(write=False))
    [change] = fixed.files
    assert change.fixed == {"host-network-dns-policy": 1}
    [finding] = [f for f in fixed.run.findings if f.rule == "service-selects-nothing"]
    assert change.after.splitlines()[finding.span.line - 1].strip() == "selector: {app: webb}"


def test_selector_with_malformed_values_does_not_crash() -> None:
    from podlint.checks.controllers import selector_matches

    selector = {"matchExpressions": [{"key": "app", "operator": "In", "values": 3}]}
    assert selector_matches(selector, {"app": "3"}) is False
