"""The `podlint` pre-commit hook as its users get it, with the real pre-commit.

`pre-commit try-repo` installs this repository (its committed HEAD, plus uncommitted changes to
tracked files) into a fresh environment from the package registry, as `repos:` would, then runs
the hook on files of a scratch repository. It needs the registry and takes a while (each
try-repo installs afresh: two runs, some 20 s each here), so it is marked `network`: offline,
run `pytest -m 'not network'`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.manifests import BAD, GOOD

WORKFLOW = "name: ci\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"


def try_repo(scratch: Path, *files: str) -> subprocess.CompletedProcess[str]:
    # Nothing from an enclosing git hook or pre-commit run may steer the inner ones.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env["PRE_COMMIT_COLOR"] = "never"
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "podlint", "--files", *files],
                          cwd=scratch, env=env, capture_output=True, text=True, timeout=900)


def test_the_manifest_is_valid_and_declares_both_hooks() -> None:
    check = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {key: hooks[key]["entry"] for key in hooks} == {"podlint": "podlint lint", "podlint-fix": "podlint fix"}
    assert hooks["podlint-fix"]["types_or"] == ["yaml", "json"]
    # The lint hook also takes Helm helpers and `Kustomization` files, all in one process: a chart or
    # overlay whose files changed renders once.
    files = re.compile(hooks["podlint"]["files"])
    assert all(files.search(name) for name in ("a.yaml", "b.yml", "c.json", "chart/templates/_helpers.tpl",
                                                "overlay/Kustomization", "Kustomization"))
    assert not any(files.search(name) for name in ("notes.txt", "README.md", "MyKustomization"))
    assert hooks["podlint"]["require_serial"] is True


@pytest.mark.network
def test_the_hook_blocks_a_bad_manifest_and_lets_good_files_through(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    subprocess.run(["git", "init", "-q", str(scratch)], check=True)
    (scratch / "good.yaml").write_text(GOOD)
    (scratch / "bad.yaml").write_text(BAD)
    (scratch / "ci.yml").write_text(WORKFLOW)  # YAML, but no Kubernetes object: nothing to lint
    (scratch / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (scratch / "notes.txt").write_text(BAD)  # not YAML or JSON: the hook never sees it
    subprocess.run(["git", "add", "."], cwd=scratch, check=True)

    passed = try_repo(scratch, "good.yaml", "ci.yml", "package.json", "notes.txt")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^podlint\.+Passed$", passed.stdout, re.MULTILINE), passed.stdout

    failed = try_repo(scratch, "good.yaml", "bad.yaml", "notes.txt")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"^podlint\.+Failed$", failed.stdout, re.MULTILINE), failed.stdout
    assert "bad.yaml:8:7: warning image-latest-tag " in failed.stdout
    assert "notes.txt" not in failed.stdout.split("Failed", 1)[1]


@pytest.mark.network
@pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                    reason="no kustomize or kubectl on PATH for the hook's fresh environment")
def test_a_changed_patch_lints_its_overlay_at_the_patch_line(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    subprocess.run(["git", "init", "-q", str(scratch)], check=True)
    shutil.copytree(ROOT / "tests" / "render" / "shop", scratch / "shop")
    subprocess.run(["git", "add", "."], cwd=scratch, check=True)
    failed = try_repo(scratch, "shop/overlays/prod/limits-patch.yaml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    # The patch's own line, and the base line the prod overlay renders, each once.
    assert "shop/overlays/prod/limits-patch.yaml:13:23: error invalid-quantity " in failed.stdout
    assert failed.stdout.count("shop/base/deployment.yaml:15:38: warning negative-grace-period") == 1
