"""Repairs computed on demand (podlint.edit.repairs): each edit leaves the finding gone and the rest as it was."""

from __future__ import annotations

import pytest

from podlint.edit.edits import apply
from podlint.edit.repairs import parse_path, repairs
from podlint.engine import Linter
from podlint.findings import Finding

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web  # the front end
spec:
  containers:
    - name: web
      image: nginx:1.27.3
{resources}  # end
"""


def lint(text: str) -> list[Finding]:
    return Linter().lint_text(text, "pod.yaml").findings


def repaired(text: str, rule: str, options: dict[str, object] | None = None, choice: int = 0) -> str:
    [finding] = [f for f in lint(text) if f.rule == rule]
    fixes = repairs(text, "pod.yaml", finding, options or {})
    assert fixes, f"no repair of {rule}"
    return apply(text, fixes[choice].edits)


@pytest.mark.parametrize(("resources", "expected"), [
    ("", "      image: nginx:1.27.3\n      resources:\n        requests:\n          cpu: 100m\n"
         "          memory: 128Mi\n        limits:\n          cpu: 500m\n          memory: 256Mi\n  # end\n"),
    ("      resources:\n        requests: {cpu: 250m}\n",
     "        requests: {cpu: 250m}\n        limits:\n          cpu: 250m\n          memory: 256Mi\n"),
    ("      resources:\n        limits: {cpu: 1}\n", "        limits: {cpu: 1, memory: 256Mi}\n"),
    ("      resources:\n        limits:\n          cpu: 1\n",
     "        limits:\n          cpu: 1\n          memory: 256Mi\n"),
])
def test_limits_are_added_in_the_layout_found(resources: str, expected: str) -> None:
    text = POD.format(resources=resources)
    fixed = repaired(text, "missing-resource-limits")
    assert expected in fixed
    assert [f.rule for f in lint(fixed)] == []
    assert "name: web  # the front end" in fixed


def test_the_configured_default_is_used() -> None:
    text = POD.format(resources="")
    fixed = repaired(text, "missing-resource-limits", {"require": ["memory"], "fix-default": {
        "requests": {"memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}}})
    assert "      resources:\n        requests:\n          memory: 1Gi\n        limits:\n          memory: 1Gi\n" in (
        fixed)


def test_flow_and_json_containers() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: 'nginx:1'}]\n"
    fixed = repaired(text, "missing-resource-limits")
    assert ("[{name: a, image: 'nginx:1', resources: {requests: {cpu: 100m, memory: 128Mi}, "
            "limits: {cpu: 500m, memory: 256Mi}}}]") in fixed
    text = ('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": '
            '[{"name": "a", "image": "nginx:1"}]}}')
    fixed = repaired(text, "missing-resource-limits")
    assert '"image": "nginx:1", "resources": {"requests": {"cpu": "100m"' in fixed


def test_a_latest_image_gets_the_tag_used_elsewhere_or_a_pull_policy() -> None:
    text = POD.format(resources="      resources: {limits: {cpu: 1, memory: 1Gi}}\n").replace(
        "image: nginx:1.27.3", "image: nginx:latest") + "---\n" + POD.format(
        resources="      resources: {limits: {cpu: 1, memory: 1Gi}}\n")
    [finding] = [f for f in lint(text) if f.rule == "image-latest-tag"]
    fixes = repairs(text, "pod.yaml", finding, {})
    assert [fix.description for fix in fixes] == [
        "Pin nginx:1.27.3 (the tag this file uses elsewhere)",
        "Set imagePullPolicy: IfNotPresent (not pulled on every start)"]
    assert not [f for f in lint(apply(text, fixes[0].edits)) if f.rule == "image-latest-tag"]
    policy = apply(text, fixes[1].edits)
    assert "      image: nginx:latest\n      imagePullPolicy: IfNotPresent\n" in policy


def test_the_second_document_is_the_one_edited() -> None:
    one = POD.format(resources="      resources: {limits: {cpu: 1, memory: 1Gi}}\n")
    text = one + "---\n" + POD.format(resources="")
    fixed = repaired(text, "missing-resource-limits")
    assert fixed.startswith(one) and not lint(fixed)


def test_parse_path() -> None:
    assert parse_path("spec.template.spec.initContainers[2].image") == (
        "spec", "template", "spec", "initContainers", 2, "image")
    assert parse_path("items[1].spec") == ("items", 1, "spec")


SIDECAR = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
{init}
  containers:
    - {name: app, image: "nginx:1.27.3", resources: {limits: {cpu: 1, memory: 1Gi}}}
"""


@pytest.mark.parametrize(("init", "expected"), [
    ("    - name: proxy\n      image: envoy:1\n      livenessProbe: {tcpSocket: {port: 1}}\n"
     "      resources: {limits: {cpu: 1, memory: 1Gi}}",
     "      image: envoy:1\n      restartPolicy: Always\n      livenessProbe:"),
    ("    - {name: proxy, image: 'envoy:1', startupProbe: {tcpSocket: {port: 1}}, resources: {limits: {cpu: 1, "
     "memory: 1Gi}}}", "image: 'envoy:1', restartPolicy: Always, startupProbe"),
    ("    - name: proxy\n      image: envoy:1\n      restartPolicy: Never\n      lifecycle: {preStop: {sleep: "
     "{seconds: 1}}}\n      resources: {limits: {cpu: 1, memory: 1Gi}}", "      restartPolicy: Always\n"),
])
def test_an_init_container_with_probes_becomes_a_native_sidecar(init: str, expected: str) -> None:
    text = SIDECAR.replace("{init}", init)
    fixed = repaired(text, "init-container-probe")
    assert expected in fixed
    assert [f.rule for f in lint(fixed)] == []


DUPLICATES = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
    - {name: app, image: "busybox:1.36", command: ["true"], resources: {limits: {cpu: 1, memory: 1Gi}}}
  containers:
    - {name: app-init, image: "nginx:1.27.3", resources: {limits: {cpu: 1, memory: 1Gi}}}
    - {name: app, image: "nginx:1.27.3", resources: {limits: {cpu: 1, memory: 1Gi}}}
"""


def test_a_duplicate_container_gets_a_name_no_other_container_has() -> None:
    # containers come first in the API server's order: the init container is the duplicate; app-init is taken
    fixed = repaired(DUPLICATES, "duplicate-container-name")
    assert fixed == DUPLICATES.replace("{name: app, image: \"busybox", "{name: app-2, image: \"busybox")
    assert [f.rule for f in lint(fixed)] == []
    text = DUPLICATES.replace("name: app-init", "name: other")
    assert "{name: app-init, image: \"busybox" in repaired(text, "duplicate-container-name")
    text = text.replace("{name: app, image: \"busybox", "{name: setup, image: \"busybox").replace(
        "name: other", "name: app")  # two app containers: the second gets `-2`
    fixed = repaired(text, "duplicate-container-name")
    assert "- {name: app, image" in fixed and "- {name: app-2, image" in fixed


WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector:
    matchLabels: {app: web, tier: front}
  template:
{template}
    spec:
      containers:
        - {name: web, image: "nginx:1.27.3", resources: {limits: {cpu: 1, memory: 1Gi}}}
"""


@pytest.mark.parametrize(("template", "expected"), [
    ("    metadata:\n      labels:\n        app: web", "      labels:\n        app: web\n        tier: front\n"),
    ("    metadata:\n      labels: {app: web, tier: back}", "      labels: {app: web, tier: front}\n"),
    ("    metadata:\n      annotations: {a: b}", "      annotations: {a: b}\n      labels:\n        app: web\n"
                                                  "        tier: front\n"),
    ("    metadata: {}", "    metadata: {labels: {app: web, tier: front}}\n"),
    (None, "1Gi}}}\n    metadata:\n      labels:\n        app: web\n        tier: front\n"),  # no metadata
])
def test_the_template_gets_the_selectors_labels(template: str | None, expected: str) -> None:
    text = WORKLOAD.replace("{template}\n" if template is None else "{template}", template or "")
    fixed = repaired(text, "selector-mismatch")
    assert expected in fixed
    assert [f.rule for f in lint(fixed)] == []
    assert "matchLabels: {app: web, tier: front}" in fixed  # never the selector


def test_a_selector_that_no_single_change_satisfies_gets_no_repair() -> None:
    text = WORKLOAD.replace("{template}", "    metadata:\n      labels: {app: api}")  # one wrong, one missing
    [finding] = [f for f in lint(text) if f.rule == "selector-mismatch"]
    assert repairs(text, "pod.yaml", finding, {}) == []
    text = WORKLOAD.replace("matchLabels: {app: web, tier: front}",
                            "matchLabels: {app: web}\n    matchExpressions: [{key: tier, operator: Exists}]").replace(
        "{template}", "    metadata:\n      labels: {role: x}")
    [finding] = [f for f in lint(text) if f.rule == "selector-mismatch"]
    assert repairs(text, "pod.yaml", finding, {}) == []
