"""Several reports from one run: `--format FORMAT[=FILE]` (repeatable) beside `--output`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podlint.report import FORMATS, Output, formatter, plan_outputs
from tests.manifests import BAD
from tests.test_cli import podlint


def test_plans() -> None:
    out = Path("report.json")
    assert plan_outputs(None, None) == [Output("text")]
    assert plan_outputs(["json"], out) == [Output("json", out)]
    assert plan_outputs(["text", "sarif=a.sarif", "GitLab=gl.json"], None) == [
        Output("text"), Output("sarif", Path("a.sarif")), Output("gitlab", Path("gl.json"))]
    assert plan_outputs(["github", "text=-"], out) == [Output("github", out), Output("text")]


@pytest.mark.parametrize(("formats", "output", "complaint"), [
    (["text", "json"], None, "same place"),
    (["sarif=a", "json=a"], None, "same place"),
    (["sarif=a"], Path("b"), "--output is unused"),
    (["xml"], None, "must be one of"),
    (["sarif="], None, "name a file"),
])
def test_impossible_plans_are_refused(formats: list[str], output: Path | None, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        plan_outputs(formats, output)


def test_every_format_has_a_formatter() -> None:
    for name in FORMATS:
        assert callable(formatter(name))


def test_text_on_the_terminal_and_ci_reports_in_files(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = podlint("lint", "-f", "text", "-f", "sarif=out.sarif", "-f", "github=gh.txt", "-f", "gitlab=gl.json",
                     "-f", "json=out.json", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("bad.yaml:8:7: warning image-latest-tag ")
    findings = json.loads((tmp_path / "out.json").read_text())["findings"]
    assert len(findings) == 1
    assert len(json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]) == 1
    assert (tmp_path / "gh.txt").read_text().startswith("::warning file=bad.yaml,line=8,")
    assert json.loads((tmp_path / "gl.json").read_text())[0]["check_name"] == "image-latest-tag"


def test_two_reports_on_standard_output_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = podlint("lint", "-f", "text", "-f", "json", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "FORMAT=FILE" in result.stderr and result.stdout == ""
