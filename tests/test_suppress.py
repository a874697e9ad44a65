"""Each suppression form silences exactly its target; stale ones are reported."""

from __future__ import annotations

from podlint.engine import Linter

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
{annotations}spec:
  containers:
    - name: web
      image: nginx{same_line}
      resources:
        limits: {{cpu: 100m, memory: 64Mi}}
    - name: cache
{next_line}      image: redis
      resources:
        limits: {{cpu: 100m, memory: 64Mi}}
"""


def lint(head: str = "", **parts: str) -> list[tuple[str, int]]:
    text = head + POD.format(**{"annotations": "", "same_line": "", "next_line": "", **parts})
    return [(f.rule, f.span.line) for f in Linter().lint_text(text, "p.yaml").findings]


def test_unsuppressed() -> None:
    assert lint() == [("image-latest-tag", 8), ("image-latest-tag", 12)]


def test_same_line_silences_only_that_line() -> None:
    assert lint(same_line="  # podlint: disable=image-latest-tag -- mirror pins it") == [("image-latest-tag", 12)]


def test_next_line() -> None:
    assert lint(next_line="      # podlint: disable-next-line=image-latest-tag\n") == [("image-latest-tag", 8)]


def test_whole_file() -> None:
    assert lint(head="# podlint: disable-file=image-latest-tag\n") == []


def test_other_rule_id_silences_nothing_and_is_reported() -> None:
    assert lint(same_line="  # podlint: disable=exiting-command") == [
        ("image-latest-tag", 8), ("unused-suppression", 8), ("image-latest-tag", 12)]


def test_annotation_silences_its_object_only() -> None:
    annotations = "  annotations:\n    podlint/ignore: image-latest-tag\n"
    assert lint(annotations=annotations) == []
    text = POD.format(annotations=annotations, same_line="", next_line="") + "---\n" + POD.format(
        annotations="", same_line="", next_line="")
    assert [f.span.line for f in Linter().lint_text(text, "p.yaml").findings] == [25, 29]


def test_all() -> None:
    assert lint(head="# podlint: disable-file=all\n") == []


def test_a_file_that_does_not_parse_reports_no_stale_suppression() -> None:
    text = POD.format(annotations="", same_line="  # podlint: disable=image-latest-tag", next_line="") + "  bad: [\n"
    assert [f.rule for f in Linter().lint_text(text, "p.yaml").findings] == ["parse-error"]
