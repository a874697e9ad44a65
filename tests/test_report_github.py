"""GitHub workflow commands: the annotations a runner turns into file/line/column marks on a PR."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.findings import Finding, Severity, Span
from podlint.report import Report, Summary, formatter
from podlint.sources.files import STDIN_NAME, expand

BAD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
"""
COMMAND = re.compile(r"^::(error|warning|notice) (.*?)::(.*)$")


def render(findings: list[Finding], root: Path) -> str:
    return formatter("github")(Report(findings, Summary(), 1, root=root), False)


def unescape(text: str) -> str:
    """What the Actions runner does to a value, to check that escaping round-trips."""
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    properties = dict(item.split("=", 1) for item in match.group(2).split(","))
    return match.group(1), {key: unescape(value) for key, value in properties.items()}, unescape(match.group(3))


def test_one_annotation_per_finding_at_its_position(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(BAD)
    run = lint_sources(expand([str(tmp_path / "k8s")]), Linter())
    lines = formatter("github")(Report(run.findings, run.summary, 1), False).splitlines()  # root found by git
    assert len(lines) == len(run.findings) == 2
    by_rule = {parse(line)[1]["title"]: parse(line) for line in lines}
    level, properties, message = by_rule["image-latest-tag"]
    finding = next(f for f in run.findings if f.rule == "image-latest-tag")
    assert level == "warning"
    assert properties == {"file": "k8s/pod.yaml", "line": "8", "endLine": "8", "col": "7", "endColumn": "12",
                          "title": "image-latest-tag"}
    assert message == f"{finding.message} (Pod/web)"


def test_levels_and_escaping_round_trip(tmp_path: Path) -> None:
    odd_name = "a,b::c 100%.yaml"
    findings = [
        Finding("parse-error", Severity.ERROR, "bad: 50% done\nnext line", odd_name, Span.point(2, 3)),
        Finding("unrendered-template", Severity.INFO, "a template", "t.yaml", Span.point(1, 1)),
    ]
    first, second = render(findings, Path.cwd()).splitlines()
    level, properties, message = parse(first)
    assert (level, properties["file"], properties["line"], properties["col"]) == ("error", odd_name, "2", "3")
    assert message == "bad: 50% done\\nnext line"  # a line break from input is shown, never sent to the runner
    assert "\n" not in first and first.count("::") == 2
    assert parse(second)[0] == "notice"


def test_standard_input_is_annotated_without_a_file(tmp_path: Path) -> None:
    finding = Finding("image-latest-tag", Severity.WARNING, "no tag", STDIN_NAME, Span.point(8, 14))
    level, properties, message = parse(render([finding], tmp_path).strip())
    assert (level, properties, message) == ("warning", {"title": "image-latest-tag"}, "no tag")


def test_no_findings_no_output(tmp_path: Path) -> None:
    assert render([], tmp_path) == ""
