"""The command line as ruff and kube-linter users expect it (issue 21): --select / --ignore /
--extend-select, --exclude, --statistics, bare `podlint lint` (`.` with .gitignore), --show-source,
--color and FORCE_COLOR, did-you-mean, `rules --format json`, --output-format, --watch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from podlint.app.command import LintRequest, UsageError, use_colour
from podlint.app.config import ConfigError, settle
from podlint.app.watch import watch
from podlint.engine import Linter
from podlint.rules.catalogue import load_catalogue
from podlint.rules.select import SelectorError, resolve
from podlint.sources.files import expand
from podlint.sources.gitignore import Ignores, parse
from tests.conftest import ROOT

# Findings of four rules: image-latest-tag (runtime), shell-without-c (runtime, fixable), invalid-label
# (api-server), and in the strict profile privileged-container (hardening, security).
POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {"bad label": x}
spec:
  containers:
    - name: web
      image: nginx
      command: ["sh", "echo hi; exec nginx"]
      securityContext: {privileged: true}
      resources:
        limits: {cpu: 500m, memory: 256Mi}
"""
CLEAN = """apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
"""


def podlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "podlint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60, env={**environment, "PYTHONPATH": str(ROOT), **(env or {})})


def rules_of(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {finding["rule"] for finding in json.loads(result.stdout)["findings"]}


# The hardening (and security-tagged) rules the pod above breaks.
HARDENING = {"privileged-container", "privilege-escalation", "run-as-root", "writable-root-filesystem",
             "missing-seccomp-profile", "automount-service-account-token", "capabilities-not-dropped",
             "no-network-policy"}


@pytest.fixture
def pod(tmp_path: Path) -> Path:
    (tmp_path / "pod.yaml").write_text(POD)
    return tmp_path


# Selecting rules -----------------------------------------------------------------------------------

def test_default_rules(pod: Path) -> None:
    assert rules_of(podlint("lint", "-f", "json", ".", cwd=pod)) == {"image-latest-tag", "shell-without-c",
                                                                     "invalid-label"}


@pytest.mark.parametrize(("args", "expected"), [
    (["--select", "image-latest-tag"], {"image-latest-tag"}),
    (["--select", "image-latest-tag,invalid-label"], {"image-latest-tag", "invalid-label"}),
    (["--select", "image-latest-tag", "--select", "shell-without-c"], {"image-latest-tag", "shell-without-c"}),
    (["--select", "runtime"], {"image-latest-tag", "shell-without-c", "bare-pod"}),
    (["--select", "category:hardening"], HARDENING),
    (["--select", "security"], HARDENING),
    (["--select", "cwe-250"], {"privileged-container", "run-as-root", "capabilities-not-dropped"}),
    (["--select", "invalid"], {"invalid-label"}),  # a prefix, up to a dash
    (["--select", "image-*"], {"image-latest-tag"}),
    (["--ignore", "runtime"], {"invalid-label"}),
    (["--ignore", "image-latest-tag", "--extend-select", "privileged-container"],
     {"shell-without-c", "invalid-label", "privileged-container"}),
    (["--select", "ALL", "--ignore", "hardening,missing-probes"],
     {"image-latest-tag", "shell-without-c", "invalid-label", "bare-pod", "missing-ephemeral-storage",
      "missing-priority-class", "dns-ndots"}),
])
def test_select_ignore_extend_select(pod: Path, args: list[str], expected: set[str]) -> None:
    result = podlint("lint", "-f", "json", *args, ".", cwd=pod)
    assert result.returncode in (0, 1), result.stderr
    assert rules_of(result) == expected


def test_parse_errors_are_never_deselected(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: [unclosed\n")
    result = podlint("lint", "-f", "json", "--select", "image-latest-tag", "--ignore", "ALL", ".", cwd=tmp_path)
    assert rules_of(result) == {"parse-error"} and result.returncode == 2


def test_unknown_selectors_are_usage_errors_with_a_suggestion(pod: Path) -> None:
    result = podlint("lint", "--select", "image-latest-tagg", ".", cwd=pod)
    assert result.returncode == 2
    assert "--select: no rule 'image-latest-tagg'" in result.stderr
    assert "did you mean 'image-latest-tag'" in result.stderr
    result = podlint("lint", "--ignore", "hardning", ".", cwd=pod)
    assert result.returncode == 2 and "did you mean 'hardening'" in result.stderr
    (pod / ".podlint.yaml").write_text("select:\n  - runtime\n  - securty\n")
    result = podlint("lint", ".", cwd=pod)
    assert result.returncode == 2
    assert ".podlint.yaml:3:5: no rule 'securty'" in result.stderr and "did you mean 'security'" in result.stderr


def test_the_configuration_selects_and_the_command_line_wins(pod: Path) -> None:
    (pod / ".podlint.yaml").write_text("select: [hardening]\nextend-select: invalid-label\n"
                                       "ignore: [run-as-root]\nrules:\n  writable-root-filesystem: off\n")
    assert rules_of(podlint("lint", "-f", "json", ".", cwd=pod)) == (
        HARDENING - {"run-as-root", "writable-root-filesystem"}) | {"invalid-label"}
    # --select replaces the file's choice, settings included; --ignore removes from it.
    assert rules_of(podlint("lint", "-f", "json", "--select", "hardening", ".", cwd=pod)) == HARDENING
    assert rules_of(podlint("lint", "-f", "json", "--ignore", "invalid-label", ".", cwd=pod)) == (
        HARDENING - {"run-as-root", "writable-root-filesystem"})
    shown = podlint("config", "show", cwd=pod).stdout
    assert "select:\n- hardening\n" in shown and "ignore:\n- run-as-root\n" in shown


def test_selectors_resolve_against_the_catalogue() -> None:
    catalogue = load_catalogue()
    assert resolve("schema", catalogue) == {"schema"}  # a rule id wins over the category of that name
    assert resolve("category:schema", catalogue) == {"schema", "unknown-field", "deprecated-api-version",
                                                      "removed-api-version", "crd-validation-rule",
                                                      "unknown-custom-resource-version"}
    assert resolve("tag:reliability", catalogue) >= {"image-latest-tag", "selector-mismatch"}
    assert resolve("external/cwe/cwe-770", catalogue) == {"missing-resource-limits", "missing-resource-requests"}
    assert resolve("all", catalogue) == set(catalogue)
    with pytest.raises(SelectorError, match="no category 'hardenin'"):
        resolve("category:hardenin", catalogue)


def test_custom_rules_can_be_selected(tmp_path: Path) -> None:
    (tmp_path / ".podlint.yaml").write_text(
        "custom-rules:\n  - id: team-owner\n    message: needs an owner\n    expression: has(object.metadata.labels)\n")
    settings = settle(tmp_path / ".podlint.yaml", select=["custom"])
    rules = Linter(settings.options).ruleset.for_file("a.yaml").enabled
    assert "team-owner" in rules and "image-latest-tag" not in rules
    with pytest.raises(ConfigError, match=r"--extend-select: no rule 'team-ownr'.*did you mean 'team-owner'"):
        settle(tmp_path / ".podlint.yaml", extend_select=["team-ownr"])


def test_exclude_globs_add_to_the_configuration(pod: Path) -> None:
    (pod / "legacy").mkdir()
    (pod / "legacy" / "old.yaml").write_text(POD)
    (pod / "gen.generated.yaml").write_text(POD)
    (pod / ".podlint.yaml").write_text("exclude: ['*.generated.yaml']\n")
    files = {f["file"] for f in json.loads(podlint("lint", "-f", "json", ".", cwd=pod).stdout)["findings"]}
    assert files == {"pod.yaml", "legacy/old.yaml"}
    result = podlint("lint", "-f", "json", "--exclude", "legacy/*", ".", cwd=pod)
    assert {f["file"] for f in json.loads(result.stdout)["findings"]} == {"pod.yaml"}


def test_fix_with_select_still_needs_a_fixable_rule(pod: Path) -> None:
    result = podlint("lint", "--fix", "--select", "runtime", ".", cwd=pod)
    assert "fixed pod.yaml: shell-without-c" in result.stderr
    assert '"sh", "-c", "echo' in (pod / "pod.yaml").read_text()
    result = podlint("fix", "--select", "hardening", ".", cwd=pod)
    assert result.returncode == 2 and "--select: none of the selected rules has a safe fix" in result.stderr


# Statistics -------------------------------------------------------------------------------------------

def test_statistics_counts_per_rule_most_frequent_first(pod: Path) -> None:
    (pod / "two.yaml").write_text(POD.replace("name: web\n  labels", "name: two\n  labels"))
    result = podlint("lint", "--statistics", "--extend-select", "privileged-container", ".", cwd=pod)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:4]] == [
        ["2", "image-latest-tag"], ["2", "invalid-label"], ["2", "privileged-container"], ["2", "shell-without-c"]]
    fixable = next(line for line in lines if " shell-without-c " in line)
    assert "[*]" in fixable and "[*]" not in lines[0]
    assert lines[-2] == "[*] 2 findings fixable with `podlint fix`"
    assert lines[-1].startswith("2 files, 2 documents: 4 errors, 4 warnings")
    stats = json.loads(podlint("lint", "--statistics", "-f", "json", ".", cwd=pod).stdout)
    assert stats["statistics"][0] == {"rule": "image-latest-tag", "count": 2, "fixable": 0,
                                      "summary": load_catalogue()["image-latest-tag"].summary}
    assert "findings" not in stats and stats["summary"]["files"] == 2


# Bare `podlint lint`, .gitignore -------------------------------------------------------------------

def test_bare_lint_lints_the_current_folder_respecting_gitignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name in ("a/pod.yaml", "build/pod.yaml", "out.gen.yaml", "keep.gen.yaml", "a/b/deep/pod.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(POD)
    (tmp_path / ".gitignore").write_text("# generated\nbuild/\n*.gen.yaml\n!keep.gen.yaml\n")
    (tmp_path / "a" / ".gitignore").write_text("/b/\n")
    result = podlint("lint", "-f", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert {f["file"] for f in json.loads(result.stdout)["findings"]} == {"a/pod.yaml", "keep.gen.yaml"}
    # Named explicitly, an ignored folder or file is linted as asked.
    named = podlint("lint", "-f", "json", "build", "out.gen.yaml", cwd=tmp_path)
    assert {f["file"] for f in json.loads(named.stdout)["findings"]} == {"build/pod.yaml", "out.gen.yaml"}


def test_bare_lint_in_an_empty_folder(tmp_path: Path) -> None:
    result = podlint("lint", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "0 files, 0 documents: 0 errors, 0 warnings, 0 infos\n"


@pytest.mark.parametrize(("pattern", "path", "folder", "ignored"), [
    ("*.yaml", "a/b/x.yaml", False, True),
    ("/x.yaml", "x.yaml", False, True),
    ("/x.yaml", "a/x.yaml", False, False),
    ("a/x.yaml", "a/x.yaml", False, True),
    ("a/x.yaml", "b/a/x.yaml", False, False),  # an inner slash anchors
    ("build/", "build", True, True),
    ("build/", "build", False, False),  # folders only
    ("**/gen", "x/y/gen", True, True),
    ("**/gen", "gen", True, True),
    ("a/**/z.yaml", "a/z.yaml", False, True),
    ("a/**/z.yaml", "a/b/c/z.yaml", False, True),
    ("out/**", "out/x/y.yaml", False, True),
    ("x?.yaml", "x1.yaml", False, True),
    ("x[0-9].yaml", "x1.yaml", False, True),
    ("x[!0-9].yaml", "x1.yaml", False, False),
    ("\\#hash.yaml", "#hash.yaml", False, True),
    ("trailing.yaml   ", "trailing.yaml", False, True),
])
def test_gitignore_patterns(tmp_path: Path, pattern: str, path: str, folder: bool, ignored: bool) -> None:
    ignores = Ignores(((tmp_path, tuple(parse(pattern))),))
    assert ignores.ignored(tmp_path / path, folder) is ignored


def test_gitignore_negation_and_order(tmp_path: Path) -> None:
    ignores = Ignores(((tmp_path, tuple(parse("*.yaml\n!keep.yaml\n"))),
                       (tmp_path / "sub", tuple(parse("keep.yaml\n")))))
    assert ignores.ignored(tmp_path / "keep.yaml", False) is False
    assert ignores.ignored(tmp_path / "sub" / "keep.yaml", False) is True  # the deeper file wins
    assert ignores.ignored(tmp_path / "other.yaml", False) is True


def test_no_gitignore_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.yaml\n")
    (tmp_path / "pod.yaml").write_text(POD)
    assert [item.name for item in expand([str(tmp_path)])] == [str(tmp_path / "pod.yaml")]


# Source lines -----------------------------------------------------------------------------------------

def test_show_source_prints_the_line_and_a_caret(pod: Path) -> None:
    text = podlint("lint", "--show-source", "--select", "image-latest-tag", "pod.yaml", cwd=pod).stdout
    lines = text.splitlines()
    assert lines[0].startswith("pod.yaml:9:7: warning image-latest-tag")
    assert lines[1:5] == ["  |", "9 |       image: nginx", "  |       ^^^^^", ""]
    (pod / "cm.yaml").write_text('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n'
                                 '  labels: {日本: ok, "bad\tlabel": x}\n')
    lines = podlint("lint", "--show-source", "cm.yaml", cwd=pod).stdout.splitlines()
    # Wide characters take two cells, a tab is shown as \t: the carets stay under the span.
    assert lines[1:4] == ["  |", '5 |   labels: {日本: ok, "bad\\tlabel": x}', "  |            ^^^^"]
    assert lines[7:9] == ['5 |   labels: {日本: ok, "bad\\tlabel": x}', "  |                      ^^^^^^^^^^^^"]


def test_show_source_escapes_and_windows_long_lines(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {k: "
                                      + "v" * 2000 + "}}\n")
    text = podlint("lint", "--show-source", "cm.yaml", cwd=tmp_path).stdout
    source = next(line for line in text.splitlines() if line.startswith("3 | "))
    assert len(source) < 260 and source.endswith("…")


def test_show_source_from_the_configuration_and_off_again(pod: Path) -> None:
    (pod / ".podlint.yaml").write_text("show-source: true\n")
    assert "9 |       image: nginx" in podlint("lint", ".", cwd=pod).stdout
    assert " | " not in podlint("lint", "--no-show-source", ".", cwd=pod).stdout
    (pod / ".podlint.yaml").write_text("show-source: yes please\n")
    result = podlint("lint", ".", cwd=pod)
    assert result.returncode == 2 and ".podlint.yaml:1:14: expected true or false" in result.stderr


def test_show_source_of_standard_input_is_the_finding_alone(pod: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "podlint", "lint", "--show-source", "-"], input=POD, text=True,
                            capture_output=True, cwd=pod, timeout=60)
    assert " | " not in result.stdout and "<stdin>:9:7: warning image-latest-tag" in result.stdout


# Colour ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("choice", "env", "tty", "expected"), [
    (None, {}, True, True),
    (None, {}, False, False),
    (None, {"NO_COLOR": "1"}, True, False),
    (None, {"NO_COLOR": ""}, True, True),  # empty: not set (no-color.org)
    (None, {"FORCE_COLOR": "1"}, False, True),
    (None, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    (None, {"TERM": "dumb"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),  # the command line wins over the environment
    ("never", {"FORCE_COLOR": "1"}, True, False),
    ("auto", {}, True, True),
])
def test_colour(choice: str | None, env: dict[str, str], tty: bool, expected: bool) -> None:
    assert use_colour(choice, tty, env) is expected


def test_colour_in_ci_logs_and_a_mistyped_choice(pod: Path) -> None:
    assert "\x1b[33mwarning\x1b[0m" in podlint("lint", ".", cwd=pod, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in podlint("lint", ".", cwd=pod).stdout  # a pipe: no colour
    result = podlint("lint", "--color", "alwyas", ".", cwd=pod)
    assert result.returncode == 2 and "did you mean 'always'" in result.stderr
    with pytest.raises(UsageError):
        use_colour("sometimes", True, {})


# Did you mean, aliases, rules --format json ------------------------------------------------------------

@pytest.mark.parametrize(("args", "hint"), [
    (["lint", "--format", "jsn", "."], "did you mean 'json'"),
    (["lint", "--fail-on", "warn", "."], "did you mean 'warning'"),
    (["lint", "--profile", "strct", "."], "did you mean 'strict'"),
    (["lint", "--render", "nevr", "."], "did you mean 'never'"),
    (["lint", "--formt", "json", "."], "--format"),  # a mistyped option: typer suggests the right one
    (["lint", "--selct", "x", "."], "--select"),
    (["rules", "--format", "jsno"], "did you mean 'json'"),
])
def test_mistakes_get_a_suggestion(pod: Path, args: list[str], hint: str) -> None:
    result = podlint(*args, cwd=pod)
    assert result.returncode == 2
    assert hint in result.stderr + result.stdout


def test_output_format_is_format(pod: Path) -> None:
    result = podlint("lint", "--output-format", "json", ".", cwd=pod)
    assert json.loads(result.stdout)["summary"]["files"] == 1


def test_rules_as_json() -> None:
    result = podlint("rules", "--format", "json", cwd=ROOT)
    rules = {rule["id"]: rule for rule in json.loads(result.stdout)}
    assert set(rules) == set(load_catalogue())
    assert rules["shell-without-c"]["fixable"] is True and rules["shell-without-c"]["default"] is True
    assert rules["privileged-container"] | {"summary": "", "url": ""} == {
        "id": "privileged-container", "severity": "warning", "category": "hardening", "profile": "strict",
        "default": False, "fixable": False, "tags": ["security", "external/cwe/cwe-250"],
        "security_severity": 9.0, "cwe": [250], "summary": "", "url": ""}
    table = podlint("rules", cwd=ROOT).stdout.splitlines()
    assert table[0].split() == ["id", "severity", "category", "profile", "default", "fixable", "summary"]
    row = next(line for line in table if line.startswith("shell-without-c "))
    assert row.split()[1:6] == ["error", "runtime", "default", "yes", "yes"]


# Watch --------------------------------------------------------------------------------------------------

def test_watch_lints_again_after_a_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD)
    runs: list[LintRequest] = []

    def run(request: LintRequest) -> int:
        runs.append(request)
        if len(runs) == 1:  # the user edits the file after the first report
            threading.Timer(0.1, lambda: manifest.write_text(CLEAN)).start()
        return 0

    assert watch(LintRequest(paths=["."], watch=True), run, interval=0.02, rounds=2) == 0
    assert len(runs) == 2 and not any(request.watch for request in runs)
    with pytest.raises(UsageError, match="--watch does not go with --fix"):
        watch(LintRequest(paths=["."], watch=True, fix=True), run)


def test_watch_as_a_process(pod: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "podlint", "lint", "--watch", "."], cwd=pod, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stderr is not None and process.stdout is not None
        assert "watching for changes" in process.stderr.readline()
        time.sleep(0.05)
        (pod / "pod.yaml").write_text(CLEAN)
        deadline = time.monotonic() + 30
        output = ""
        while "0 errors, 0 warnings" not in output and time.monotonic() < deadline:
            output += process.stdout.readline()
        assert "0 errors, 0 warnings" in output and "image-latest-tag" in output
    finally:
        process.terminate()
        process.wait(timeout=30)
