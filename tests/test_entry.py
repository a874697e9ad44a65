"""The start-up fast path reads `podlint lint` command lines exactly as the typer app does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import podlint.app.cli
from podlint.app.command import LintRequest
from podlint.app.entry import fast_lint_request
from tests.conftest import ROOT

COMMON = [
    ["lint", "a.yaml"],
    ["lint", "a.yaml", "folder/", "-"],
    ["lint", "-f", "json", "a.yaml"],
    ["lint", "--format=json", "a.yaml"],
    ["lint", "-fjson", "a.yaml"],
    ["lint", "a.yaml", "--format", "json", "b.yaml"],
    ["lint", "-q", "--fail-on", "error", "-o", "out.json", "a.yaml"],
    ["lint", "-qfjson", "a.yaml"],
    ["lint", "--kubernetes-version", "1.30", "--debug", "a.yaml"],
    ["lint", "--debug", "--no-debug", "--jobs", "2", "a.yaml"],
    ["lint", "--follow-links", "a.yaml"],
    ["lint", "-j", "0", "--format", "text", "--format", "json", "a.yaml"],
    ["lint", "--format", "xml", "a.yaml"],  # read alike; run_lint rejects the value
    ["lint", "--jobs", "-1", "a.yaml"],
    ["lint", "chart/", "--values", "a.yaml", "--values", "b.yaml", "--set", "x=1", "--set", "y.z=2"],
    ["lint", "--release-name", "web", "--namespace", "prod", "--render", "never", "chart/"],
    ["lint"],  # no path: the current folder
    ["lint", "-q", "--statistics"],
    ["lint", "--select", "hardening,image-latest-tag", "--select", "invalid-*", "--ignore", "run-as-root", "a.yaml"],
    ["lint", "--extend-select", "security", "--exclude", "legacy/*", "--exclude", "*.gen.yaml", "."],
    ["lint", "--show-source", "--color", "always", "a.yaml"],
    ["lint", "--no-show-source", "--color=never", "a.yaml"],
    ["lint", "--output-format", "sarif", "--sarif-category", "k8s/prod", "a.yaml"],
    ["lint", "--output-format=json", "-f", "text", "--watch", "a.yaml"],
]
# Command lines the fast path leaves to typer: other commands, help, and anything it cannot read.
FOR_TYPER = [
    [], ["--version"], ["rules"], ["explain", "image-latest-tag"], ["lint", "--help"],
    ["lint", "-h", "a.yaml"], ["lint", "--form", "json", "a.yaml"], ["lint", "--jobs", "two", "a.yaml"],
    ["lint", "--debug=yes", "a.yaml"], ["lint", "-x", "a.yaml"], ["lint", "a.yaml", "--format"],
    ["lint", "--", "-odd-name.yaml"],  # argparse's intermixed parsing cannot read `--`: rare, left to typer
]


def typer_request(args: list[str], monkeypatch: pytest.MonkeyPatch) -> LintRequest | None:
    """The request the typer app builds from `podlint ARGS` (None: it refused them)."""
    seen: list[LintRequest] = []

    def record(request: LintRequest) -> int:
        seen.append(request)
        return 0

    monkeypatch.setattr(podlint.app.cli, "run_lint", record)
    CliRunner().invoke(podlint.app.cli.app, args)
    return seen[0] if seen else None


@pytest.mark.parametrize("args", COMMON, ids=" ".join)
def test_fast_path_reads_like_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = fast_lint_request(args)
    assert fast is not None
    assert fast == typer_request(args, monkeypatch)


@pytest.mark.parametrize("args", FOR_TYPER, ids=" ".join)
def test_everything_else_goes_to_typer(args: list[str]) -> None:
    assert fast_lint_request(args) is None


def _sample(option: typer.core.TyperOption) -> list[str]:
    """Command-line words that set `option` to something other than its default."""
    return [option.opts[0]] if option.is_flag else [option.opts[0], "7"]


def test_every_lint_option_is_read_by_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lint option added to the typer app must be added to entry._lint_parser too."""
    command = typer.main.get_command(podlint.app.cli.app)
    assert isinstance(command, typer.core.TyperGroup)
    options = [param for param in command.commands["lint"].params if isinstance(param, typer.core.TyperOption)]
    assert len(options) >= 7
    for option in options:
        args = ["lint", *_sample(option), "a.yaml"]
        fast = fast_lint_request(args)
        assert fast is not None, f"entry.py's fast path does not read {option.opts[0]}"
        assert fast == typer_request(args, monkeypatch), option.opts[0]
        assert fast != LintRequest(paths=["a.yaml"]), f"{option.opts[0]} changed nothing"


def test_a_lint_run_does_not_import_typer(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
                        "spec: {containers: [{name: a, image: 'nginx:1.27', "
                        "resources: {limits: {cpu: 1, memory: 1Gi}}}]}\n")
    # What a one-file lint must not pay for (issue 10: typer, jsonschema, sarif-om and ruamel.yaml
    # alone take ~0.2 s to import); jsonschema_rs, the schema validator, is allowed.
    heavy = ("typer", "click", "pydantic", "jsonschema", "ruamel", "sarif_om", "concurrent.futures")
    # The run ends with os._exit (entry.exit_now): the probe reports from there.
    probe = ("import os, sys\nfrom podlint.app.entry import main\nhard_exit = os._exit\n"
             "def report(code):\n"
             f"    print(code, sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n"
             "    sys.stderr.flush()\n    hard_exit(code)\n"
             "os._exit = report\nmain()\n")
    result = subprocess.run([sys.executable, "-c", probe, "lint", str(manifest)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert "0 errors, 0 warnings" in result.stdout
    assert result.stderr.strip() == "0 []"


def test_a_large_report_on_a_pipe_is_whole_despite_the_quick_exit(tmp_path: Path) -> None:
    # entry.exit_now skips the interpreter's teardown: what is buffered must still be written.
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{0}}}\n"
           "spec: {{containers: [{{name: a, image: nginx}}]}}\n")
    (tmp_path / "pods.yaml").write_text("---\n".join(pod.format(index) for index in range(300)))
    for fmt, code in (("json", 1), ("sarif", 1), ("text", 1)):
        result = subprocess.run([sys.executable, "-m", "podlint", "lint", "-f", fmt, "pods.yaml"],
                                capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert result.returncode == code, result.stderr
        if fmt == "text":
            assert result.stdout.endswith("1 file, 300 documents: 0 errors, 600 warnings, 0 infos\n")
        else:
            assert len(json.loads(result.stdout)["findings" if fmt == "json" else "runs"]) > 0
