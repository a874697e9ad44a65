"""`podlint fix` killed at random moments: every file is whole, old or new, and no temporary file stays.

Writes are a temporary file in the same folder, synced and renamed over the original; SIGINT and
SIGTERM end the process through the clean-up that removes the temporary file. Links out of the
scanned tree are never written through.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, TESTS

BEFORE = (TESTS / "fix" / "invalid-restart-policy" / "controllers.before.yaml").read_bytes()
AFTER = (TESTS / "fix" / "invalid-restart-policy" / "controllers.after.yaml").read_bytes()
FILES = 2_000


def _tree(root: Path) -> list[Path]:
    paths = []
    for index in range(FILES):
        folder = root / f"d{index // 100:02d}"
        folder.mkdir(exist_ok=True)
        path = folder / f"f{index:04d}.yaml"
        path.write_bytes(BEFORE)
        path.chmod(0o640)
        paths.append(path)
    return paths


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_fix_killed_at_random_moments_leaves_every_file_old_or_new(tmp_path: Path, signum: int) -> None:
    paths = _tree(tmp_path)
    rng = random.Random(f"podlint-{signum}")
    fixed_before = 0
    for _ in range(2):  # each round fixes some more files, then is killed
        process = subprocess.Popen([sys.executable, "-m", "podlint", "fix", "-q", str(tmp_path)], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.9))  # start-up takes ~0.2 s; 2,000 files take several seconds
        process.send_signal(signum)
        assert process.wait(timeout=30) != 0
        contents = [path.read_bytes() for path in paths]
        assert all(content in (BEFORE, AFTER) for content in contents), "a file is neither old nor new"
        fixed = sum(content == AFTER for content in contents)
        assert fixed >= fixed_before
        fixed_before = fixed
        assert not list(tmp_path.rglob("*.podlint-fix")), "a temporary file was left behind"
    assert all(path.stat().st_mode & 0o777 == 0o640 for path in paths)  # the mode kept on every rewrite


def test_fix_keeps_mode_and_writes_nothing_through_a_link_out_of_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(BEFORE)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "inside.yaml").write_bytes(BEFORE)
    (tree / "inside.yaml").chmod(0o600)
    (tree / "link.yaml").symlink_to(outside)
    (tree / "link-inside.yaml").symlink_to("inside.yaml")
    for extra in ([], ["--follow-links"]):
        subprocess.run([sys.executable, "-m", "podlint", "fix", "-q", *extra, "."], cwd=tree, capture_output=True,
                       timeout=60)
        assert outside.read_bytes() == BEFORE  # even when asked to read it, never written
    assert (tree / "inside.yaml").read_bytes() == AFTER
    assert os.stat(tree / "inside.yaml").st_mode & 0o777 == 0o600
    assert (tree / "link-inside.yaml").is_symlink()  # written through, the link kept
