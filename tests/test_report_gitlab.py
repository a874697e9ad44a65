"""GitLab Code Quality: the report a merge request widget reads (`artifacts: reports: codequality`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.report import Report, formatter
from podlint.sources.files import expand
from tests.test_report_github import BAD

REQUIRED = {"description", "check_name", "fingerprint", "severity", "location"}
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_code_quality_issues_match_the_findings(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(BAD + "---\n" + BAD)
    (tmp_path / "k8s" / "broken.yaml").write_text("kind: [\n")
    run = lint_sources(expand([str(tmp_path / "k8s")]), Linter())
    report = Report(run.findings, run.summary, 2)
    issues = json.loads(formatter("gitlab")(report, False))
    assert len(issues) == len(run.findings) == 5
    for issue, finding in zip(issues, run.findings, strict=True):
        assert set(issue) == REQUIRED
        assert issue["severity"] in SEVERITIES
        assert issue["check_name"] == finding.rule
        assert issue["description"].startswith(finding.message)
        assert issue["location"]["lines"] == {"begin": finding.span.line, "end": finding.span.end_line}
    assert {issue["location"]["path"] for issue in issues} == {"k8s/pod.yaml", "k8s/broken.yaml"}
    assert {issue["severity"] for issue in issues} == {"critical", "major"}
    # The same fingerprints as SARIF's, distinct even for the same object twice in a file.
    sarif = json.loads(formatter("sarif")(report, False))
    assert [i["fingerprint"] for i in issues] == [r["partialFingerprints"]["podlint/v1"]
                                                  for r in sarif["runs"][0]["results"]]
    assert len({issue["fingerprint"] for issue in issues}) == 5


def test_a_clean_run_is_an_empty_report(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(BAD.replace("image: nginx", "image: nginx:1.27.3\n"
                                                   "      resources: {limits: {cpu: 1, memory: 1Gi}}"))
    run = lint_sources(expand([str(tmp_path)]), Linter())
    assert json.loads(formatter("gitlab")(Report(run.findings, run.summary, 0), False)) == []
