"""The command line as a user runs it: a real process, real files, exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.manifests import BAD, GOOD

BROKEN = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n"


def podlint(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podlint", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=60)


def test_clean_file_exits_0(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    result = podlint("lint", str(tmp_path / "good.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors, 0 warnings" in result.stdout


def test_warning_exits_1_and_text_format(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = podlint("lint", str(tmp_path / "bad.yaml"))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'bad.yaml'}:8:7: warning image-latest-tag ")
    assert first.endswith("(Pod/web)")


def test_fail_on_controls_exit_code(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    assert podlint("lint", "--fail-on", "error", str(tmp_path)).returncode == 0
    assert podlint("lint", "--fail-on", "never", str(tmp_path)).returncode == 0
    assert podlint("lint", "--fail-on", "info", str(tmp_path)).returncode == 1


def test_stdin() -> None:
    result = podlint("lint", "--format", "json", "-", stdin=BAD)
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["file"], f["rule"], f["line"], f["column"]) for f in findings] == [
        ("<stdin>", "image-latest-tag", 8, 7)]


def test_json_shape(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = podlint("lint", "-f", "json", str(tmp_path / "bad.yaml"))
    report = json.loads(result.stdout)
    assert set(report) == {"findings", "summary"}
    assert report["summary"] == {"files": 1, "documents": 1, "errors": 0, "warnings": 1, "infos": 0,
                                 "custom_resources_skipped": 0, "custom_resource_rules_skipped": 0}
    finding = report["findings"][0]
    assert set(finding) == {"rule", "severity", "message", "file", "line", "column", "end_line", "end_column",
                            "kind", "name", "namespace", "path", "fixable", "related", "approximate"}
    assert finding["path"] == "spec.containers[0].image"
    assert (finding["kind"], finding["name"], finding["severity"]) == ("Pod", "web", "warning")
    assert (finding["end_line"], finding["end_column"]) == (8, 12)


def test_directory_walk_skips_hidden_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "bad.yml").write_text(BAD)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "bad.yaml").write_text(BAD)
    (tmp_path / "notes.txt").write_text(BAD)
    (tmp_path / "pod.json").write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"},
                                                   "spec": {"containers": [{"name": "c", "image": "redis"}]}}))
    result = podlint("lint", "-f", "json", str(tmp_path))
    files = sorted({Path(f["file"]).name for f in json.loads(result.stdout)["findings"]})
    assert files == ["bad.yml", "pod.json"]


def test_broken_file_next_to_good_one_still_reports_both(tmp_path: Path) -> None:
    (tmp_path / "a-broken.yaml").write_text(BROKEN)
    (tmp_path / "b-bad.yaml").write_text(BAD)
    result = podlint("lint", str(tmp_path))
    assert result.returncode == 2
    assert "a-broken.yaml:4:9: error parse-error" in result.stdout  # the unclosed `[`
    assert "b-bad.yaml:8:7: warning image-latest-tag" in result.stdout
    assert "Traceback" not in result.stderr


def test_missing_path_is_reported_and_others_linted(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = podlint("lint", str(tmp_path / "nope.yaml"), str(tmp_path / "bad.yaml"))
    assert result.returncode == 2
    assert "nope.yaml:1:1: error read-error no such file or directory" in result.stdout
    assert "image-latest-tag" in result.stdout


def test_usage_errors_exit_2() -> None:
    assert podlint("lint", "--format", "xml", "x.yaml").returncode == 2
    assert podlint("lint", "--fail-on", "sometimes", "x.yaml").returncode == 2
    result = podlint("explain", "image-latest")
    assert result.returncode == 2
    assert "did you mean 'image-latest-tag'" in result.stderr


def test_output_file_and_quiet(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    result = podlint("lint", "-q", str(tmp_path / "good.yaml"))
    assert result.stdout == ""
    out = tmp_path / "report.json"
    podlint("lint", "-f", "json", "-o", str(out), str(tmp_path / "good.yaml"))
    assert json.loads(out.read_text())["summary"]["documents"] == 1


def test_rules_explain_and_version() -> None:
    listing = podlint("rules").stdout
    assert "init-container-probe" in listing and "selector-mismatch" in listing
    explained = podlint("explain", "exiting-command").stdout
    for heading in ("Why it matters:", "How to fix it:", "Bad:", "Good:"):
        assert heading in explained
    assert podlint("--version").stdout.startswith("podlint ")


def test_no_colour_when_piped(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    assert "\033[" not in podlint("lint", str(tmp_path)).stdout
