"""The composite GitHub Action: its lint step, run by bash as the runner would run it.

The runner itself is not here, so the step's script runs with the environment the runner
gives it (inputs through `env:`, RUNNER_TEMP, GITHUB_OUTPUT) and podlint from this checkout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT
from tests.manifests import BAD, GOOD

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}")


def step(step_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)
    return found


def run_lint_step(workspace: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    lint = step("lint")
    env = {key: EXPRESSION.sub(lambda m: values[m.group(1)], str(value)) for key, value in lint["env"].items()}
    runner_temp = workspace.parent / "runner-temp"
    (runner_temp / "podlint-venv" / "bin").mkdir(parents=True, exist_ok=True)
    # The install step's virtual environment, standing in: podlint from this checkout.
    launcher = runner_temp / "podlint-venv" / "bin" / "podlint"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m podlint "$@"\n')
    launcher.chmod(0o755)
    output = workspace.parent / "github-output"
    output.unlink(missing_ok=True)
    env |= {"RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(output), "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT)}
    result = subprocess.run(["bash", "-e", "-c", lint["run"]], cwd=workspace, env=env, capture_output=True,
                            text=True, timeout=120)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
    return result, outputs


def test_inputs_reach_the_scripts_only_through_env() -> None:
    # `${{ }}` inside a script is template injection; every input goes through `env:`.
    for item in ACTION["runs"]["steps"]:
        assert "${{" not in item.get("run", ""), item.get("name")
    assert ACTION["runs"]["using"] == "composite"
    upload = next(s for s in ACTION["runs"]["steps"] if "upload-sarif" in s.get("uses", ""))
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "always()" in upload["if"]


def test_lint_step_writes_sarif_prints_annotations_and_reports_the_exit_code(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "k8s").mkdir(parents=True)
    (workspace / "k8s" / "bad.yaml").write_text(BAD)
    (workspace / "good.yaml").write_text(GOOD)
    result, outputs = run_lint_step(workspace, paths="k8s\ngood.yaml")
    assert result.returncode == 0, result.stderr  # the step records the failure; a later step fails the job
    assert outputs == {"exit-code": "1"}
    assert "k8s/bad.yaml:8:7: warning image-latest-tag" in result.stdout
    assert re.search(r"^::warning file=k8s/bad\.yaml,line=8,", result.stdout, re.MULTILINE)
    sarif = json.loads((workspace / "podlint.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["exitCode"] == 1


def test_paths_are_words_never_shell_code(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "good.yaml").write_text(GOOD)
    result, outputs = run_lint_step(workspace, paths="good.yaml $(touch injected) ;touch injected2 *")
    assert outputs == {"exit-code": "2"}, result.stderr  # the odd words are missing files, nothing more
    assert sorted(p.name for p in workspace.iterdir()) == ["good.yaml", "podlint.sarif"]
    assert "$(touch:1:1: error read-error" in result.stdout and "*:1:1: error read-error" in result.stdout


def test_report_only_runs_pass(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "bad.yaml").write_text(BAD)
    result, outputs = run_lint_step(workspace, **{"fail-on": "never", "annotations": "false"})
    assert outputs == {"exit-code": "0"}, result.stderr
    assert "::" not in result.stdout
    assert len(json.loads((workspace / "podlint.sarif").read_text())["runs"][0]["results"]) == 1
