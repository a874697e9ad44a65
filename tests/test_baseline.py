"""A baseline survives edits above old findings and still catches a new one."""

from __future__ import annotations

import json
from pathlib import Path

from tests.manifests import BAD
from tests.test_cli import podlint


def test_baseline_matches_by_object_and_path_not_line(tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(BAD)
    baseline = tmp_path / "baseline.json"
    first = podlint("lint", "--write-baseline", str(baseline), str(manifest))
    assert first.returncode == 1
    assert json.loads(baseline.read_text())["findings"][0]["rule"] == "image-latest-tag"
    assert podlint("lint", "--baseline", str(baseline), str(manifest)).returncode == 0

    # Lines inserted above the old finding, and a new mistake in a second container.
    edited = "# a comment\n# another\n" + BAD + (
        "    - name: cache\n      image: redis\n      resources:\n        limits: {cpu: 100m, memory: 64Mi}\n")
    manifest.write_text(edited)
    result = podlint("lint", "-f", "json", "--baseline", str(baseline), str(manifest))
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"], f["path"]) for f in findings] == [
        ("image-latest-tag", 14, "spec.containers[1].image")]
    assert result.returncode == 1


def test_bad_baseline_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("not json")
    result = podlint("lint", "--baseline", str(tmp_path / "b.json"), str(tmp_path))
    assert result.returncode == 2 and "not a podlint baseline" in result.stderr
