"""Kustomize patches are recognised by name, folder or kustomization, and not judged for what they leave out."""

from __future__ import annotations

from pathlib import Path

import pytest

from podlint.reading.patches import is_patch_file


@pytest.mark.parametrize("name", ["patch.yaml", "job-patch.yaml", "patches_prod.yml", "replicaPatch.yaml",
                                  "deploy/overlays/prod/replicas.yaml"])
def test_patch_names(name: str) -> None:
    assert is_patch_file(name)


@pytest.mark.parametrize("name", ["dispatcher.yaml", "deploy/base/dispatcher.yaml", "patchwork-app.yaml",
                                  "deployment.yaml"])
def test_not_patches(name: str) -> None:
    assert not is_patch_file(name)


def test_kustomization_lists_patches(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("patches:\n  - path: replicas.yaml\n")
    assert is_patch_file(str(tmp_path / "replicas.yaml"))
    assert not is_patch_file(str(tmp_path / "service.yaml"))
